"""Grade many saved CIFAR-10 CNNs (homework 3, exercise 4) in one run: wall time, time per model,
GPU memory at peak.

1. Writes a generated 10-class image set in CIFAR-10's real python-batch format (no download).
2. Trains the reference CNN with `reference/hw3/train_ex4_cifar.py` (reduced size and epochs,
   as the options say), saving its weights every few steps: models of every quality.
3. Makes N student submissions from those snapshots (some with noise added to the weights, two
   with another architecture, one that saved nothing) and grades them with `grader run` on a
   one-question rubric whose model check points at the reference record.
Usage: python bench/model_grading.py [--students 50] [--train 4000] [--test 1000] [--epochs 1]
Prints the run's wall time, seconds per model (from the results), the evaluator's device and the
GPU memory at peak (torch's max allocated per evaluation, and nvidia-smi's peak while the run
lasted when there is a GPU).
"""
import argparse
import json
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

import nbformat
import numpy as np

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from grader.models import datasets  # noqa: E402

RUBRIC = """
assignment: hw3ex4
title: {fa: "تمرین ۳، پرسش ۴: مدل CIFAR-10", en: "Homework 3, exercise 4: the CIFAR-10 model"}
course: {fa: شبکه عصبی, en: Neural networks}
reference: reference.hw3
limits: {cell_timeout_s: 60, total_timeout_s: 300}
questions:
  - id: q4
    title: {fa: "شبکه پیچشی CIFAR-10", en: "The CIFAR-10 CNN"}
    points: 10
    answers:
      - name: cifar_model
        check: model
        points: 10
        prompt: {fa: "state_dict مدل را با safetensors در cifar_cnn.safetensors ذخیره کنید.",
                 en: "Save the model's state_dict with safetensors to cifar_cnn.safetensors."}
        options: {file: cifar_cnn.safetensors, format: state_dict, architecture: ex4_cifar_cnn.model,
                  dataset: cifar10, record: RECORD, input: {layout: nchw, scale: 255}, margin: 0.05, floor: 0.1}
"""


