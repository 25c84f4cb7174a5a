"""The class summary's two charts, written as SVG text.

They are a few rectangles, lines and labels; plotting them with matplotlib cost the grading
process a quarter second of import and a tenth of drawing for every summary. The SVG is laid
out in points (the summary shows it 165 mm wide, about its own width), its text is real text
in DejaVu Sans, which the PDF embeds, and every label is XML-escaped: question ids come from a
rubric and are shown as text, never read as markup.
"""

from __future__ import annotations

import base64
import math
import re
import statistics
from collections.abc import Iterable
from dataclasses import dataclass
from xml.sax.saxutils import escape, quoteattr

WIDTH = 475.2  # points: 6.6 in, shown at 165 mm
FONT = 8.0  # axis labels and ticks
TICK = 3.5  # tick length, and the gap between a tick and its label
BINS = 10
BAR = "#4f6d8f"
MEAN, MEDIAN = "#c2410c", "#15803d"
LONGEST_ID = 12  # characters of a question id drawn under its bar; the table below gives it whole
NOT_XML = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ud800-\udfff\ufffe\uffff]")

# DejaVu Sans advance widths in ems, close enough to size margins and decide when labels turn
_NARROW, _WIDE = set("fijlrt.,:;'|!()[] "), set("mwMW%@")


def text_width(text: str, size: float) -> float:
    """About how wide `text` is in DejaVu Sans at `size` points (wider rather than narrower)."""
    ems = sum(0.36 if c in _NARROW else 0.95 if c in _WIDE else 0.64 if c.isdigit() or c.islower()
              else 0.74 for c in text)
    return ems * size


def _label(text: str) -> str:
    """A rubric-given text safe inside an SVG <text>: no character XML forbids, markup escaped."""
    text = NOT_XML.sub("", text)
    return escape(text if len(text) <= LONGEST_ID else text[:LONGEST_ID - 1] + "…")


@dataclass(frozen=True)
class Plot:
    """The plotting area in SVG points and the data ranges it spans."""
    left: float
    top: float
    right: float
    bottom: float
    x_max: float
    y_max: float

    def x(self, value: float) -> float:
        return self.left + (self.right - self.left) * value / self.x_max

    def y(self, value: float) -> float:
        return self.bottom - (self.bottom - self.top) * value / self.y_max


class Svg:
    """SVG elements in the order they are drawn, with shared defaults for text."""

    def __init__(self, height: float) -> None:
        self.height = height
        self.parts: list[str] = []

    def rect(self, x: float, y: float, w: float, h: float, fill: str, extra: str = "") -> None:
        self.parts.append(f'<rect x="{x:.2f}" y="{y:.2f}" width="{w:.2f}" height="{h:.2f}" fill="{fill}"{extra}/>')

    def line(self, x1: float, y1: float, x2: float, y2: float, stroke: str = "#000",
             width: float = 0.8, dash: str = "") -> None:
        dashes = f' stroke-dasharray="{dash}"' if dash else ""
        self.parts.append(f'<line x1="{x1:.2f}" y1="{y1:.2f}" x2="{x2:.2f}" y2="{y2:.2f}" '
                          f'stroke="{stroke}" stroke-width="{width}"{dashes}/>')

    def text(self, x: float, y: float, escaped: str, anchor: str = "middle", size: float = FONT,
             turned: bool = False) -> None:
        """`escaped` at (x, y): its baseline's start, middle or end; `turned` reads upwards."""
        turn = f' transform="rotate(-90 {x:.2f} {y:.2f})"' if turned else ""
        self.parts.append(f'<text x="{x:.2f}" y="{y:.2f}" text-anchor="{anchor}" '
                          f'font-size="{size:g}"{turn}>{escaped}</text>')

    def uri(self, defs: str = "") -> str:
        svg = (f'<svg xmlns="http://www.w3.org/2000/svg" width="{WIDTH}pt" height="{self.height}pt" '
               f'viewBox="0 0 {WIDTH} {self.height}"><defs>{defs}</defs>'
               f'<g font-family={quoteattr("DejaVu Sans")} fill="#000">{"".join(self.parts)}</g></svg>')
        return "data:image/svg+xml;base64," + base64.b64encode(svg.encode()).decode()

    def axes(self, plot: Plot) -> None:
        """The left and bottom spines (no box: the top and right stay open)."""
        self.line(plot.left, plot.top, plot.left, plot.bottom)
        self.line(plot.left, plot.bottom, plot.right, plot.bottom)

    def y_ticks(self, plot: Plot, ticks: Iterable[tuple[float, str]]) -> None:
        for value, label in ticks:
            y = plot.y(value)
            self.line(plot.left - TICK, y, plot.left, y)
            self.text(plot.left - 2 * TICK, y + 0.36 * FONT, label, anchor="end")


