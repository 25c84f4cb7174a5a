"""Turning an executed notebook into `Evidence` and run-level messages for the report.

What a check reads of a run is collected by the registry of `grader.checks.evidence`, kind by kind,
only the kinds the plan's checks need: nothing here knows a check type or a kind of evidence."""
from collections.abc import Iterable, Sequence

import nbformat

from grader.checks import Evidence, Run, collect
from grader.core.result import RunError
from grader.core.text import Text, persian_digits
from grader.kernel.execute import Execution
from grader.kernel.probe import Request
from grader.models.runner import Runtime


def evidence_from(execution: Execution, nb: nbformat.NotebookNode, cell_timeout_s: float, needs: Iterable[str],
                  requests: Sequence[Request] = (), runtime: Runtime | None = None) -> Evidence:
    """The evidence `needs` names (`GradingPlan.needs`) of one run: its execution with the answers to
    `requests`, the executed notebook and the runtime its kernel had."""
    return collect(Run(execution, nb, list(requests), cell_timeout_s, runtime), needs)


def _seconds(limit: float) -> str:
    return f"{limit:g}"


def run_errors(execution: Execution, cell_timeout_s: float) -> list[RunError]:
    """Bilingual run-level messages: time limits, kernels that ended and were replaced."""
    out = []
    timeouts = [f for f in execution.failures if f.kind == "timeout"]
    if timeouts:
        where = ", ".join(f"{f.question or '-'} (cell {f.index + 1})" for f in timeouts)
        where_fa = "، ".join(f"{f.question or '-'} (سلول {persian_digits(str(f.index + 1))})" for f in timeouts)
        s = _seconds(cell_timeout_s)
        out.append(_error("cell_timeout",
                          f"اجرای سلول پرسش {where_fa} بیش از {persian_digits(s)} ثانیه طول کشید "
                          "و متوقف شد (شاید یک حلقه بی‌پایان). بقیه سلول‌ها اجرا شدند.",
                          f"The cell of {where} ran longer than {s} s and was stopped (an endless "
                          "loop?). The other cells still ran."))
    if execution.budget_exhausted:
        out.append(_error("time_budget", "زمان کل اجرای نوت‌بوک تمام شد؛ سلول‌های باقی‌مانده اجرا نشدند.",
                          "The notebook used up its total time; the remaining cells were not run."))
    if execution.kernel_stuck:
        out.append(_error("kernel_stuck",
                          "هسته پایتون پس از رسیدن یک سلول به سقف زمان دیگر پاسخ نداد؛ نوت‌بوک بدون آن سلول "
                          "در هسته‌ای تازه دوباره اجرا شد.",
                          "The Python kernel stopped responding after a cell reached its time limit; the "
                          "notebook ran again in a fresh kernel without that cell."))
    if execution.kernel_died:
        out.append(_error("kernel_died",
                          "هسته پایتون نوت‌بوک در یک سلول از کار افتاد (شاید حافظه تمام شد)؛ نوت‌بوک بدون "
                          "آن سلول در هسته‌ای تازه دوباره اجرا شد.",
                          "The notebook's Python kernel died in a cell (out of memory?); the notebook ran "
                          "again in a fresh kernel without that cell."))
    if execution.ended_by:
        names = ", ".join(execution.ended_by)
        out.append(_error("answer_ended_kernel",
                          f"هنگام خواندن پاسخ {names}، هسته پایتون از کار افتاد یا دیگر پاسخ نداد؛ نوت‌بوک در "
                          "هسته‌ای تازه دوباره اجرا و بقیه پاسخ‌ها خوانده شدند.",
                          f"Collecting {names} ended the Python kernel (it died or stopped responding); the "
                          "notebook ran again in a fresh kernel and the other answers were collected."))
    return out


def _error(kind: str, fa: str, en: str) -> RunError:
    return RunError(kind, Text(fa, en), "")
