"""Execute one notebook in a fresh (sandboxed) kernel with nbclient, then collect its answers.

Each cell gets `cell_timeout_s`, and all runs of the notebook together `total_timeout_s`; a cell
that times out is interrupted and the rest still run. Answers are then collected one request per
cell (`probe.Collector`), each with its own time limit and size cap. A kernel that dies, or stops
answering an interrupt, in a cell or while an answer is collected, is replaced (at most
MAX_KERNELS kernels in all): the notebook runs again in a fresh kernel without the cell that
ended the last one, and collection goes on after the answer that ended it. So one answer, or one
cell, never costs the others.
"""
import json
import re
from queue import Empty
import subprocess
import time
from dataclasses import dataclass, field
from pathlib import Path

import nbformat
from jupyter_core.utils import run_sync
from nbclient import NotebookClient
from nbclient.exceptions import DeadKernelError

from grader.kernel.launch import kernel_manager
from grader.kernel.probe import MIME, Collector, Reply, Request, parse_reply
from grader.rubric.schema import KernelOptions, Limits

_ANSI = re.compile(r"\x1b\[[0-9;]*[A-Za-z]")
TIMEOUT_ENAME = "CellTimeout"
TRUNCATED = "\n[grader: output truncated here / ادامه خروجی کنار گذاشته شد]\n"
MAX_KERNELS = 4  # the first kernel and up to three replacements
NOTEBOOK_IOPUB_S = 10  # after a cell's reply, how long its last outputs may take to arrive
PROBE_IOPUB_S = 3
PROBE_NOISE_BYTES = 64 * 1024  # what an answer may print while it is collected


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
    kernel_died: bool = False  # a notebook cell ended a kernel (died)
    kernel_stuck: bool = False  # a notebook cell ended a kernel (ignored the interrupt)
    ended_by: list[str] = field(default_factory=list)  # answers whose collection ended a kernel
    answer_s: list[float] = field(default_factory=list)  # how long each collected answer took
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
    """Runs cells under `limit` seconds each and keeps at most `max_output_bytes` of output per cell,
    so a flood cannot exhaust the grader. In a probe cell (index ≥ `probe_from`) the reply may be
    up to `reply_bytes` and anything else the answer prints is kept to PROBE_NOISE_BYTES."""

    def __init__(self, *args, max_output_bytes: int, **kwargs):
        super().__init__(*args, timeout_func=lambda _cell: self.limit, **kwargs)
        self._cap, self._used = max_output_bytes, {}
        self.limit, self.probe_from, self.reply_bytes = 1.0, 1 << 62, 0

    def output(self, outs, msg, display_id, cell_index):  # type: ignore[override]
        if msg["msg_type"] in ("stream", "display_data", "execute_result", "update_display_data"):
            reply = cell_index >= self.probe_from and MIME in msg["content"].get("data", {})
            cap = (self.reply_bytes if reply else PROBE_NOISE_BYTES) if cell_index >= self.probe_from else self._cap
            used = self._used.get((cell_index, reply), 0)
            self._used[(cell_index, reply)] = used + len(json.dumps(msg["content"]))
            if self._used[(cell_index, reply)] > cap:
                if used <= cap and not reply:
                    outs.append(nbformat.v4.new_output("stream", name="stderr", text=TRUNCATED))
                return None
        return super().output(outs, msg, display_id, cell_index)


