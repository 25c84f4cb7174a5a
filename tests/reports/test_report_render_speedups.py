"""The render-speed measures of the reports keep the output they had before."""

from __future__ import annotations

import gc
import subprocess
from pathlib import Path

from pypdf import PdfReader
import pytest
from weasyprint import HTML

from grader.outputs.reports.gc_pause import gc_paused
from grader.outputs.reports.html_tree import parse
from grader.outputs.reports.render import _HERE, _style, html_for_student, html_for_summary
from grader.outputs.reports.user_agent import ReportHTML, light_ua_css
from grader.outputs.reports.view import LABELS
from tests.reports.test_reports import META, sample_result, three_results


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


def test_html_tree_does_what_an_html5_parser_would_for_the_templates():
    root = parse("<!DOCTYPE html>\n<html><head><meta charset='utf-8'><title>t</title></head><body>"
                 "<table><tr><td>a<br>b</td></tr><tr><td hidden>c</td></tr></table>"
                 "<pre>\nkept\n</pre><p>x &amp; &#39;y&#39; <bdi dir=ltr>-1</bdi></p></body></html>")
    assert root.tag == "html" and [c.tag for c in root] == ["head", "body"]
    table = root.find("body/table")
    assert [c.tag for c in table] == ["tbody"] and len(table.findall("tbody/tr")) == 2
    assert table.find("tbody/tr/td/br").tail == "b" and table.find("tbody/tr[2]/td").get("hidden") == ""
    assert root.find("head/meta").get("charset") == "utf-8" and list(root.find("head/meta")) == []
    assert root.find("body/pre").text == "kept\n"  # the newline after <pre> is dropped, as a browser does
    p = root.find("body/p")
    assert p.text == "x & 'y' " and p.find("bdi").get("dir") == "ltr"
    fragment = parse("<p>one</p><p>two</p>")
    assert fragment.tag == "html" and [c.text for c in fragment.find("body")] == ["one", "two"]


def _pages(doc: HTML, out: Path) -> list[bytes]:
    css, fonts = _style()
    doc.write_pdf(out, stylesheets=[css], font_config=fonts)
    subprocess.run(["pdftoppm", "-r", "40", "-png", str(out), str(out.with_suffix(""))], check=True)
    return [p.read_bytes() for p in sorted(out.parent.glob(f"{out.stem}-*.png"))]


@pytest.mark.slow
def test_reports_come_out_as_with_weasyprints_own_parser(tmp_path):
    for name, html in [("student", html_for_student(sample_result())),
                       ("summary", html_for_summary(three_results(), META))]:
        html5 = ReportHTML.__new__(ReportHTML)
        HTML.__init__(html5, string=html, base_url=str(_HERE))  # tinyhtml5, the same user-agent sheet
        fast = _pages(ReportHTML(string=html, base_url=str(_HERE)), tmp_path / f"{name}-fast.pdf")
        assert fast and fast == _pages(html5, tmp_path / f"{name}-html5.pdf"), name


def test_a_labels_persian_side_is_text_of_its_block_and_its_english_side_a_box():
    """One inline box per label, not two: the Persian side sits in a right-to-left block already.
    The 'hidden' label keeps its Persian box, which its rule keeps upright (.hidden .fa)."""
    review = LABELS["review"]
    both = html_for_student(sample_result())
    assert f'{review.fa} · <bdi dir="ltr" class="en">{review.en}</bdi>' in both
    assert f'<bdi dir="rtl" class="fa">{review.fa}</bdi>' not in both
    assert f'>{review.fa}</' in html_for_student(sample_result(), "fa")
    assert f'<bdi dir="ltr" class="en">{review.en}</bdi>' in html_for_student(sample_result(), "en")
    hidden = LABELS["hidden"]
    secret = sample_result()
    for q in secret.questions:
        for a in q.answers:
            a.secret = True
    assert f'<bdi dir="rtl" class="fa">{hidden.fa}</bdi>' in html_for_student(secret)
