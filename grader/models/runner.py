"""Evaluate a student's saved model: the held-out data stays in the grader, the model runs apart.

The model file's bytes came out of the student's kernel through the probe. The grader reads the
held-out split itself and starts the model process (`serve`) in the same kind of sandbox as the
kernel, with the model file and the grader's and references' code (read-only) but nothing of the
data folder and no network. It sends that process the inputs batch by batch over a pipe, as raw
float32 arrays, and computes the metrics from the outputs it returns: code that came with a model
(a TorchScript graph, a Keras config) never runs where a label or a data file could be read.
"""
import collections
import importlib.util
import json
import os
import select
import subprocess
import sys
import tempfile
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from grader.core.errors import GraderError
from grader.kernel import sandbox
from grader.models import evaluate, serve
from grader.rubric.schema import Limits

CODE_ROOT = "/opt/grader"  # where the model process finds the grader's and references' packages
EVALUATOR_TIMEOUT_S = 600
FAILURES = ("refused", "architecture", "error", "gpu_memory")


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


def _inside_system(folder: Path) -> bool:
    """Whether `folder` lies in the system or Python folders that every sandbox binds read-only."""
    python = Path(os.path.realpath(sys.executable)).parents[1]
    return any(folder.is_relative_to(top) for top in ("/usr", "/etc", python))


def model_process_command(program: list[str], box_dir: Path, io_dir: Path, runtime: Runtime, packages: set[str],
                          data_root: Path | None) -> tuple[list[str], dict[str, str], int | None]:
    """The argv and environment that run `program` as the model process, and the uid it runs under
    (None unsandboxed): `box_dir` (the model file) is its working folder's copy, the `packages`
    are importable, and the data folder is nowhere in its view."""
    if not runtime.use_sandbox:  # the teaching assistant's explicit choice: nothing is isolated
        parents = dict.fromkeys(str(_package_dir(p).parent) for p in sorted(packages))
        return program, {"PATH": os.environ.get("PATH", "/usr/bin:/bin"), "PYTHONPATH": os.pathsep.join(parents),
                         "HOME": str(io_dir), "TF_CPP_MIN_LOG_LEVEL": "3", **runtime.passed_env()}, None
    binds = tuple((str(_package_dir(p)), f"{CODE_ROOT}/{p}") for p in sorted(packages))
    uid = sandbox.KernelBox.uid_for_this_process()
    box = sandbox.KernelBox(
        submission=box_dir, ipc_dir=io_dir, limits=runtime.limits, ro_binds=binds, uid=uid,
        hidden=(str(data_root),) if data_root and _inside_system(data_root) else (),  # covered by a tmpfs
        gpu_devices=sandbox.gpu_device_nodes() if runtime.gpu else (),
        env={"PYTHONPATH": CODE_ROOT, "TF_CPP_MIN_LOG_LEVEL": "3", **runtime.passed_env()})
    for path in box_dir.iterdir():
        os.chmod(path, 0o644)
    os.chmod(box_dir, 0o755)
    return sandbox.command(box, program), {"PATH": os.environ.get("PATH", "/usr/bin:/bin")}, uid


class BadReply(GraderError):
    """The model process broke the protocol (closed its pipe, sent a malformed frame)."""


class _ModelProcess:
    """A started model process: its pipes, every read and write bounded by one deadline, and the
    last part of its stderr, kept to say why it crashed."""

    def __init__(self, argv: list[str], env: dict[str, str], cwd: Path, deadline: float):
        self.proc = subprocess.Popen(argv, env=env, cwd=str(cwd), stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                                     stderr=subprocess.PIPE)
        self.deadline = deadline
        self.to, self.back = self.proc.stdin.fileno(), self.proc.stdout.fileno()
        os.set_blocking(self.to, False)
        os.set_blocking(self.back, False)
        self.stderr: collections.deque[bytes] = collections.deque(maxlen=64)
        self.drain = threading.Thread(target=self._drain, daemon=True, name="model-stderr")
        self.drain.start()

    def _drain(self) -> None:
        for chunk in iter(lambda: self.proc.stderr.read1(4096), b""):
            self.stderr.append(chunk)

    def _wait(self, fd: int, event: int) -> None:
        poll = select.poll()
        poll.register(fd, event)
        left = self.deadline - time.monotonic()
        if left <= 0 or not poll.poll(left * 1000):
            raise TimeoutError

    def send(self, data: bytes) -> None:
        view = memoryview(data)
        while view:
            self._wait(self.to, select.POLLOUT)
            try:
                view = view[os.write(self.to, view):]
            except BlockingIOError:
                continue
            except OSError:  # the process is gone
                raise BadReply("the model process stopped reading") from None

    def read(self, n: int) -> bytes:
        data = bytearray()
        while len(data) < n:
            self._wait(self.back, select.POLLIN)
            try:
                chunk = os.read(self.back, min(n - len(data), 1 << 20))
            except BlockingIOError:
                continue
            if not chunk:
                raise BadReply("the model process ended early")
            data += chunk
        return bytes(data)

    def frame(self, max_values: int) -> tuple[str, Any]:
        try:
            return serve.read_frame(self.read, max_values)
        except serve.BadFrame as exc:
            raise BadReply(f"the model process sent {exc}") from None

    def close(self) -> str:
        """Stop the process; the last of what it wrote to stderr."""
        self.proc.kill()
        self.proc.wait()
        self.drain.join(timeout=5)
        for pipe in (self.proc.stdin, self.proc.stdout, self.proc.stderr):
            pipe.close()
        return b"".join(self.stderr)[-800:].decode(errors="replace")