class _Runs:
    """What one notebook's kernels have done so far, so that a replacement kernel can go on."""

    def __init__(self, nb: nbformat.NotebookNode, requests: list[Request], limits: Limits):
        self.nb, self.limits = nb, limits
        self.deadline = time.monotonic() + limits.total_timeout_s
        self.pending = list(requests)
        self.result = Execution(replies={})
        self.ran: set[int] = set()  # cells whose outputs and failures are recorded
        self.ended: set[int] = set()  # cells that ended a kernel: not run again

    def _record(self, index: int, question: str | None, kind: str | None, text: str, cell) -> None:
        if index in self.ran:
            return
        self.ran.add(index)
        self.nb.cells[index].outputs = cell.get("outputs", [])
        if kind is not None:
            self.result.failures.append(CellFailure(index, question, kind, text))

    def run_cells(self, client: _CappedClient, work: nbformat.NotebookNode) -> bool:
        """Run the notebook's code cells; False if this kernel ended or the time ran out first."""
        client.iopub_timeout = NOTEBOOK_IOPUB_S
        question = None
        for index, cell in enumerate(work.cells):
            question = cell_question(cell, question)
            if cell.cell_type != "code" or index in self.ended:
                continue
            if time.monotonic() >= self.deadline:
                self.result.budget_exhausted = True
                if index in self.ran:  # a replacement kernel did not get back to where the first was
                    return False
                self._record(index, question, "skipped", "", cell)
                continue
            client.limit = max(1.0, min(self.limits.cell_timeout_s, self.deadline - time.monotonic()))
            started = time.monotonic()
            try:
                client.execute_cell(cell, index)
            except DeadKernelError as exc:
                self.result.kernel_died = True
                self.ended.add(index)
                self._record(index, question, "dead", str(exc), cell)
                return False
            error = _error_text(cell)
            if time.monotonic() - started >= client.limit - 0.05:
                self._record(index, question, "timeout", error or TIMEOUT_ENAME, cell)
                if not _responsive(client):  # the interrupt went unanswered: the kernel is stuck
                    self.result.kernel_stuck = True
                    self.ended.add(index)
                    return False
            else:
                self._record(index, question, "error" if error is not None else None, error or "", cell)
        return True

    def collect(self, client: _CappedClient, work: nbformat.NotebookNode) -> bool:
        """Collect the pending requests one cell each; False if one of them ended this kernel."""
        collector = Collector()
        client.iopub_timeout = PROBE_IOPUB_S
        client.probe_from = len(work.cells)
        max_bytes = int(self.limits.max_answer_mib * 2**20)
        client.reply_bytes = max(r.reply_bytes(max_bytes) for r in self.pending) + 4096
        client.limit = self.limits.answer_timeout_s
        try:
            self._cell(client, work, collector.install_source())
        except DeadKernelError:
            return False
        while self.pending:
            request = self.pending.pop(0)
            client.limit = request.time_limit(self.limits.answer_timeout_s)
            started = time.monotonic()
            try:
                cell = self._cell(client, work, collector.request_source(request, max_bytes))
            except DeadKernelError:
                self._ended_by(request, "kernel_ended", "the kernel died while this answer was collected")
                return False
            self.result.answer_s.append(time.monotonic() - started)
            if self.result.answer_s[-1] < client.limit - 0.05:
                self.result.replies[request.key] = parse_reply(cell.outputs, request.key)
                continue
            if not _responsive(client):  # the interrupt went unanswered
                self._ended_by(request, "timeout", f"no reply within {client.limit:g} s; the kernel "
                               "stopped responding")
                return False
            self.result.replies[request.key] = Reply("error", reason="timeout",
                                                     error=f"no reply within {client.limit:g} s")
        return True

    def _cell(self, client: _CappedClient, work: nbformat.NotebookNode, source: str):
        cell = nbformat.v4.new_code_cell(source)
        work.cells.append(cell)
        client.execute_cell(cell, len(work.cells) - 1)
        return cell

    def _ended_by(self, request: Request, reason: str, error: str) -> None:
        self.result.replies[request.key] = Reply("error", reason=reason, error=error)
        if request.name not in self.result.ended_by:
            self.result.ended_by.append(request.name)

    def give_up(self) -> None:
        """No kernel, or no time, is left to collect the rest: say so for each."""
        why = ("the notebook's time ran out when it was run again" if self.result.budget_exhausted
               else f"the notebook's kernel ended {MAX_KERNELS} times")
        for request in self.pending:
            self.result.replies[request.key] = Reply("error", reason="not_run", error=f"not collected: {why}")
        self.pending = []


