"""HTML (Jinja2) and PDF (WeasyPrint) rendering of the student and summary reports.

The Jinja environment, the parsed stylesheet and the font configuration are built once
per process: a grading run renders hundreds of reports and re-parsing them each time
would dominate the cost of small reports.
"""

from __future__ import annotations

import functools
from pathlib import Path

import jinja2
from weasyprint import CSS
from weasyprint.text.fonts import FontConfiguration

from .bidi import has_rtl, isolate_ltr
from .gc_pause import gc_paused
from .persian import fmt_points, persian_digits
from .stats import histogram_svg, summary_view
from .user_agent import ReportHTML
from .view import LABELS, LANGS, STATUS, student_view

_HERE = Path(__file__).parent


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
        fa=isolate_ltr,
        rtl=has_rtl,
        pts=_pts,
        fa_pts=lambda x: persian_digits(_pts(x)),
        fa_digits=lambda x: persian_digits(str(x)),
        pct=lambda x: "–" if x is None else f"{round(100 * x)}%",
    )
    env.globals.update(L=LABELS, STATUS=STATUS)
    return env


@functools.cache
def _style() -> tuple[CSS, FontConfiguration]:
    fonts = FontConfiguration()
    return CSS(filename=str(_HERE / "static" / "report.css"), font_config=fonts), fonts


def _write_pdf(html: str, out_path: Path) -> None:
    css, fonts = _style()
    out_path = Path(out_path)
    out_path.parent.mkdir(parents=True, exist_ok=True)
    with gc_paused():
        ReportHTML(string=html, base_url=str(_HERE)).write_pdf(
            out_path, stylesheets=[css], font_config=fonts)


def html_for_student(result: dict, lang: str = "both") -> str:
    """HTML of one student's report; ``lang`` is "both", "fa" or "en"."""
    if lang not in LANGS:
        raise ValueError(f"lang must be one of {LANGS}, not {lang!r}")
    return _environment().get_template("student.html.j2").render(
        r=student_view(result), lang=lang)


def html_for_summary(results: list[dict], meta: dict) -> str:
    """HTML of the class summary (always bilingual)."""
    return _environment().get_template("summary.html.j2").render(
        s=summary_view(results, meta), lang="both")


def render_student_report(result: dict, out_path: Path, lang: str = "both") -> None:
    """Write one student's A4 PDF report to ``out_path``."""
    _write_pdf(html_for_student(result, lang), out_path)


def warm_up() -> None:
    """Pay the first render's costs now (templates, stylesheet, fonts of both scripts, the
    histogram's plotting): a class run does it while submissions are graded, not after the last."""
    _environment().get_template("summary.html.j2")
    css, fonts = _style()
    histogram_svg([1.0, 2.0], 2.0)
    ReportHTML(string="<p dir='rtl'>نمرهٔ ۱۲</p><p>Score 12</p>", base_url=str(_HERE)).render(
        stylesheets=[css], font_config=fonts)


def render_summary(results: list[dict], meta: dict, out_path: Path) -> None:
    """Write the class summary PDF (statistics, histogram, student list) to ``out_path``."""
    _write_pdf(html_for_summary(results, meta), out_path)
