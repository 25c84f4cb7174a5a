"""PDF reports of the grader: one bilingual (Persian/English) report per student and a
class summary, rendered from Jinja2 templates with WeasyPrint.

The renderers load on first use: importing WeasyPrint costs about a second, which commands
that only read `grader.outputs.reports.persian` or `view` (the CLI start, `grader ci`'s summary) need not pay.
"""
from typing import Any

__all__ = ["html_for_student", "html_for_summary", "render_student_report", "render_summary", "start_student_report",
           "warm_up"]


def __getattr__(name: str) -> Any:
    if name in __all__:
        from grader.outputs.reports import render

        return getattr(render, name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
