"""The laid-out boxes of a report, for the tests that a WeasyPrint patch moves no box."""
from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import TypeVar

import pytest

from grader.outputs.reports.render import _HERE, _style, html_for_student, html_for_summary
from grader.outputs.reports.user_agent import ReportHTML
from tests.reports.test_reports import META, sample_result, three_results

T = TypeVar("T")


def laid_out_boxes(html: str) -> Iterator:
    """Every box of every page of `html` laid out with the reports' stylesheet, depth first."""
    css, fonts = _style()
    doc = ReportHTML(string=html, base_url=str(_HERE)).render(stylesheets=[css], font_config=fonts)

    def walk(box) -> Iterator:
        yield box
        for child in getattr(box, "children", ()):
            yield from walk(child)

    for page in doc.pages:
        yield from walk(page._page_box)


def report_cases(extra_id: str, extra_html: str) -> list:
    """Parameters: the student report (bilingual, English), the summary, and a patch's own case."""
    return [
        pytest.param(lambda: html_for_student(sample_result()), id="student"),
        pytest.param(lambda: html_for_student(sample_result(), "en"), id="student-en"),
        pytest.param(lambda: html_for_summary(three_results(), META), id="summary"),
        pytest.param(lambda: extra_html, id=extra_id),
    ]


def off_then_on(install: Callable[[bool], None], measure: Callable[[], T]) -> dict[bool, T]:
    """`measure()` with a patch uninstalled, then installed (and left installed)."""
    measured = {}
    for on in (False, True):
        install(on)
        measured[on] = measure()
    return measured
