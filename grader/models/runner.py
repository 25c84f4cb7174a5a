"""Run the model evaluator on a student's saved model, in the same kind of sandbox as their kernel.

The model file's bytes came out of the student's kernel through the probe; here they are
written into a fresh folder that the evaluator sees as its submission, next to the held-out
data (read-only) and the grader's and references' code (read-only, nothing else of the grader).
"""
import importlib.util
import json
import os
import subprocess
import sys
import tempfile
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from grader.kernel import sandbox
from grader.rubric.schema import Limits

CODE_ROOT = "/opt/grader"  # where the evaluator finds the grader's and references' packages
DATA_ROOT = "/data"
EVALUATOR_TIMEOUT_S = 600


@dataclass(frozen=True)
class Runtime:
    """How a student's kernel ran, so that work on their files runs the same way."""

    limits: Limits
    use_sandbox: bool = True
    env: dict[str, str] = field(default_factory=dict)  # the kernel's GPU slot and thread count

    @property
    def gpu(self) -> bool:
        return self.env.get("CUDA_VISIBLE_DEVICES") != ""

    def passed_env(self) -> dict[str, str]:
        return {k: v for k, v in self.env.items() if k in ("CUDA_VISIBLE_DEVICES", "OMP_NUM_THREADS")}


def _package_dir(name: str) -> Path:
    spec = importlib.util.find_spec(name)
    if spec is None or not spec.submodule_search_locations:
        raise ModuleNotFoundError(f"no package {name}")
    return Path(os.path.realpath(list(spec.submodule_search_locations)[0]))


def evaluate_model(job: dict[str, Any], model: bytes, suffix: str, runtime: Runtime,
                   data_root: Path | None) -> dict[str, Any]:
    """The evaluator's JSON result for `model` (see `grader.models.evaluate`), or an error result."""
    packages = {"grader", job["architecture"].split(".")[0]} if job.get("architecture") else {"grader"}
    with tempfile.TemporaryDirectory(prefix="grader-eval-", dir="/tmp") as box, \
            tempfile.TemporaryDirectory(prefix="grader-eval-io-", dir="/tmp") as io:
        box_dir, io_dir = Path(box), Path(io)  # io_dir is bound at the same path inside: its parent is /tmp
        (box_dir / f"model{suffix}").write_bytes(model)
        program = [sys.executable, "-m", "grader.models.evaluate", str(io_dir / "job.json"), str(io_dir / "result.json")]
        if runtime.use_sandbox:
            job = {**job, "model_path": f"{sandbox.WORK}/model{suffix}",
                   "data_root": DATA_ROOT if data_root else None}
            binds = tuple((str(_package_dir(p)), f"{CODE_ROOT}/{p}") for p in sorted(packages))
            binds += ((str(data_root), DATA_ROOT),) if data_root else ()
            uid = sandbox.KernelBox.uid_for_this_process()
            box = sandbox.KernelBox(
                submission=box_dir, ipc_dir=io_dir, limits=runtime.limits, ro_binds=binds, uid=uid,
                gpu_devices=sandbox.gpu_device_nodes() if runtime.gpu else (),
                env={"PYTHONPATH": CODE_ROOT, "TF_CPP_MIN_LOG_LEVEL": "3", **runtime.passed_env()})
            os.chmod(box_dir / f"model{suffix}", 0o644)
            os.chmod(box_dir, 0o755)
            os.chown(io_dir, uid, uid)
            argv = sandbox.command(box, program)
            env = {"PATH": os.environ.get("PATH", "/usr/bin:/bin")}
        else:
            job = {**job, "model_path": str(box_dir / f"model{suffix}"),
                   "data_root": str(data_root) if data_root else None}
            argv = program
            parents = dict.fromkeys(str(_package_dir(p).parent) for p in sorted(packages))
            env = {"PATH": os.environ.get("PATH", "/usr/bin:/bin"), "PYTHONPATH": os.pathsep.join(parents),
                   "HOME": str(io_dir), "TF_CPP_MIN_LOG_LEVEL": "3", **runtime.passed_env()}
        (io_dir / "job.json").write_text(json.dumps(job))
        os.chmod(io_dir / "job.json", 0o644)
        if runtime.use_sandbox:
            sandbox.kill_all(uid)  # the kernel's processes, killed when it ended, are gone
        try:
            done = subprocess.run(argv, env=env, cwd=str(io_dir), capture_output=True, text=True,
                                  timeout=EVALUATOR_TIMEOUT_S)
        except subprocess.TimeoutExpired:
            return {"status": "timeout", "error": f"the evaluation ran past {EVALUATOR_TIMEOUT_S} s"}
        finally:
            if runtime.use_sandbox:
                sandbox.kill_all(uid)
        result_file = io_dir / "result.json"
        if result_file.is_symlink() or not result_file.is_file():
            return {"status": "crashed", "error": (done.stderr or "")[-800:]}
        try:
            result = json.loads(result_file.read_text()[:1_000_000])
        except ValueError:
            return {"status": "crashed", "error": "the evaluator's result was unreadable"}
        return result if isinstance(result, dict) else {"status": "crashed", "error": "bad result"}