async def _ping(kc, timeout: float) -> bool:
    """A kernel_info request answered on the shell and its idle status seen on IOPub: a clogged
    IOPub (a flood still draining) delays the status as a busy shell delays the reply."""
    msg_id = kc.kernel_info()
    deadline = time.monotonic() + timeout
    replied = idle = False
    while not (replied and idle):
        left = deadline - time.monotonic()
        if left <= 0:
            return False
        channel = kc.iopub_channel if replied else kc.shell_channel
        try:
            msg = await channel.get_msg(timeout=left)
        except Empty:
            return False
        if msg["parent_header"].get("msg_id") == msg_id:
            replied = replied or msg["msg_type"] == "kernel_info_reply"
            idle = idle or (msg["msg_type"] == "status" and msg["content"].get("execution_state") == "idle")
    return True


def _responsive(client: NotebookClient, timeout: float = PROBE_IOPUB_S) -> bool:
    """Whether the kernel, after a cell was interrupted, answers a request and its output flows."""
    return run_sync(_ping)(client.kc, timeout)


def _fresh_copy(nb: nbformat.NotebookNode) -> nbformat.NotebookNode:
    """The notebook's cells without outputs, for a kernel to run (and append its probe cells to)."""
    cells = [nbformat.v4.new_code_cell(c.source, metadata=c.get("metadata", {})) if c.cell_type == "code"
             else nbformat.v4.new_markdown_cell("", metadata=c.get("metadata", {})) for c in nb.cells]
    return nbformat.v4.new_notebook(cells=cells, metadata=nb.metadata)


def execute(nb: nbformat.NotebookNode, workdir: Path, requests: list[Request], *, limits: Limits,
            use_sandbox: bool, env: dict[str, str] | None = None, gpu: bool = False,
            kernel: KernelOptions = KernelOptions(), ro_binds: tuple[tuple[str, str], ...] = ()) -> Execution:
    """Run every code cell of `nb` (its outputs are filled in) on a copy of `workdir`, then ask the
    kernel for `requests`, replacing the kernel when one ends before all is done."""
    start = time.monotonic()
    runs = _Runs(nb, requests, limits)
    answer_bytes = int(limits.max_answer_mib * 2**20)
    largest = max([int(limits.max_output_mib * 2**20), *(r.reply_bytes(answer_bytes) for r in requests)]) + 2**16
    for _ in range(MAX_KERNELS):
        work = _fresh_copy(nb)
        with kernel_manager(workdir, limits, use_sandbox=use_sandbox, env=env or {}, gpu=gpu, kernel=kernel,
                            ro_binds=ro_binds, max_message_bytes=largest) as (km, launch):
            client = _CappedClient(
                work, km=km, allow_errors=True, interrupt_on_timeout=True, record_timing=False,
                iopub_timeout=NOTEBOOK_IOPUB_S, startup_timeout=120, shutdown_kernel="immediate",
                max_output_bytes=int(limits.max_output_mib * 2**20),
                error_on_timeout={"ename": TIMEOUT_ENAME, "evalue": "cell time limit reached",
                                  "traceback": [f"{TIMEOUT_ENAME}: cell time limit reached"]})
            # cleanup_kc: nbclient leaves a kernel manager it was handed running, with the client's
            # channels open, a heartbeat thread and five sockets per notebook left behind in the worker
            with client.setup_kernel(**launch, cleanup_kc=True, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL):
                ran = runs.run_cells(client, work)
                if ran and runs.pending:
                    ran = runs.collect(client, work)
        if ran or not runs.pending or runs.result.budget_exhausted:
            break
    runs.give_up()
    runs.result.runtime_s = time.monotonic() - start
    return runs.result
