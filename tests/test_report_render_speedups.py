"""The render-speed measures of the reports keep the output they had before."""

from __future__ import annotations

import gc

from pypdf import PdfReader

from grader.reports.gc_pause import gc_paused
from grader.reports.render import _style
from grader.reports.user_agent import ReportHTML, light_ua_css


def test_light_ua_sheet_drops_only_the_per_element_pseudo_elements():
    css = light_ua_css()
    assert "::footnote-call" not in css and "::note-call" not in css
    assert "li::marker {" in css
    assert "@footnote" in css and "li { display: list-item }" in css


def test_list_markers_and_ua_defaults_still_render(tmp_path):
    css, fonts = _style()
    out = tmp_path / "list.pdf"
    ReportHTML(string="<ol><li>first</li><li>second</li></ol><table><tr><td>cell</td></tr></table>"
               "<p hidden>secret</p>").write_pdf(out, stylesheets=[css], font_config=fonts)
    text = PdfReader(out).pages[0].extract_text()
    assert "1." in text and "2." in text and "second" in text and "cell" in text
    assert "secret" not in text


def test_gc_paused_nests_and_restores():
    assert gc.isenabled()
    with gc_paused():
        assert not gc.isenabled()
        with gc_paused():
            assert not gc.isenabled()
        assert not gc.isenabled()
    assert gc.isenabled()
    gc.disable()
    try:
        with gc_paused():
            pass
        assert not gc.isenabled()  # a caller's own choice is left alone
    finally:
        gc.enable()
