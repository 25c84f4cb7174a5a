"""HTML (Jinja2) and PDF (WeasyPrint) rendering of the student and summary reports.

The Jinja environment, the parsed stylesheet and the font configuration are built once
per process: a grading run renders hundreds of reports and re-parsing them each time
would dominate the cost of small reports.

A student's report is laid out in a forked child (which inherits all of that) under a deadline:
the view caps every student-controlled text, but if some other input still makes WeasyPrint slow,
or crashes it, that student gets a plain report with the scores (`fallback.html.j2`) and the rest
of the class is not held up.
"""

from __future__ import annotations

import functools
import math
import os
import resource
import select
import signal
import sys
import time
from pathlib import Path
from typing import NoReturn

import jinja2

from . import library_search  # noqa: F401  first: WeasyPrint imported without a compiler run
from weasyprint import CSS
from weasyprint.text.fonts import FontConfiguration

from grader.core import atomic
from grader.core.result import LABEL, StudentResult
from grader.core.text import LANGS

from .bidi import set_text, sides
from .fast_percentages import install as fast_percentages
from .gc_pause import gc_paused
from .persian import fmt_points, persian_digits
from .rtl_lines import install as single_pass_rtl_lines
from .stats import summary_view
from .user_agent import ReportHTML
from .view import LABELS, student_view
from .warm_sample import warm_result

_HERE = Path(__file__).parent
single_pass_rtl_lines()  # before any layout: see rtl_lines.py
fast_percentages()  # likewise: see fast_percentages.py
RENDER_TIMEOUT_S = 60.0  # a full report takes well under a second; a hostile one must not take minutes


def _pts(x: float | None) -> str:
    return "–" if x is None else fmt_points(x)


@functools.cache
def _environment() -> jinja2.Environment:
    env = jinja2.Environment(
        loader=jinja2.FileSystemLoader(_HERE / "templates"),
        autoescape=True,
        trim_blocks=True,
        lstrip_blocks=True,
        undefined=jinja2.StrictUndefined,
    )
    env.filters.update(
        bidi=set_text,  # every text a template sets: {{ t|bidi("rtl") }}, or {% set p = t|bidi %} for dir=auto
        sides=sides,  # a bilingual Text as paragraphs, each in its language's direction
        pts=_pts,
        fa_pts=lambda x: persian_digits(_pts(x)),
        fa_digits=lambda x: persian_digits(str(x)),
        pct=lambda x: "–" if x is None else f"{round(100 * x)}%",
    )
    env.globals.update(L=LABELS, STATUS=LABEL)
    return env


@functools.cache
def _style() -> tuple[CSS, FontConfiguration]:
    fonts = FontConfiguration()
    return CSS(filename=str(_HERE / "static" / "report.css"), font_config=fonts), fonts


def _pdf(html: str) -> bytes:
    css, fonts = _style()
    with gc_paused():
        return ReportHTML(string=html, base_url=str(_HERE)).write_pdf(stylesheets=[css], font_config=fonts)


def _write_pdf(html: str, out_path: Path) -> None:
    atomic.write_bytes(Path(out_path), _pdf(html), mode=atomic.plain_mode())


def html_for_student(result: StudentResult, lang: str = "both", template: str = "student.html.j2") -> str:
    """HTML of one student's report (or of its plain `fallback.html.j2`); ``lang`` is "both", "fa" or "en"."""
    if lang not in LANGS:
        raise ValueError(f"lang must be one of {LANGS}, not {lang!r}")
    return _environment().get_template(template).render(r=student_view(result, lang), lang=lang)


def html_for_summary(results: list[StudentResult], meta: dict) -> str:
    """HTML of the class summary (always bilingual)."""
    return _environment().get_template("summary.html.j2").render(
        s=summary_view(results, meta), lang="both")


CHILD_DIED = "the renderer died of a signal"


def render_student_report(result: StudentResult, out_path: Path, lang: str = "both",
                          timeout_s: float = RENDER_TIMEOUT_S) -> None:
    """Write one student's A4 PDF report to ``out_path``; if it is not laid out within ``timeout_s``
    seconds (or the renderer fails), write the plain report with the scores instead."""
    start_student_report(result, out_path, lang, timeout_s).finish()


