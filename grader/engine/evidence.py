"""Turning an executed notebook into `Evidence` and run-level messages for the report."""
import nbformat

from grader.checks import Evidence
from grader.kernel.execute import Execution, cell_question
from grader.release import PLACEHOLDER
from grader.core.result import RunError
from grader.core.text import Text, persian_digits



def manual_texts(nb: nbformat.NotebookNode) -> dict[str, str]:
    """The text of each tagged manual-answer cell, keyed by question id."""
    texts: dict[str, str] = {}
    for cell in nb.cells:
        tag = cell.get("metadata", {}).get("grader", {})
        if tag.get("manual_answer") and tag.get("question"):
            text = cell.source.strip()
            if text and not text.startswith(PLACEHOLDER):
                texts[tag["question"]] = (texts.get(tag["question"], "") + "\n\n" + text).strip()
    return texts


FIGURE_TYPES = ("image/png", "image/jpeg", "image/svg+xml")


def figures(nb: nbformat.NotebookNode) -> dict[str, int]:
    """How many plots the executed cells of each question showed."""
    counts: dict[str, int] = {}
    question = None
    for cell in nb.cells:
        question = cell_question(cell, question)
        if cell.cell_type == "code" and question:
            drawn = sum(1 for out in cell.get("outputs", [])
                        if out.get("output_type") in ("display_data", "execute_result")
                        and any(t in out.get("data", {}) for t in FIGURE_TYPES))
            counts[question] = counts.get(question, 0) + drawn
    return counts


def _seconds(limit: float) -> str:
    return f"{limit:g}"


def evidence_from(execution: Execution, nb: nbformat.NotebookNode, cell_timeout_s: float) -> Evidence:
    errors: dict[str, str] = {}
    for f in execution.failures:
        if f.question and f.question not in errors and f.kind in ("error", "timeout", "dead"):
            prefix = (f"[cell {f.index + 1} stopped after {_seconds(cell_timeout_s)} s]\n" if f.kind == "timeout" else "")
            errors[f.question] = prefix + f.text
    timed_out = {f.question for f in execution.failures if f.kind == "timeout" and f.question}
    return Evidence(replies=execution.replies, manual_text=manual_texts(nb), cell_errors=errors,
                    timed_out=timed_out, figures=figures(nb))


def run_errors(execution: Execution, cell_timeout_s: float) -> list[RunError]:
    """Bilingual run-level messages: time limits, kernels that ended and were replaced."""
    out = []
    timeouts = [f for f in execution.failures if f.kind == "timeout"]
    if timeouts:
        where = ", ".join(f"{f.question or '-'} (cell {f.index + 1})" for f in timeouts)
        where_fa = "، ".join(f"{f.question or '-'} (سلول {persian_digits(str(f.index + 1))})" for f in timeouts)
        s = _seconds(cell_timeout_s)
        out.append(RunError(kind="cell_timeout",
                     message=Text(fa=f"اجرای سلول پرسش {where_fa} بیش از {persian_digits(s)} ثانیه طول کشید "
                                       "و متوقف شد (شاید یک حلقه بی‌پایان). بقیه سلول‌ها اجرا شدند.",
                                    en=f"The cell of {where} ran longer than {s} s and was stopped (an endless "
                                       "loop?). The other cells still ran."),
                     detail=""))
    if execution.budget_exhausted:
        out.append(RunError(kind="time_budget",
                     message=Text(fa="زمان کل اجرای نوت‌بوک تمام شد؛ سلول‌های باقی‌مانده اجرا نشدند.",
                                    en="The notebook used up its total time; the remaining cells were not run."),
                     detail=""))
    if execution.kernel_stuck:
        out.append(RunError(kind="kernel_stuck",
                     message=Text(fa="هسته پایتون پس از رسیدن یک سلول به سقف زمان دیگر پاسخ نداد؛ نوت‌بوک بدون آن سلول "
                                       "در هسته‌ای تازه دوباره اجرا شد.",
                                    en="The Python kernel stopped responding after a cell reached its time limit; the "
                                       "notebook ran again in a fresh kernel without that cell."),
                     detail=""))
    if execution.kernel_died:
        out.append(RunError(kind="kernel_died",
                     message=Text(fa="هسته پایتون نوت‌بوک در یک سلول از کار افتاد (شاید حافظه تمام شد)؛ نوت‌بوک بدون "
                                       "آن سلول در هسته‌ای تازه دوباره اجرا شد.",
                                    en="The notebook's Python kernel died in a cell (out of memory?); the notebook ran "
                                       "again in a fresh kernel without that cell."),
                     detail=""))
    if execution.ended_by:
        names = ", ".join(execution.ended_by)
        out.append(RunError(kind="answer_ended_kernel",
                     message=Text(fa=f"هنگام خواندن پاسخ {names}، هسته پایتون از کار افتاد یا دیگر پاسخ نداد؛ نوت‌بوک در "
                                       "هسته‌ای تازه دوباره اجرا و بقیه پاسخ‌ها خوانده شدند.",
                                    en=f"Collecting {names} ended the Python kernel (it died or stopped responding); the "
                                       "notebook ran again in a fresh kernel and the other answers were collected."),
                     detail=""))
    return out
