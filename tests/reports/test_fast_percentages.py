"""Lengths resolved without a call per property (fast_percentages.py) are the ones WeasyPrint sets."""

from __future__ import annotations

import pytest
from weasyprint.layout import block, percent, table

from grader.outputs.reports import fast_percentages
from grader.outputs.reports.render import html_for_student
from tests.reports.test_reports import sample_result
from tests.support.layout_boxes import laid_out_boxes, off_then_on, report_cases

# Percentages of a definite and of an auto height, min/max lengths, border- and padding-box sizing,
# calc(), auto margins, collapsed borders.
LENGTHS = """<html dir="rtl" lang="fa"><body>
<div style="width: 120mm; height: 60mm"><div style="width: 50%; height: 40%; padding: 2% 3mm;
margin: 1% auto; box-sizing: border-box; border: 2px solid">متن <bdi dir="ltr">x = 1</bdi></div>
<div style="width: calc(100% - 10mm); min-height: 10%; max-width: 80%; padding-left: 5%">بند</div></div>
<div style="width: 70mm"><div style="height: 50%; min-width: 20mm; max-height: 30mm;
box-sizing: padding-box; padding: 3mm">در بلوکی با بلندی خودکار</div></div>
<table style="width: 90mm; border-collapse: collapse"><tr><td style="width: 30%; padding: 1%;
border: 1px solid">الف</td><td style="border: 3px solid">ب</td></tr></table>
</body></html>"""

ATTRIBUTES = ("position_x", "position_y", "width", "height", "min_width", "max_width", "min_height",
              "max_height", "margin_top", "margin_right", "margin_bottom", "margin_left", "padding_top",
              "padding_right", "padding_bottom", "padding_left", "border_top_width",
              "border_right_width", "border_bottom_width", "border_left_width")


def _geometry(html: str) -> list[tuple]:
    return [(type(box).__name__, getattr(box, "text", None), *(getattr(box, name, None) for name in ATTRIBUTES))
            for box in laid_out_boxes(html)]


@pytest.fixture
def weasyprint_then_fast():
    yield
    fast_percentages.install(True)


@pytest.mark.parametrize("html", report_cases("lengths", LENGTHS))
def test_every_box_gets_the_lengths_weasyprint_gives_it(html, weasyprint_then_fast):
    text = html()
    geometry = off_then_on(fast_percentages.install, lambda: _geometry(text))
    assert len(geometry[False]) > 20 and geometry[True] == geometry[False]


def test_the_lengths_case_has_percentages_auto_and_calc(weasyprint_then_fast, monkeypatch):
    """The `lengths` case above goes through WeasyPrint's own code for what is not in pixels."""
    resolved = []
    one = percent.resolve_one_percentage
    monkeypatch.setattr(percent, "resolve_one_percentage",
                        lambda box, name, refer_to: resolved.append(box.style[name]) or one(box, name, refer_to))
    _geometry(LENGTHS)
    units = {getattr(v, "unit", v if isinstance(v, str) else "calc") for v in resolved}
    assert {"%", "auto", "calc"} <= units


def test_layout_calls_it_and_sets_pixel_lengths_without_a_call_each(weasyprint_then_fast, monkeypatch):
    assert block.resolve_percentages is table.resolve_percentages is fast_percentages.resolve_percentages
    calls = []
    one = percent.resolve_one_percentage
    monkeypatch.setattr(percent, "resolve_one_percentage", lambda *a: calls.append(1) or one(*a))
    text = html_for_student(sample_result())

    def count() -> int:
        calls.clear()
        _geometry(text)
        return len(calls)

    counts = off_then_on(fast_percentages.install, count)
    assert counts[True] < 0.4 * counts[False]  # auto widths and the like still go to WeasyPrint (~23 %)


def test_a_changed_weasyprint_function_is_refused(monkeypatch):
    monkeypatch.setattr(fast_percentages, "_PINNED", "0" * 64)
    with pytest.raises(RuntimeError, match="resolve_percentages changed"):
        fast_percentages.install()