def start_student_report(result: StudentResult, out_path: Path, lang: str = "both",
                         timeout_s: float = RENDER_TIMEOUT_S) -> PendingReport:
    """`render_student_report` begun: the report is laid out in a forked child while the caller
    goes on (a run of one notebook writes the class files meanwhile, on the other core), and
    written by `PendingReport.finish`. No other thread of this process may be running: the child
    would inherit the locks it held and none of its work."""
    return PendingReport(result, Path(out_path), lang, timeout_s)


class PendingReport:
    """One student's report being laid out in a forked child, killed at the deadline. The child
    also has a CPU-time limit, so it dies even if this process does."""

    def __init__(self, result: StudentResult, out_path: Path, lang: str, timeout_s: float):
        self.result, self.out_path, self.lang = result, out_path, lang
        self.html = html_for_student(result, lang)
        self.timeout_s, self.deadline = timeout_s, time.monotonic() + timeout_s
        out_path.parent.mkdir(parents=True, exist_ok=True)
        self.part = out_path.with_name(f".{out_path.name}.{os.getpid()}{atomic.SUFFIX}")  # as `atomic.leftovers` finds
        read_end, write_end = os.pipe()
        self.pid: int | None = os.fork()
        if self.pid == 0:
            os.close(read_end)
            _child(self.html, self.part, write_end, timeout_s)
        os.close(write_end)
        self.read_end = read_end

    def finish(self) -> None:
        """Wait for the child; write the report it laid out, or the plain one with the scores."""
        failure = self._wait()
        if failure == CHILD_DIED:  # of what the forked process inherited (TensorFlow's threads), not of
            _write_pdf(self.html, self.out_path)  # the report: its text is capped, so it is laid out here
        elif failure:
            print(f"grader: the report of {self.result.student_id} was not rendered ({failure}); "
                  "a plain report with the scores was written instead", file=sys.stderr)
            _write_pdf(html_for_student(self.result, self.lang, "fallback.html.j2"), self.out_path)

    def cancel(self) -> None:
        """Kill the child if it is still laying out (the run was interrupted); nothing is written."""
        if self.pid is not None:
            os.kill(self.pid, signal.SIGKILL)
            self._reap()
            self.part.unlink(missing_ok=True)

    def _wait(self) -> str | None:
        """None once the child has written the PDF to `out_path`, else why not."""
        ready: list[int] = []
        try:
            ready = select.select([self.read_end], [], [], max(0.0, self.deadline - time.monotonic()))[0]
            reply = os.read(self.read_end, 4096) if ready else None
        finally:
            if not ready:
                os.kill(self.pid, signal.SIGKILL)
            status = self._reap()
        if reply == b"ok":
            os.chmod(self.part, atomic.plain_mode())
            self.part.replace(self.out_path)
            return None
        self.part.unlink(missing_ok=True)
        if reply is None:
            return f"not laid out within {self.timeout_s:g} s"
        if not reply and os.WIFSIGNALED(status):
            return CHILD_DIED
        return reply.decode("utf-8", "replace") or "the renderer stopped without a word"

    def _reap(self) -> int:
        os.close(self.read_end)
        _, status = os.waitpid(self.pid, 0)
        self.pid = None
        return status


def _child(html: str, part: Path, write_end: int, timeout_s: float) -> NoReturn:
    """The forked child: lay out `html` into `part`, say "ok" or why not on `write_end`, exit."""
    message = b"ok"
    try:
        cpu = math.ceil(timeout_s) + 1
        resource.setrlimit(resource.RLIMIT_CPU, (cpu, cpu))  # soft = hard: SIGKILL, no core file
        part.write_bytes(_pdf(html))
    except BaseException as exc:  # noqa: BLE001 - reported to the parent, which decides
        message = f"{type(exc).__name__}: {exc}".encode("utf-8", "replace")[:1000]
    finally:
        try:
            os.write(write_end, message)  # under PIPE_BUF: arrives in one piece
        finally:
            os._exit(0)


def warm_up() -> None:
    """Pay the first render's costs now (templates, stylesheet, every font and style of a student
    report): a class run does it while submissions are graded, not after
    the last, and the forked child of each report inherits them (`warm_sample.py`)."""
    _environment().get_template("summary.html.j2")
    _pdf(html_for_student(warm_result()))


def render_summary(results: list[StudentResult], meta: dict, out_path: Path) -> None:
    """Write the class summary PDF (statistics, histogram, student list) to ``out_path``."""
    _write_pdf(html_for_summary(results, meta), out_path)