def _step(span: float, most: int, steps: tuple[float, ...] = (1, 2, 2.5, 5, 10)) -> float:
    """The smallest round tick step (1, 2, 2.5 or 5 times a power of ten) giving at most `most` steps."""
    raw = span / most
    power = 10.0 ** math.floor(math.log10(raw))
    return next(m * power for m in steps if m * power >= raw * (1 - 1e-9))


def _ticks(top: float, step: float) -> list[tuple[float, str]]:
    count = math.floor(top / step + 1e-9)
    return [(i * step, f"{round(i * step, 10):g}") for i in range(count + 1)]


def bin_counts(totals: list[float], top: float) -> list[int]:
    """How many totals fall in each of `BINS` equal bins over [0, top]: each bin holds its lower
    edge, the last its upper edge too; a total outside [0, top] is in none."""
    counts = [0] * BINS
    edges = [top * k / BINS for k in range(BINS + 1)]
    for total in totals:
        if 0 <= total <= top:
            index = min(int(total * BINS / top), BINS - 1)
            if total < edges[index]:  # the division rounded up, or down: the edges decide
                index -= 1
            elif index < BINS - 1 and total >= edges[index + 1]:
                index += 1
            counts[index] += 1
    return counts


def histogram_svg(totals: list[float], max_total: float) -> str:
    """Histogram of total scores over [0, the maximum], with the mean and the median marked,
    as an SVG data URI."""
    top = max([max_total, *totals]) or 1
    counts = bin_counts(totals, top)
    y_step = max(1.0, _step(max(counts) or 1, 5, (1, 2, 5, 10)))
    y_ticks = _ticks(max(counts) or 1, y_step)
    y_label_width = max(text_width(label, FONT) for _, label in y_ticks)
    x_ticks = _ticks(top, _step(top, 6))
    svg = Svg(151.2)
    plot = Plot(left=14 + 2 * TICK + y_label_width, top=16, right=WIDTH - 12, bottom=svg.height - 32,
                x_max=top, y_max=1.05 * (max(counts) or 1))
    for i, count in enumerate(counts):
        if count:
            x0, x1 = plot.x(i * top / BINS), plot.x((i + 1) * top / BINS)
            svg.rect(x0, plot.y(count), x1 - x0, plot.bottom - plot.y(count), BAR,
                     ' stroke="#fff" stroke-width="1"')
    if totals:
        marks = [(statistics.fmean(totals), MEAN, "4.4 1.9", "mean"),
                 (statistics.median(totals), MEDIAN, "1.2 2", "median")]
        legend_x = WIDTH - 12 - sum(24 + text_width(f"{n} {v:.1f}", FONT) for v, _, _, n in marks)
        for value, colour, dash, name in marks:
            if 0 <= value <= top:
                svg.line(plot.x(value), plot.top, plot.x(value), plot.bottom, colour, 1.2, dash)
            # the legend stands above the plot, so it never hides a bar
            svg.line(legend_x, 7, legend_x + 14, 7, colour, 1.2, dash)
            svg.text(legend_x + 18, 7 + 0.36 * FONT, f"{name} {value:.1f}", anchor="start")
            legend_x += 24 + text_width(f"{name} {value:.1f}", FONT)
    svg.axes(plot)
    for value, label in x_ticks:
        svg.line(plot.x(value), plot.bottom, plot.x(value), plot.bottom + TICK)
        svg.text(plot.x(value), plot.bottom + 2 * TICK + 0.73 * FONT, label)
    svg.y_ticks(plot, y_ticks)
    svg.text((plot.left + plot.right) / 2, svg.height - 4, "Total score")
    svg.text(10, (plot.top + plot.bottom) / 2, "Students", turned=True)
    return svg.uri()


