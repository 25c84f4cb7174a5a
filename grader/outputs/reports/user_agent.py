"""The reports' HTML documents: a faster parser and WeasyPrint's user-agent stylesheet without
the rules the reports never use.

WeasyPrint's sheet gives *every* element the pseudo-elements ``::marker``,
``::footnote-call``, ``::footnote-marker``, ``::note-call``, ``::note-marker`` and
``::note-callback``; computing their styles was about 60% of the cascade of a report's
~4,000 elements. The reports have no footnotes or notes and no list items but ``<li>``,
so those rules are dropped and ``::marker`` is scoped to ``li``. Everything else is
WeasyPrint's own sheet, read from the installed (pinned) package.
"""

from __future__ import annotations

import functools
import re
from importlib.resources import files

import cssselect2
import weasyprint.css
from weasyprint import CSS, HTML
from weasyprint.html import UA_COUNTER_STYLE
from weasyprint.urls import URLFetcher

from .html_tree import parse

_NOTE_RULES = re.compile(r"^::(?:footnote|note)-[a-z-]+ \{[^}]*\}\n", re.MULTILINE)
_MARKER_RULE = re.compile(r"^::marker \{", re.MULTILINE)


def light_ua_css() -> str:
    """The text of the lighter user-agent stylesheet."""
    text = (files(weasyprint.css) / "html5_ua.css").read_text("utf-8")
    text, notes = _NOTE_RULES.subn("", text)
    text, markers = _MARKER_RULE.subn("li::marker {", text)
    if (notes, markers) != (5, 1):
        raise RuntimeError(f"WeasyPrint's html5_ua.css changed ({notes} note rules, "
                           f"{markers} ::marker rules); update grader/outputs/reports/user_agent.py")
    return text


@functools.cache
def _light_ua_sheet() -> CSS:
    return CSS(string=light_ua_css(), counter_style=UA_COUNTER_STYLE)


class ReportHTML(HTML):
    """An HTML document parsed by the standard library (`html_tree`) and cascaded with the
    lighter user-agent stylesheet. Sets what ``HTML.__init__`` of the pinned WeasyPrint sets."""

    def __init__(self, string: str, base_url: str | None = None) -> None:
        self.base_url = base_url
        self.url_fetcher = URLFetcher()
        self.media_type = "print"
        self.wrapper_element = cssselect2.ElementWrapper.from_html_root(parse(string), content_language=None)
        self.etree_element = self.wrapper_element.etree_element

    def _ua_stylesheets(self, forms: bool = False) -> list[CSS]:
        return [_light_ua_sheet()]
