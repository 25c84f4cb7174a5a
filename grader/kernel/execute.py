"""Execute one notebook in a fresh kernel with nbclient, then run the answer probe.

Each cell gets `cell_timeout_s`, the whole notebook `total_timeout_s`; a cell that times
out is interrupted and the rest still run, so one slow answer does not cost the others.
"""
import re
import subprocess
import time
from dataclasses import dataclass, field
from pathlib import Path

import nbformat
from nbclient import NotebookClient
from nbclient.exceptions import DeadKernelError

from grader.kernel.probe import Reply, Request, parse_replies, probe_source

_ANSI = re.compile(r"\x1b\[[0-9;]*[A-Za-z]")
TIMEOUT_ENAME = "CellTimeout"


@dataclass
class CellFailure:
    """A code cell that raised, timed out or was never run."""

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


def execute(nb: nbformat.NotebookNode, workdir: Path, requests: list[Request], *,
            cell_timeout_s: float, total_timeout_s: float, kernel_name: str = "python3",
            env: dict[str, str] | None = None) -> Execution:
    """Run every code cell of `nb` in `workdir`, then ask the kernel for `requests`."""
    start = time.monotonic()
    deadline = start + total_timeout_s

    def timeout_for(_cell) -> int:
        return max(1, int(min(cell_timeout_s, deadline - time.monotonic())))

    client = NotebookClient(
        nb, kernel_name=kernel_name, timeout_func=timeout_for, allow_errors=True,
        interrupt_on_timeout=True, record_timing=False, iopub_timeout=10,
        error_on_timeout={"ename": TIMEOUT_ENAME, "evalue": "cell time limit reached",
                          "traceback": [f"{TIMEOUT_ENAME}: cell time limit reached"]},
        resources={"metadata": {"path": str(workdir)}})
    result = Execution(replies={})
    question = None
    with client.setup_kernel(cwd=str(workdir), env=env, stderr=subprocess.DEVNULL):
        try:
            for index, cell in enumerate(nb.cells):
                question = cell_question(cell, question)
                if cell.cell_type != "code":
                    continue
                if time.monotonic() >= deadline:
                    result.budget_exhausted = True
                    result.failures.append(CellFailure(index, question, "skipped", ""))
                    continue
                limit, started = timeout_for(cell), time.monotonic()
                client.execute_cell(cell, index)
                reply_error = _error_text(cell)
                if reply_error is not None:
                    ran_out = time.monotonic() - started >= limit - 0.05
                    kind = "timeout" if ran_out or TIMEOUT_ENAME in reply_error else "error"
                    result.failures.append(CellFailure(index, question, kind, reply_error))
            if requests:
                deadline = time.monotonic() + cell_timeout_s  # the probe gets a cell's time
                probe = nbformat.v4.new_code_cell(probe_source(requests))
                nb.cells.append(probe)
                client.execute_cell(probe, len(nb.cells) - 1)
                replies = parse_replies(probe.outputs)
                result.probe_failed = replies is None
                result.replies = replies or {}
        except DeadKernelError as exc:
            result.kernel_died = True
            result.failures.append(CellFailure(index, question, "dead", str(exc)))
    result.runtime_s = time.monotonic() - start
    return result
