"""The model evaluator: runs in a sandbox of its own, loads one saved model, reports metrics as JSON.

`python -m grader.models.evaluate JOB.json RESULT.json`. It never unpickles code: PyTorch files
load with `weights_only=True`, Keras files in safe mode, TorchScript through its own loader.
It sees the model file, the held-out data (read-only) and the grader's and references' code.
"""
import importlib
import json
import sys
import time
from pathlib import Path
from typing import Any

import numpy as np

from grader.models import datasets, metrics


class Refused(Exception):
    """The file holds pickled code, or is not the kind of model the rubric asks for."""


class ArchitectureMismatch(Exception):
    def __init__(self, problems: list[str]):
        super().__init__("; ".join(problems))
        self.problems = problems


def build(dotted: str) -> Any:
    module, _, name = dotted.rpartition(".")
    return getattr(importlib.import_module(module), name)()


def shape_problems(found: list[tuple[str, tuple]], expected: list[tuple[str, tuple]], by_name: bool) -> list[str]:
    """Differences between two lists of (parameter name, shape), by name or in order."""
    if by_name:
        f, e = dict(found), dict(expected)
        problems = [f"missing {k} {list(v)}" for k, v in e.items() if k not in f]
        problems += [f"unexpected {k} {list(v)}" for k, v in f.items() if k not in e]
        problems += [f"{k}: {list(f[k])} instead of {list(v)}" for k, v in e.items() if k in f and f[k] != v]
        return problems
    if len(found) != len(expected):
        return [f"{len(found)} weight tensors instead of {len(expected)}"]
    return [f"weight {i} ({fn}): {list(fs)} instead of {list(es)}"
            for i, ((fn, fs), (_, es)) in enumerate(zip(found, expected)) if fs != es]


def _torch_model(job: dict, path: Path, device: str):
    import torch

    fmt = job["format"]
    if fmt == "torchscript":
        try:
            model = torch.jit.load(str(path), map_location=device)
        except RuntimeError as exc:
            raise Refused(f"not a TorchScript file: {str(exc).splitlines()[0]}") from None
        state = {k: tuple(v.shape) for k, v in model.state_dict().items()}
    else:
        if path.suffix == ".safetensors":
            from safetensors.torch import load_file
            weights = load_file(str(path))
        else:
            try:
                weights = torch.load(str(path), map_location="cpu", weights_only=True)
            except Exception as exc:  # noqa: BLE001 - any failure of the safe loader is a refusal
                raise Refused(f"the file holds more than weights (pickled code is not loaded): "
                              f"{str(exc).splitlines()[0][:200]}") from None
            if not isinstance(weights, dict) or not all(isinstance(v, torch.Tensor) for v in weights.values()):
                raise Refused("the file is not a state_dict (a dict of parameter names to tensors)")
        model = None
        state = {k: tuple(v.shape) for k, v in weights.items()}
    reference = build(job["architecture"]) if job.get("architecture") else None
    problems: list[str] = []
    if reference is not None:
        expected = [(k, tuple(v.shape)) for k, v in reference.state_dict().items()]
        problems = shape_problems(list(state.items()), expected, by_name=model is None)
    if model is None:
        if reference is None:
            raise Refused("a state_dict needs the rubric's architecture to be loaded into")
        if problems:
            raise ArchitectureMismatch(problems)
        reference.load_state_dict(weights, strict=True)
        model = reference.to(device)
    return model.eval(), problems, int(sum(p.numel() for p in model.parameters()))


def _keras_model(job: dict, path: Path):
    import keras

    try:
        model = keras.saving.load_model(str(path), safe_mode=True, compile=False)
    except Exception as exc:  # noqa: BLE001 - safe mode raises ValueError for lambdas, others for bad files
        raise Refused(f"the Keras file could not be loaded in safe mode: {str(exc).splitlines()[0][:200]}") from None
    problems: list[str] = []
    if job.get("architecture"):
        reference = build(job["architecture"])
        found = [(w.path, tuple(w.shape)) for w in model.weights]
        expected = [(w.path, tuple(w.shape)) for w in reference.weights]
        problems = shape_problems(found, expected, by_name=False)
    return model, problems, int(model.count_params())