def images(n: int, seed: int) -> tuple[np.ndarray, np.ndarray]:
    """Ten classes: five colours × horizontal or vertical stripes, at random phases, over noise."""
    rng = np.random.default_rng(seed)
    y = rng.integers(0, 10, n)
    colours = np.array([[220, 40, 40], [40, 200, 40], [40, 60, 220], [220, 200, 40], [160, 40, 200]])
    x = rng.integers(0, 90, (n, 32, 32, 3)).astype(np.int32)
    grid = np.arange(32)
    for i, label in enumerate(y):
        period, phase = rng.integers(4, 9), rng.integers(0, 8)
        stripe = ((grid + phase) // (period // 2)) % 2 == 0
        mask = stripe[:, None] if label % 2 == 0 else stripe[None, :]
        x[i][np.broadcast_to(mask, (32, 32))] += colours[label // 2] // 2
    return np.clip(x, 0, 255).astype(np.uint8), y


def student(folder: Path, weights: Path | None) -> None:
    folder.mkdir(parents=True)
    nb = nbformat.v4.new_notebook()
    nb.cells = [nbformat.v4.new_code_cell("import os\nprint(os.listdir('.'))")]
    nbformat.write(nb, folder / "hw3ex4.ipynb")
    if weights is not None:
        shutil.copy(weights, folder / "cifar_cnn.safetensors")


def noisy(src: Path, dst: Path, scale: float, seed: int) -> None:
    from safetensors.torch import load_file, save_file
    import torch

    gen = torch.Generator().manual_seed(seed)
    state = load_file(str(src))
    save_file({k: (v + scale * v.std() * torch.randn(v.shape, generator=gen)) if v.is_floating_point() and v.numel() > 1
               else v for k, v in state.items()}, str(dst))


def other_architecture(dst: Path) -> None:
    import torch
    from safetensors.torch import save_file
    from reference.hw3.ex4_cifar_cnn import model

    net = model()
    net[0][0] = torch.nn.Conv2d(3, 32, 5, padding=2)  # a 5×5 first layer instead of 3×3
    save_file({k: v.contiguous() for k, v in net.state_dict().items()}, str(dst))


class GpuPeak(threading.Thread):
    """nvidia-smi's memory.used, polled while the run lasts (none without a GPU)."""

    def __init__(self):
        super().__init__(daemon=True)
        self.peak, self.running = None, shutil.which("nvidia-smi") is not None

    def run(self):
        while self.running:
            out = subprocess.run(["nvidia-smi", "--query-gpu=memory.used", "--format=csv,noheader,nounits"],
                                 capture_output=True, text=True)
            if out.returncode == 0:
                used = sum(float(v) for v in out.stdout.split())
                self.peak = max(self.peak or 0, used)
            time.sleep(0.2)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--students", type=int, default=50)
    ap.add_argument("--train", type=int, default=4000)
    ap.add_argument("--test", type=int, default=1000)
    ap.add_argument("--epochs", type=int, default=1)
    ap.add_argument("--jobs", type=int, default=None)
    ap.add_argument("--work", type=Path, default=None, help="keep everything here (default: a temp folder)")
    args = ap.parse_args()
    work = args.work or Path(tempfile.mkdtemp(prefix="bench-models-"))
    data, subs, out = work / "data", work / "submissions" / "hw3ex4", work / "out"
    x, y = images(args.train, 0)
    datasets.write_cifar10(data, "train", x, y)
    x, y = images(args.test, 1)
    datasets.write_cifar10(data, "test", x, y)

    start = time.monotonic()
    steps = max(1, args.epochs * args.train // 128)
    record = work / "ex4_record.json"
    train = subprocess.run([sys.executable, "-m", "reference.hw3.train_ex4_cifar", "--data", str(data),
                            "--epochs", str(args.epochs), "--record", str(record), "--checkpoints",
                            str(work / "ckpt"), "--every", str(max(1, steps // 8))], cwd=ROOT, check=True,
                           capture_output=True, text=True)
    ref = json.loads(record.read_text())
    print(f"reference: accuracy {ref['metrics']['accuracy']:.4f} after {args.epochs} epoch(s) on {args.train} "
          f"images, {ref['seconds']} s on {ref['device']} ({time.monotonic() - start:.1f} s with start-up)")

    snapshots = sorted((work / "ckpt").glob("*.safetensors"))
    rng = np.random.default_rng(0)
    for i in range(args.students):
        folder = subs / f"s{i + 1:03d}"
        if i == 0:
            student(folder, None)  # saved nothing
        elif i in (1, 2):
            other_architecture(work / "other.safetensors")
            student(folder, work / "other.safetensors")
        elif i % 3 == 0:
            noisy(snapshots[-1], work / "noisy.safetensors", float(rng.uniform(0.05, 1.0)), i)
            student(folder, work / "noisy.safetensors")
        else:
            student(folder, snapshots[i % len(snapshots)])
    rubrics = work / "rubrics"
    rubrics.mkdir(exist_ok=True)
    (rubrics / "hw3ex4.yaml").write_text(RUBRIC.replace("RECORD", str(record)))

    env = {**os.environ, "GRADER_RUBRICS": str(rubrics), "GRADER_DATA": str(data)}
    cmd = [sys.executable, "-m", "grader.apps.cli", "run", str(subs), "--out", str(out), "--force"]
    cmd += ["--jobs", str(args.jobs)] if args.jobs else []
    peak = GpuPeak()
    peak.start()
    t0 = time.monotonic()
    proc = subprocess.run(cmd, cwd=ROOT, env=env, capture_output=True, text=True)
    wall = time.monotonic() - t0
    peak.running = False
    if proc.returncode != 0:
        sys.exit(proc.stderr[-3000:])
    results = [json.loads(p.read_text()) for p in sorted((out / "results").glob("*.json"))]
    per_model = [r["runtime_s"] for r in results]
    evaluations, torch_peaks, scores, devices = [], [], [], set()
    for r in results:
        answer = r["questions"][0]["answers"][0]
        scores.append(r["total"])
        for d in answer.get("details", []):
            if d["label"] == "evaluated on":
                device, seconds = d["found"].split(", ")[:2]
                devices.add(device)
                evaluations.append(float(seconds.rstrip(" s")))
                if "peak GPU memory" in d["found"]:
                    torch_peaks.append(float(d["found"].split("peak GPU memory ")[1].split()[0]))
    print(f"graded {len(results)} submissions in {wall:.1f} s wall ({wall / len(results):.2f} s per model of wall time)")
    print(f"per submission (kernel + evaluation + report): median {statistics.median(per_model):.2f} s, "
          f"max {max(per_model):.2f} s")
    if evaluations:
        print(f"evaluation alone: median {statistics.median(evaluations):.2f} s on {', '.join(sorted(devices))} "
              f"({len(evaluations)} models evaluated, {len(results) - len(evaluations)} refused or missing)")
    print(f"GPU memory at peak: torch max allocated per evaluation "
          f"{max(torch_peaks):.0f} MiB" if torch_peaks else "GPU memory at peak: no GPU used", end="")
    print(f"; nvidia-smi peak during the run {peak.peak:.0f} MiB" if peak.peak is not None else "")
    print(f"scores: min {min(scores):g}, median {statistics.median(scores):g}, max {max(scores):g} of 10")
    print(f"work folder: {work}")


if __name__ == "__main__":
    main()
