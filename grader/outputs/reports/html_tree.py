"""The element tree of a report's HTML, built by the standard library's parser.

WeasyPrint parses HTML with tinyhtml5, a pure-Python HTML5 parser that took a sixth of a long
report's render time. The reports' HTML comes only from our own templates, so the few things an
HTML5 parser would repair never occur; the ones the templates rely on are done here: void
elements, the implied ``<html>``/``<body>`` of a fragment, the implied ``<tbody>`` around rows
written straight into a table, and the newline a browser drops after ``<pre>``.
``tests/reports/test_report_render_speedups.py`` checks that the pages come out as with WeasyPrint's parser.
"""

from __future__ import annotations

from html.parser import HTMLParser
from xml.etree.ElementTree import Element, TreeBuilder

_VOID = frozenset("area base br col embed hr img input link meta source track wbr".split())
_DROPS_LEADING_NEWLINE = frozenset(("pre", "textarea", "listing"))


class _Builder(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.tree = TreeBuilder()
        self.open: list[str] = []
        self.drop_newline = False

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if not self.open and tag != "html":  # a fragment: its elements go in an implied body
            self._start("html", {})
            self._start("body", {})
        if tag == "tr" and self.open and self.open[-1] == "table":
            self._start("tbody", {})
        self._start(tag, {k: "" if v is None else v for k, v in attrs})
        if tag in _VOID:
            self._end(tag)
        self.drop_newline = tag in _DROPS_LEADING_NEWLINE

    def handle_startendtag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.handle_starttag(tag, attrs)
        if tag not in _VOID:
            self._end(tag)

    def handle_endtag(self, tag: str) -> None:
        if tag in _VOID or tag not in self.open:
            return
        while self.open[-1] != tag:  # the implied <tbody>, closed with its table
            self._end(self.open[-1])
        self._end(tag)

    def handle_data(self, data: str) -> None:
        if self.drop_newline and data.startswith("\n"):
            data = data[1:]
        self.drop_newline = False
        if data and self.open:
            self.tree.data(data)

    def _start(self, tag: str, attrs: dict[str, str]) -> None:
        self.tree.start(tag, attrs)
        self.open.append(tag)

    def _end(self, tag: str) -> None:
        self.tree.end(tag)
        self.open.pop()


def parse(html: str) -> Element:
    """The root ``<html>`` element of `html`, with tags unprefixed as WeasyPrint reads them."""
    builder = _Builder()
    builder.feed(html)
    builder.close()
    while builder.open:
        builder._end(builder.open[-1])
    return builder.tree.close()