def prepare_inputs(x: np.ndarray, spec: dict, train: np.ndarray | None) -> np.ndarray:
    """Scale, normalise and lay out the held-out inputs as the rubric says the model expects them."""
    x = x.astype(np.float32)
    if spec.get("standardize") and train is not None:
        t = train.astype(np.float32)
        x = (x - t.mean(axis=0)) / np.where(t.std(axis=0) > 0, t.std(axis=0), 1)
    x = x / float(spec.get("scale", 1.0))
    if spec.get("mean") is not None:
        x = (x - np.asarray(spec["mean"], np.float32)) / np.asarray(spec.get("std") or 1.0, np.float32)
    layout = spec.get("layout", "nchw")
    if layout == "nchw" and x.ndim == 3:
        x = x[:, None]
    elif layout == "nchw" and x.ndim == 4:
        x = x.transpose(0, 3, 1, 2)
    elif layout == "nhwc" and x.ndim == 3:
        x = x[..., None]
    elif layout == "flat":
        x = x.reshape(len(x), -1)
    return np.ascontiguousarray(x)


def evaluate(job: dict) -> dict:
    start = time.monotonic()
    root = Path(job["data_root"]) if job.get("data_root") else None
    held_out = datasets.load(job["dataset"], job["split"], root)
    if job.get("positive") is not None:  # a binary task made from a multi-class set
        held_out.y, held_out.classes = np.isin(held_out.y, job["positive"]).astype(np.int64), 2
    if job.get("max_examples"):
        held_out.x, held_out.y = held_out.x[: job["max_examples"]], held_out.y[: job["max_examples"]]
    spec = job.get("input", {})
    train = datasets.load(job["dataset"], "train", root).x if spec.get("standardize") else None
    x = prepare_inputs(held_out.x, spec, train)
    path, batch = Path(job["model_path"]), int(job.get("batch_size", 256))
    peak = None
    if job["format"] == "keras":
        model, problems, params = _keras_model(job, path)
        outputs = np.asarray(model.predict(x, batch_size=batch, verbose=0))
        device = "cpu"
    else:
        import torch

        device = "cuda" if job.get("device", "auto") != "cpu" and torch.cuda.is_available() else "cpu"
        model, problems, params = _torch_model(job, path, device)
        chunks = []
        with torch.inference_mode():
            for i in range(0, len(x), batch):
                chunks.append(model(torch.from_numpy(x[i:i + batch]).to(device)).float().cpu().numpy())
        outputs = np.concatenate(chunks)
        if device == "cuda":
            peak = torch.cuda.max_memory_allocated() / 2**20
    result = metrics.classification(outputs, held_out.y, held_out.classes)
    return {"status": "ok", "architecture_problems": problems, "parameters": params, "metrics": result,
            "device": device, "peak_gpu_mib": peak, "seconds": round(time.monotonic() - start, 3)}


def main(job_path: str, result_path: str) -> int:
    job = json.loads(Path(job_path).read_text())
    try:
        result = evaluate(job)
    except Refused as exc:
        result = {"status": "refused", "error": str(exc)}
    except ArchitectureMismatch as exc:
        result = {"status": "architecture", "error": str(exc), "architecture_problems": exc.problems}
    except Exception as exc:  # noqa: BLE001 - the student's model failing is a result, not a crash
        kind = "gpu_memory" if "out of memory" in str(exc).lower() else "error"
        result = {"status": kind, "error": f"{type(exc).__name__}: {str(exc)[:500]}"}
    Path(result_path).write_text(json.dumps(result))
    return 0


if __name__ == "__main__":
    sys.exit(main(*sys.argv[1:3]))
