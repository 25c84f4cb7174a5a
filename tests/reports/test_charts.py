"""The class summary's charts (charts.py): well-formed SVG for every shape of class, bins counted
right, rubric-given ids shown as text, percentages that never overlap, and no matplotlib in the
grading process."""

import base64
import math
import re
import subprocess
import sys
import xml.etree.ElementTree as ET

import pytest

from grader.outputs.reports.charts import bin_counts, histogram_svg, mean_fraction_svg, text_width

NS = "{http://www.w3.org/2000/svg}"
ROOT = __import__("pathlib").Path(__file__).resolve().parents[2]


def parse(uri: str) -> ET.Element:
    prefix = "data:image/svg+xml;base64,"
    assert uri.startswith(prefix)
    return ET.fromstring(base64.b64decode(uri[len(prefix):]))


def texts(svg: ET.Element) -> list[ET.Element]:
    return list(svg.iter(NS + "text"))


def bars(svg: ET.Element) -> list[ET.Element]:
    """The chart's bars: every filled rectangle but the hatching laid over some of them."""
    return [r for r in svg.iter(NS + "rect") if r.get("fill") != "url(#hatch)"]


def rows(fractions: list[float | None], pending: set[int] = frozenset(), ids: list[str] | None = None) -> list[dict]:
    ids = ids or [f"q{i + 1}" for i in range(len(fractions))]
    return [{"id": qid, "mean_fraction": f, "pending": 2 if i in pending else 0}
            for i, (qid, f) in enumerate(zip(ids, fractions))]


@pytest.mark.parametrize("totals, max_total", [
    ([12.5, 40, 37, 51.5, 0, 44], 100),  # a class
    ([], 100),  # nobody
    ([7.5], 10),  # one student
    ([0, 0, 0], 0),  # nothing to score
    ([120, 3], 100),  # a bonus beyond the maximum
])
def test_histogram_is_well_formed_with_its_bars_and_marks(totals, max_total):
    svg = parse(histogram_svg(totals, max_total))
    top = max([max_total, *totals]) or 1
    counts = bin_counts(totals, top)
    drawn = bars(svg)
    assert len(drawn) == sum(1 for c in counts if c)
    if drawn:  # heights in proportion to the counts
        per_student = [float(r.get("height")) / c for r, c in zip(drawn, [c for c in counts if c])]
        assert max(per_student) - min(per_student) < 0.02  # coordinates have two decimals
    labels = [t.text for t in texts(svg)]
    assert "Total score" in labels and "Students" in labels
    if totals:
        assert f"mean {sum(totals) / len(totals):.1f}" in labels
    assert any(t.startswith("median") for t in labels) == any(t.startswith("mean") for t in labels) == bool(totals)
    assert len([d for d in svg.iter(NS + "line") if d.get("stroke-dasharray")]) == (4 if totals else 0)


def test_bins_hold_their_lower_edge_and_the_last_its_upper_too():
    assert bin_counts([0, 9.9, 10, 100], 100) == [2, 1, 0, 0, 0, 0, 0, 0, 0, 1]
    # on each edge (top * k / 10), and just under it: where a division would round the other way
    top = 1 / 3
    edges = [k * top / 10 for k in range(10)]
    assert bin_counts([*edges, top], top) == [1] * 9 + [2]
    assert bin_counts([math.nextafter(e, 0) for e in [*edges[1:], top]], top) == [1] * 10
    assert bin_counts([-1, 101], 100) == [0] * 10


def test_fraction_chart_none_without_a_ranked_question():
    assert mean_fraction_svg([]) is None
    assert mean_fraction_svg(rows([None, None])) is None


@pytest.mark.parametrize("count", [1, 3, 14, 15, 45, 90])
def test_fraction_bars_coloured_hatched_and_labelled_without_overlap(count):
    fractions = [(i * 7 % 11) / 10 for i in range(count)] + [None]  # an unranked one is left out
    pending = set(range(0, count, 3))
    svg = parse(mean_fraction_svg(rows(fractions, pending)))
    drawn = bars(svg)
    assert len(drawn) == count
    assert [r.get("fill") for r in drawn] == [
        "#b3261e" if f < 0.5 else "#d69e2e" if f < 0.8 else "#2f855a" for f in fractions[:count]]
    hatched = [r for r in svg.iter(NS + "rect") if r.get("fill") == "url(#hatch)"]
    assert sorted(float(r.get("x")) for r in hatched) == sorted(float(drawn[i].get("x")) for i in pending)
    assert svg.find(f"{NS}defs/{NS}pattern[@id='hatch']") is not None
    percents = [t for t in texts(svg) if t.text.endswith("%") and t.get("text-anchor") != "end"]  # not the axis'
    assert [t.text for t in percents] == [f"{100 * f:.0f}%" for f in fractions[:count]]
    # each label's horizontal extent: its width when level, its glyphs' height when turned upright
    spans = []
    for label, bar in zip(percents, drawn):
        size, x = float(label.get("font-size")), float(label.get("x"))
        centre = float(bar.get("x")) + float(bar.get("width")) / 2
        if label.get("transform"):
            spans.append((x - 0.73 * size, x))
        else:
            assert label.get("text-anchor") == "middle"
            spans.append((x - text_width(label.text, size) / 2, x + text_width(label.text, size) / 2))
        assert spans[-1][0] - 0.5 < centre < spans[-1][1] + 0.5  # over its own bar
    assert all(a[1] <= b[0] for a, b in zip(spans, spans[1:])), spans
    turned = any(t.get("transform") for t in percents)
    assert not turned if count <= 14 else turned if count >= 45 else True  # turned only when bars are narrow


def test_question_ids_are_text_never_markup():
    ids = ["<script>alert(1)</script>", '"&', "q\x00\x1b1", "]]><x/>", "\u202eq2"]
    svg = parse(mean_fraction_svg(rows([0.2, 0.5, 0.9, 1.0, 0.0], ids=ids)))
    shown = [t.text for t in texts(svg)]
    assert "<script>ale…" in shown and '"&' in shown and "q1" in shown and "]]><x/>" in shown
    assert "\u202eq2" in shown  # one label's own direction: it cannot reach its neighbours
    assert not list(svg.iter("script")) and not list(svg.iter(NS + "script")) and not list(svg.iter(NS + "x"))


def test_no_matplotlib_in_the_grading_process():
    """Student kernels plot with matplotlib; the grading process, which lays out the summary, must
    not pay for importing it, neither on import nor on rendering a summary."""
    code = ("import sys, tempfile, pathlib\n"
            "import grader.outputs.reports.render as render\n"
            "assert 'matplotlib' not in sys.modules, 'on import'\n"
            "from tests.reports.test_summary_exports import META, results\n"
            "out = pathlib.Path(tempfile.mkdtemp()) / 'summary.pdf'\n"
            "render.render_summary(results(), META, out)\n"
            "assert out.read_bytes().startswith(b'%PDF')\n"
            "assert 'matplotlib' not in sys.modules, 'after a summary'\n")
    done = subprocess.run([sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr[-2000:]


def test_summary_pdf_shows_the_charts_labels_as_text(tmp_path):
    from pypdf import PdfReader

    from grader.outputs.reports import render_summary
    from tests.reports.test_summary_exports import META, results

    out = tmp_path / "summary.pdf"
    render_summary(results(), META, out)
    first = PdfReader(out).pages[0].extract_text()
    # q2 33 %, q4 65 % (hatched: its manual part waits), q1 75 %; q3 has no fraction yet
    assert re.search(r"33%.*65%.*75%", first, re.S) and "Total score" in first and "median" in first
