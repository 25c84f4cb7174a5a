"""Right-to-left lines laid out once (rtl_lines.py) land where WeasyPrint's two passes put them."""

from __future__ import annotations

import pytest
from weasyprint.layout import inline

from grader.outputs.reports import rtl_lines
from grader.outputs.reports.render import html_for_student
from tests.reports.test_reports import sample_result
from tests.support.layout_boxes import laid_out_boxes, off_then_on, report_cases

# Lines beside floats in both directions, and a tall line that meets a float lower down (the case the
# second pass is for; WeasyPrint's two passes and the one pass place it alike here).
FLOATS = """<html dir="rtl" lang="fa"><body>
<div style="width: 60mm"><span style="float: left; width: 20mm; height: 12mm; background: #ccc"></span>
<span style="float: right; width: 8mm; height: 30mm; background: #ccc"></span>
متن فارسی بلند که باید در کنار شناورها بشکند و چند خط شود <bdi dir="ltr">model.fit(x, y)</bdi>
و باز هم متن فارسی برای خط‌های بیشتر و بیشتر تا پایین‌تر از شناورها برسد.</div>
<div dir="ltr" style="width: 60mm"><span style="float: right; width: 25mm; height: 10mm"></span>
An English paragraph beside a float, long enough to wrap below it, with <bdi dir="rtl">فارسی</bdi>.</div>
<div style="width: 60mm"><div style="height: 5mm"></div><span style="float: left; width: 20mm; height: 20mm"></span></div>
<div style="width: 60mm; margin-top: -5mm">خطی که <span style="font-size: 30pt">بلند</span> است و
تنها با بلندی واقعی‌اش به شناور می‌خورد</div>
<div dir="ltr" style="width: 60mm"><div style="height: 5mm"></div><span style="float: right; width: 20mm; height: 20mm"></span></div>
<div dir="ltr" style="width: 60mm; margin-top: -5mm">A line that is <span style="font-size: 30pt">tall</span> and
meets the float only at its real height</div>
</body></html>"""


def _geometry(html: str) -> list[tuple]:
    return [(type(box).__name__, round(box.position_x, 3), round(box.position_y, 3), round(box.width or 0, 3),
             round(box.height or 0, 3), getattr(box, "text", None)) for box in laid_out_boxes(html)]


@pytest.fixture
def original_then_single_pass():
    yield
    rtl_lines.install(True)


@pytest.mark.parametrize("html", report_cases("floats", FLOATS))
def test_every_box_lands_where_two_passes_put_it(html, original_then_single_pass):
    text = html()
    geometry = off_then_on(rtl_lines.install, lambda: _geometry(text))
    assert len(geometry[False]) > 20 and geometry[True] == geometry[False]


def test_a_right_to_left_line_is_laid_out_once(original_then_single_pass, monkeypatch):
    calls = []
    split = inline.split_inline_box
    monkeypatch.setattr(inline, "split_inline_box", lambda *a, **k: calls.append(1) or split(*a, **k))
    text = html_for_student(sample_result(), "fa")

    def count() -> int:
        calls.clear()
        _geometry(text)
        return len(calls)

    counts = off_then_on(rtl_lines.install, count)
    assert counts[True] < 0.7 * counts[False]