def _bar_colour(fraction: float) -> str:
    return "#b3261e" if fraction < 0.5 else "#d69e2e" if fraction < 0.8 else "#2f855a"


HATCH = ('<pattern id="hatch" patternUnits="userSpaceOnUse" width="4" height="4">'
         '<path d="M-1,1 L1,-1 M0,4 L4,0 M3,5 L5,3" stroke="#fff" stroke-width="0.7"/></pattern>')


def mean_fraction_svg(rows: list[dict]) -> str | None:
    """Bar chart of each ranked question's mean fraction of points, in the given order; a bar is
    hatched where only the automatic part counts yet. Only ids and percentages are drawn, so the
    chart needs no translation. None when no question has a fraction yet."""
    ranked = [r for r in rows if r["mean_fraction"] is not None]
    if not ranked:
        return None
    percents = [100 * r["mean_fraction"] for r in ranked]
    values = [f"{p:.0f}%" for p in percents]
    ids = [_label(str(r["id"])) for r in ranked]
    slots = max(len(ranked), 6)  # a few bars stay narrow
    slot = (WIDTH - 40) / (slots + 0.2)
    value_size = min(7.0, 0.9 * slot)
    id_size = min(FONT, 0.95 * slot)
    value_widest = max(text_width(v, value_size) for v in values)
    id_widest = max(text_width(i, id_size) for i in ids)
    values_turned = value_widest > 0.95 * slot
    ids_turned = len(ranked) > 14 or id_widest > 0.95 * slot
    top = 2 + (value_widest - 8 if values_turned else 0)  # a turned label may rise above the 110 % top
    bottom = 2 * TICK + 2 + (id_widest if ids_turned else 0.73 * FONT + 2)
    svg = Svg(144.0 + max(0.0, top - 2))
    y_label_width = text_width("100%", FONT)
    plot = Plot(left=4 + 2 * TICK + y_label_width, top=top, right=WIDTH - 6, bottom=svg.height - bottom,
                x_max=slots + 0.2, y_max=110)
    for i, (row, percent, value, qid) in enumerate(zip(ranked, percents, values, ids)):
        centre = plot.x(i + 0.6)
        x0, bar_top = centre - 0.325 * slot, plot.y(min(max(0.0, percent), 110.0))
        svg.rect(x0, bar_top, 0.65 * slot, plot.bottom - bar_top, _bar_colour(percent / 100))
        if row["pending"]:
            svg.rect(x0, bar_top, 0.65 * slot, plot.bottom - bar_top, "url(#hatch)")
        if values_turned:
            svg.text(centre + 0.36 * value_size, bar_top - 1.5, value, "start", value_size, turned=True)
        else:
            svg.text(centre, bar_top - 1.5, value, size=value_size)
        svg.line(centre, plot.bottom, centre, plot.bottom + TICK)
        if ids_turned:
            svg.text(centre + 0.36 * id_size, plot.bottom + 2 * TICK, qid, "end", id_size, turned=True)
        else:
            svg.text(centre, plot.bottom + 2 * TICK + 0.73 * FONT, qid, size=id_size)
    svg.axes(plot)
    svg.y_ticks(plot, [(0, "0%"), (50, "50%"), (100, "100%")])
    return svg.uri(HATCH)
