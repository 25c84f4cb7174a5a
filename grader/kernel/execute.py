"""Execute one notebook in a fresh (sandboxed) kernel with nbclient, then run the answer probe.

Each cell gets `cell_timeout_s`, the whole notebook `total_timeout_s`; a cell that times
out is interrupted and the rest still run, so one slow answer does not cost the others.
"""
import json
import re
import subprocess
import time
from dataclasses import dataclass, field
from pathlib import Path

import nbformat
from nbclient import NotebookClient
from nbclient.exceptions import DeadKernelError

from grader.kernel.launch import kernel_manager
from grader.kernel.probe import Reply, Request, parse_replies, probe_source
from grader.rubric.schema import KernelOptions, Limits

_ANSI = re.compile(r"\x1b\[[0-9;]*[A-Za-z]")
TIMEOUT_ENAME = "CellTimeout"
TRUNCATED = "\n[grader: output truncated here / ادامه خروجی کنار گذاشته شد]\n"


@dataclass
class CellFailure:
    """A code cell that raised, timed out, was never run, or took the kernel down."""

    index: int
    question: str | None
    kind: str  # "error" | "timeout" | "skipped" | "dead"
    text: str


@dataclass
class Execution:
    replies: dict[str, Reply]
    failures: list[CellFailure] = field(default_factory=list)
    budget_exhausted: bool = False
    kernel_died: bool = False
    kernel_stuck: bool = False
    probe_failed: bool = False
    runtime_s: float = 0.0


def cell_question(cell: dict, current: str | None) -> str | None:
    """The question a cell belongs to: its own `grader.question` tag, or the last one seen."""
    return cell.get("metadata", {}).get("grader", {}).get("question", current)


def _error_text(cell: dict) -> str | None:
    for out in cell.get("outputs", []):
        if out.get("output_type") == "error":
            return _ANSI.sub("", "\n".join(out.get("traceback", [])) or f"{out['ename']}: {out['evalue']}")
    return None


class _CappedClient(NotebookClient):
    """Keeps at most `max_output_bytes` of output per cell, so a flood cannot exhaust the grader."""

    def __init__(self, *args, max_output_bytes: int, **kwargs):
        super().__init__(*args, **kwargs)
        self._cap, self._used, self.unlimited_cell = max_output_bytes, {}, -1

    def output(self, outs, msg, display_id, cell_index):  # type: ignore[override]
        if cell_index != self.unlimited_cell and msg["msg_type"] in ("stream", "display_data", "execute_result"):
            used = self._used.get(cell_index, 0)
            self._used[cell_index] = used + len(json.dumps(msg["content"]))
            if self._used[cell_index] > self._cap:
                if used <= self._cap:
                    outs.append(nbformat.v4.new_output("stream", name="stderr", text=TRUNCATED))
                return None
        return super().output(outs, msg, display_id, cell_index)


def execute(nb: nbformat.NotebookNode, workdir: Path, requests: list[Request], *, limits: Limits,
            use_sandbox: bool, env: dict[str, str] | None = None, gpu: bool = False,
            kernel: KernelOptions = KernelOptions(), ro_binds: tuple[tuple[str, str], ...] = ()) -> Execution:
    """Run every code cell of `nb` on a copy of `workdir`, then ask the kernel for `requests`."""
    start = time.monotonic()
    deadline = start + limits.total_timeout_s

    def timeout_for(_cell) -> int:
        return max(1, int(min(limits.cell_timeout_s, deadline - time.monotonic())))

    result = Execution(replies={})
    question, index = None, 0
    with kernel_manager(workdir, limits, use_sandbox=use_sandbox, env=env or {}, gpu=gpu,
                        kernel=kernel, ro_binds=ro_binds) as (km, launch):
        client = _CappedClient(
            nb, km=km, timeout_func=timeout_for, allow_errors=True, interrupt_on_timeout=True,
            record_timing=False, iopub_timeout=10, startup_timeout=120, shutdown_kernel="immediate",
            max_output_bytes=int(limits.max_output_mib * 2**20),
            error_on_timeout={"ename": TIMEOUT_ENAME, "evalue": "cell time limit reached",
                              "traceback": [f"{TIMEOUT_ENAME}: cell time limit reached"]})
        # cleanup_kc: nbclient leaves a kernel manager it was handed running, with the client's
        # channels open, a heartbeat thread and five sockets per notebook left behind in the worker
        with client.setup_kernel(**launch, cleanup_kc=True, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL):
            try:
                for index, cell in enumerate(list(nb.cells)):
                    question = cell_question(cell, question)
                    if cell.cell_type != "code":
                        continue
                    if time.monotonic() >= deadline:
                        result.budget_exhausted = True
                        result.failures.append(CellFailure(index, question, "skipped", ""))
                        continue
                    limit, started = timeout_for(cell), time.monotonic()
                    client.execute_cell(cell, index)
                    error = _error_text(cell)
                    if time.monotonic() - started >= limit - 0.05:
                        result.failures.append(CellFailure(index, question, "timeout", error or TIMEOUT_ENAME))
                        if error is None:  # the interrupt went unanswered: the kernel is stuck
                            result.kernel_stuck = True
                            break
                    elif error is not None:
                        result.failures.append(CellFailure(index, question, "error", error))
                if requests and not result.kernel_stuck:
                    deadline = time.monotonic() + limits.cell_timeout_s  # the probe gets a cell's time
                    probe = nbformat.v4.new_code_cell(probe_source(requests))
                    nb.cells.append(probe)
                    client.unlimited_cell = index = len(nb.cells) - 1
                    client.execute_cell(probe, index)
                    replies = parse_replies(probe.outputs, {r.key for r in requests})
                    result.probe_failed = replies is None
                    result.replies = replies or {}
            except DeadKernelError as exc:
                result.kernel_died = True
                result.failures.append(CellFailure(index, question, "dead", str(exc)))
    result.runtime_s = time.monotonic() - start
    return result
