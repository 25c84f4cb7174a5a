"""Evaluate a student's saved model: the held-out data stays in the grader, the model runs apart.

The model file's bytes came out of the student's kernel through the probe. The grader reads the
held-out split itself and starts the model process (`serve`) in the same sandbox as the kernel,
by the same lifecycle (`grader.kernel.sandboxed`), with the model file and the grader's and
references' code (read-only) but nothing of the data folder and no network. It sends that process
the inputs batch by batch over a pipe, as raw float32 arrays, and computes the metrics from the
outputs it returns: code that came with a model (a TorchScript graph, a Keras config) never runs
where a label or a data file could be read.
"""
import collections
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
from grader.kernel import sandbox, sandboxed
from grader.kernel.sandboxed import SandboxedProcess, SandboxSpec, spawn_sandboxed
from grader.models import evaluate, serve
from grader.rubric.schema import Limits

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


def model_spec(program: list[str], box_dir: Path, runtime: Runtime, packages: set[str],
               data_root: Path | None) -> SandboxSpec:
    """The model process as a sandboxed process like the kernel: `box_dir` (the model file) is its
    working folder's copy, the `packages` are importable, the data folder is covered wherever it
    lies; no folder is shared with the grader (it talks over its pipes), and it is killed past
    `EVALUATOR_TIMEOUT_S`."""
    return SandboxSpec(program=tuple(program), submission=box_dir, limits=runtime.limits,
                       sandboxed=runtime.use_sandbox, env={"TF_CPP_MIN_LOG_LEVEL": "3", **runtime.passed_env()},
                       gpu=runtime.gpu, packages=tuple(sorted(packages)),
                       hidden=(str(data_root),) if data_root else (), wall_s=EVALUATOR_TIMEOUT_S)


def model_process_command(program: list[str], box_dir: Path, io_dir: Path, runtime: Runtime, packages: set[str],
                          data_root: Path | None) -> tuple[list[str], dict[str, str], int | None]:
    """The argv and environment that run `program` as the model process, and the uid it runs under
    (None unsandboxed), with `io_dir` as its private folder; outside the lifecycle (`evaluate_model`
    uses `spawn_sandboxed`): the caller kills the uid's processes."""
    process = sandboxed.prepare(model_spec(program, box_dir, runtime, packages, data_root), io_dir)
    return process.argv, process.env, process.uid


def _timed_out() -> dict[str, Any]:
    return {"status": "timeout", "error": f"the evaluation ran past {EVALUATOR_TIMEOUT_S} s"}


class BadReply(GraderError):
    """The model process broke the protocol (closed its pipe, sent a malformed frame)."""


class _ModelProcess:
    """A started model process: its pipes, every read and write bounded by one deadline, and the
    last part of its stderr, kept to say why it crashed."""

    def __init__(self, process: SandboxedProcess):
        self.proc = process.popen(stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
        self.deadline = process.deadline
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
    with tempfile.TemporaryDirectory(prefix="grader-eval-", dir="/tmp") as box:
        box_dir = Path(box)
        (box_dir / f"model{suffix}").write_bytes(model)
        model_path = f"{sandbox.WORK}/model{suffix}" if runtime.use_sandbox else str(box_dir / f"model{suffix}")
        spec = {"format": job["format"], "architecture": job.get("architecture"), "device": job.get("device", "auto"),
                "model_path": model_path}
        program = [sys.executable, "-m", "grader.models.serve", json.dumps(spec)]
        with spawn_sandboxed(model_spec(program, box_dir, runtime, packages, data_root)) as sandboxed_process:
            process = _ModelProcess(sandboxed_process)
            try:
                x, split = evaluate.held_out(job, data_root)  # while the model process imports its libraries
                outputs, found = _converse(process, x, int(job.get("batch_size", evaluate.BATCH)), split.classes)
            except TimeoutError:
                outputs, found = None, _timed_out()
            except BadReply as exc:
                outputs, found = None, (_timed_out() if sandboxed_process.expired
                                        else {"status": "crashed", "error": str(exc)})
            finally:
                stderr = process.close()
    if found.get("status") == "crashed":
        found["error"] = f"{found['error']}\n{stderr}".strip()
    if outputs is None:
        return found
    try:
        return evaluate.result(outputs, split, found, start)
    except ValueError as exc:  # outputs that are no classification of these classes
        return {"status": "error", "error": f"ValueError: {exc}"}
