"""WeasyPrint's HTML user-agent stylesheet without the rules the reports never use.

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

import weasyprint.css
from weasyprint import CSS, HTML
from weasyprint.html import UA_COUNTER_STYLE

_NOTE_RULES = re.compile(r"^::(?:footnote|note)-[a-z-]+ \{[^}]*\}\n", re.MULTILINE)
_MARKER_RULE = re.compile(r"^::marker \{", re.MULTILINE)


def light_ua_css() -> str:
    """The text of the lighter user-agent stylesheet."""
    text = (files(weasyprint.css) / "html5_ua.css").read_text("utf-8")
    text, notes = _NOTE_RULES.subn("", text)
    text, markers = _MARKER_RULE.subn("li::marker {", text)
    if (notes, markers) != (5, 1):
        raise RuntimeError(f"WeasyPrint's html5_ua.css changed ({notes} note rules, "
                           f"{markers} ::marker rules); update grader/reports/user_agent.py")
    return text


@functools.cache
def _light_ua_sheet() -> CSS:
    return CSS(string=light_ua_css(), counter_style=UA_COUNTER_STYLE)


class ReportHTML(HTML):
    """An HTML document cascaded with the lighter user-agent stylesheet."""

    def _ua_stylesheets(self, forms: bool = False) -> list[CSS]:
        return [_light_ua_sheet()]
