"""Bidi isolation of left-to-right runs inside Persian text, for WeasyPrint.

WeasyPrint 70 parses ``unicode-bidi`` but never uses it: every inline box is shaped as
its own Pango layout whose base direction is the box's CSS ``direction``, and an RTL
line just reverses the order of its boxes. A Latin/numeric run left inside Persian text
is therefore laid out right-to-left (``-1,327,104`` shows its minus on the right,
``lr = 0.1`` and ``(3, 227, 227)`` are scrambled). Putting each such run in its own
inline box with ``direction: ltr`` (``<bdi dir="ltr">``) makes Pango lay it out
left-to-right, and WeasyPrint places that box as a unit within the RTL line.
"""

from __future__ import annotations

import re

from markupsafe import Markup, escape

# Characters that may belong to a left-to-right run: printable ASCII, Latin-1/Latin
# Extended letters, Greek (α, β), Persian/Arabic digits and separators, common math signs,
# and an ellipsis that leads into Latin letters or digits ("… 12 characters cut" stays whole).
# A candidate run is kept only if it holds a letter or a digit.
_RUN = re.compile(
    r"(?:[\x20-\x7e\u00b0-\u024f\u0370-\u03ff\u0660-\u0669\u066a-\u066c\u06f0-\u06f9"
    r"\u2013\u2022\u2190-\u21ff\u2200-\u23ff]|\u2026(?=\s?[A-Za-z0-9]))+"
)
_STRONG = re.compile(r"[A-Za-z0-9\u00c0-\u024f\u0370-\u03ff\u0660-\u0669\u06f0-\u06f9]")
# A bare Persian number (۱۴۰۵, ۱۲٫۵) already reads correctly inside Persian text.
_PERSIAN_NUMBER = re.compile(r"[\u06f0-\u06f9\u0660-\u0669\u066b\u066c]+")
_CLOSERS = {")": "(", "]": "[", "}": "{"}
_OPENERS = {v: k for k, v in _CLOSERS.items()}
_QUOTES = "\"'`"


def _unbalanced(body: str, char: str) -> bool:
    """A bracket without its partner inside ``body`` (or an odd quote) belongs outside it."""
    partner = _OPENERS.get(char) or _CLOSERS.get(char)
    if partner is None:
        return char in _QUOTES and body.count(char) % 2 == 1
    return body.count(char) > body.count(partner)


def _trim(run: str) -> tuple[int, int]:
    """Bounds of ``run`` without the spaces, sentence punctuation and unbalanced
    brackets/quotes that belong to the surrounding Persian sentence."""
    start, end = 0, len(run)
    while start < end:
        first, last, body = run[start], run[end - 1], run[start:end]
        if first.isspace() or first in ",;:!?" or _unbalanced(body, first):
            start += 1
        elif last.isspace() or last in ".,;:!?" or _unbalanced(body, last):
            end -= 1
        else:
            break
    return start, end


# "2." or "3)" between spaces numbers a list item of the Persian sentence: never part of an LTR run.
_LIST_MARKER = re.compile(r"((?:^|(?<=\s))\d{1,2}[.)](?=\s))")


def _split_list_markers(text: str) -> list[str]:
    """``text`` split around its list markers (at odd positions); "28)" that closes an open
    bracket, as in "(N, 1, 28, 28)", ends a tuple, it numbers nothing."""
    parts, pos = [], 0
    for m in _LIST_MARKER.finditer(text):
        before = text[:m.start()]
        if m.group().endswith(")") and before.count("(") > before.count(")"):
            continue
        parts += [text[pos:m.start()], m.group()]
        pos = m.end()
    return parts + [text[pos:]]


# Runs isolated in one text at most: each is an inline box, and WeasyPrint's line layout slows
# down quadratically with the boxes of one paragraph (1,000 in an essay took 18 s); the runs
# past this many (only in contrived text) are left in the Persian flow.
MAX_ISOLATED = 200


def isolate_ltr(text: str | None) -> Markup:
    """Escape ``text`` and wrap each embedded Latin/number/code run in ``<bdi dir="ltr">``.

    Example: ``"لایهٔ Conv1D با lr = 0.1"`` keeps the Persian words as they are and
    isolates ``Conv1D`` and ``lr = 0.1``; a negative number keeps its sign on the left.
    """
    if not text:
        return Markup("")
    budget = [MAX_ISOLATED]
    parts = _split_list_markers(text)
    return Markup("").join(escape(p) if i % 2 else _isolate(p, budget) for i, p in enumerate(parts))


def _isolate(text: str, budget: list[int]) -> Markup:
    """`isolate_ltr` of a text without list markers, isolating at most ``budget[0]`` runs (and
    taking them off it)."""
    out: list[str] = []
    pos = 0
    for match in _RUN.finditer(text):
        if budget[0] <= 0:
            break
        run = match.group()
        start, end = _trim(run)
        body = run[start:end]
        if not _STRONG.search(body) or _PERSIAN_NUMBER.fullmatch(body):
            continue
        a, b = match.start() + start, match.start() + end
        out.append(escape(text[pos:a]))
        out.append(Markup('<bdi dir="ltr" class="ltr">%s</bdi>') % text[a:b])
        pos = b
        budget[0] -= 1
    out.append(escape(text[pos:]))
    return Markup("").join(out)