def _failure(reply: dict) -> dict[str, Any]:
    """A model process's reason for stopping, as a result, its fields checked (it is the student's)."""
    status = reply.get("status") if reply.get("status") in FAILURES else "error"
    problems, ops = reply.get("architecture_problems"), reply.get("refused_ops")
    return {"status": status, "error": str(reply.get("error"))[:1000],
            "architecture_problems": [str(p)[:300] for p in problems[:50]] if isinstance(problems, list) else [],
            "refused_ops": [str(o)[:100] for o in ops[:20]] if isinstance(ops, list) else []}


def _found(ready: dict) -> dict[str, Any]:
    problems = ready.get("architecture_problems")
    try:
        return {"architecture_problems": [str(p)[:300] for p in problems[:50]] if isinstance(problems, list) else [],
                "parameters": int(ready["parameters"]), "device": str(ready.get("device"))[:20]}
    except (KeyError, TypeError, ValueError):
        raise BadReply("the model process did not say what it loaded") from None


def _converse(process: _ModelProcess, x: np.ndarray, batch: int, classes: int) -> tuple[np.ndarray | None,
                                                                                      dict[str, Any]]:
    """The outputs for `x` and what the model process found of the model, or None and why it failed.
    An output batch of more than `classes` values per example is refused before it is read: a model
    process cannot make the grader hold more than the metrics need."""
    kind, ready = process.frame(0)
    if kind != "J":
        raise BadReply("the model process did not start with its status")
    if ready.get("status") != "ready":
        return None, _failure(ready)
    found = _found(ready)
    outputs = []
    for i in range(0, len(x), batch):
        chunk = x[i:i + batch]
        process.send(serve.array_frame(chunk))
        kind, value = process.frame(len(chunk) * classes)
        if kind == "J":
            return None, _failure(value)
        if kind != "A" or value.ndim == 0 or value.shape[0] != len(chunk):
            shape = list(value.shape) if kind == "A" else kind
            return None, {"status": "error", "error": f"the model's outputs for {len(chunk)} inputs had shape {shape}"}
        outputs.append(value)
    process.send(serve.END)
    kind, done = process.frame(0)
    if kind != "J" or done.get("status") != "done":
        raise BadReply("the model process did not finish")
    peak = done.get("peak_gpu_mib")
    return np.concatenate(outputs), {**found, "peak_gpu_mib": float(peak) if isinstance(peak, (int, float)) else None}


def evaluate_model(job: dict[str, Any], model: bytes, suffix: str, runtime: Runtime,
                   data_root: Path | None) -> dict[str, Any]:
    """The evaluation's result for `model` (see `grader.models.evaluate.result`), or a failure
    result: status refused, architecture, error, gpu_memory, timeout or crashed, and why."""
    start = time.monotonic()
    packages = {"grader", job["architecture"].split(".")[0]} if job.get("architecture") else {"grader"}
    with tempfile.TemporaryDirectory(prefix="grader-eval-", dir="/tmp") as box, \
            tempfile.TemporaryDirectory(prefix="grader-eval-io-", dir="/tmp") as io:
        box_dir, io_dir = Path(box), Path(io)  # io_dir is bound at the same path inside: its parent is /tmp
        (box_dir / f"model{suffix}").write_bytes(model)
        model_path = f"{sandbox.WORK}/model{suffix}" if runtime.use_sandbox else str(box_dir / f"model{suffix}")
        spec = {"format": job["format"], "architecture": job.get("architecture"), "device": job.get("device", "auto"),
                "model_path": model_path}
        program = [sys.executable, "-m", "grader.models.serve", json.dumps(spec)]
        argv, env, uid = model_process_command(program, box_dir, io_dir, runtime, packages, data_root)
        if uid is not None:
            sandbox.kill_all(uid)  # the kernel's processes, killed when it ended, are gone
        process = _ModelProcess(argv, env, io_dir, start + EVALUATOR_TIMEOUT_S)
        try:
            x, split = evaluate.held_out(job, data_root)  # while the model process imports its libraries
            outputs, found = _converse(process, x, int(job.get("batch_size", evaluate.BATCH)), split.classes)
        except TimeoutError:
            outputs, found = None, {"status": "timeout", "error": f"the evaluation ran past {EVALUATOR_TIMEOUT_S} s"}
        except BadReply as exc:
            outputs, found = None, {"status": "crashed", "error": str(exc)}
        finally:
            stderr = process.close()
            if uid is not None:
                sandbox.kill_all(uid)
    if found.get("status") == "crashed":
        found["error"] = f"{found['error']}\n{stderr}".strip()
    if outputs is None:
        return found
    try:
        return evaluate.result(outputs, split, found, start)
    except ValueError as exc:  # outputs that are no classification of these classes
        return {"status": "error", "error": f"ValueError: {exc}"}
