"""Bidirectional text for WeasyPrint: every text of a report is set by `set_text`.

WeasyPrint 70 parses ``unicode-bidi`` but never uses it: every inline box is shaped as its own
Pango layout whose base direction is the box's CSS ``direction``, and a line places its boxes in
logical order, reversed in a right-to-left box. Inside one box Pango runs the Unicode bidi
algorithm, which gets mixed text wrong in the ways a reader notices: the brackets of
``Conv2D(16, 3×3)`` or ``(3, 227, 227)`` resolve to the Persian side and swap, the minus of
``-1,327,104`` lands on the right, a sentence's full stop or a Persian quote inside English moves
to the other end of the line. So isolation means an inline box of its own with ``dir``:

- a paragraph takes the direction of its language (a label's Persian side right to left, its English
  side left to right), or, for a text of a student or a teaching assistant, that of most letters of
  its first line (`direction_of`, an ``dir="auto"`` that a leading English term does not fool);
- each embedded run of the opposite direction gets a ``<bdi dir>`` of its own, with the brackets and
  quotes it opens and closes; sentence punctuation stays with the paragraph. A Persian run inside
  English is itself set as a right-to-left paragraph, so a signed number inside it is isolated too;
- a short left-to-right run (code, a formula, a shape) never breaks inside; a long one breaks only
  at spaces outside its brackets;
- the text's own bidi control characters (RLO, LRI, PDI...) are dropped: they would reorder it.

Runs are found per line, so a combining mark stays with its letter (``x̂`` is one run, shaped by one
font) and nothing joins across a line break of preformatted text.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass

from markupsafe import Markup, escape

from grader.core.text import Text
from grader.untrusted import without_bidi_controls

RTL, LTR, AUTO = "rtl", "ltr", "auto"


def _chars(bidi_classes: tuple[str, ...], *blocks: tuple[int, int]) -> str:
    """The body of a regex character class: the characters of `blocks` in these Unicode bidi classes."""
    spans: list[list[int]] = []
    for first, last in blocks:
        for code in range(first, last + 1):
            if unicodedata.bidirectional(chr(code)) not in bidi_classes:
                continue
            if spans and spans[-1][1] == code - 1:
                spans[-1][1] = code
            else:
                spans.append([code, code])
    return "".join(re.escape(chr(a)) if a == b else f"{re.escape(chr(a))}-{re.escape(chr(b))}" for a, b in spans)


_RTL_BLOCKS = ((0x0590, 0x08FF), (0xFB1D, 0xFDFF), (0xFE70, 0xFEFF))  # Hebrew, Arabic, Syriac, Thaana...
_R = _chars(("R", "AL"), *_RTL_BLOCKS)  # strong right-to-left letters
# Combining marks go with the letter before them (Latin, Greek, Cyrillic, RTL and symbol marks).
_MARKS = "[" + _chars(("NSM",), (0x0300, 0x036F), (0x0483, 0x0489), *_RTL_BLOCKS, (0x1AB0, 0x1AFF),
                      (0x1DC0, 0x1DFF), (0x20D0, 0x20FF), (0xFE00, 0xFE2F)) + "]*"
_L = f"(?![{_R}])[^\\W\\d_]"  # a strong left-to-right character: a letter that is not right to left
_DIGIT = "0-9\u06f0-\u06f9\u0660-\u0669"
# What ends a left-to-right run inside Persian text: a Persian letter (with its marks), a Persian
# comma or a line break ("Flatten، Dense(5, softmax)" is two runs of a Persian list).
_NOT_LTR = re.compile(f"(?:[{_R}\u060c\n]{_MARKS})+")
_FIRST_STRONG = re.compile(f"[{_R}]|{_L}")
_LTR_LETTER = re.compile(_L)
_STRONG_R = re.compile(f"[{_R}]")
_LTR_CONTENT = re.compile(f"{_L}|[{_DIGIT}]")
# A bare Persian number (۱۴۰۵, ۱۲٫۵) already reads right inside Persian text.
_PERSIAN_NUMBER = re.compile(r"[\u06f0-\u06f9\u0660-\u0669\u066b\u066c]+")
# So does a word of Latin letters alone (Adam, SGD, MNIST) between Persian words: see `_bare_word`.
_BARE_WORD = re.compile(r"[A-Za-z]+")
_LETTER_OR_DIGIT = re.compile(f"[{_R}{_DIGIT}]|{_L}")
# A Persian run inside left-to-right text: from a Persian letter or digit to the last Persian
# letter or any digit (a number after Persian words belongs to them), with its combining marks.
_RTL_RUN = re.compile(f"[{_R}\u06f0-\u06f9\u0660-\u0669](?:(?:(?!{_L})[^\n])*[{_R}{_DIGIT}])?{_MARKS}")

_PAIRS = {"(": ")", "[": "]", "{": "}", "«": "»", "\u201c": "\u201d", "\u2018": "\u2019"}
_CLOSERS = {v: k for k, v in _PAIRS.items()}
_QUOTES = "\"'`"
_LEADING_PUNCT = ",;:!?"
_TRAILING_PUNCT = ".,;:!?…"
# A full stop or an ellipsis that leads into Latin letters or digits (".ipynb", ".5", "… 12 characters
# cut") belongs to the run; one before a space ends the Persian sentence before it.
_LEADING_DOTS = re.compile(r"\.[A-Za-z0-9]|…\s?[A-Za-z0-9]")
_SENTENCE_END = re.compile(r"[.!?؟]\s")
# "2." or "3)" between spaces numbers a list item of the Persian sentence: never part of a run.
_LIST_MARKER = re.compile(r"((?:^|(?<=\s))\d{1,2}[.)](?=\s))")

# A left-to-right run up to this long never breaks inside; a longer one breaks at spaces outside its brackets.
WHOLE_MAX = 40
# Runs isolated in one text at most: each is an inline box, and WeasyPrint's line layout slows
# down quadratically with the boxes of one paragraph (1,000 in an essay took 18 s); the runs
# past this many (only in contrived text) are left in the paragraph's flow.
MAX_ISOLATED = 200


@dataclass(frozen=True)
class Paragraph:
    """A text set for its block: the block's direction (``dir``), its script's class (``lang``:
    "fa" or "en", for fonts and alignment) and the escaped HTML with its runs isolated."""

    dir: str
    html: Markup

    @property
    def lang(self) -> str:
        return "fa" if self.dir == RTL else "en"

    def __html__(self) -> Markup:
        return self.html

    def __str__(self) -> str:
        return str(self.html)


def direction_of(text: str) -> str:
    """The direction of most letters of `text`'s first line, on a tie that of its first strong
    character (HTML's ``dir="auto"``), else left to right. Not the first strong character alone: a
    Persian answer often opens with an English term ("Dropout یک روش رگولاریزیشن است")."""
    line = text.lstrip().split("\n", 1)[0][:1000]
    rtl, ltr = len(_STRONG_R.findall(line)), len(_LTR_LETTER.findall(line))
    if rtl != ltr:
        return RTL if rtl > ltr else LTR
    first = _FIRST_STRONG.search(text)
    if first is None:
        return LTR
    return RTL if _STRONG_R.match(first.group()) else LTR


def set_text(text: object, direction: str = AUTO) -> Paragraph:
    """`text` (``str()`` of it; None is empty) escaped for a block of `direction` ("rtl", "ltr" or
    "auto": see `direction_of`), without bidi controls, each embedded opposite-direction run in a ``<bdi>``.

    ``set_text("لایهٔ Dense(5, softmax) است.", "rtl")`` isolates ``Dense(5, softmax)``;
    ``set_text('Reconstructed (part "ب").', "ltr")`` isolates ``ب``.
    """
    clean = without_bidi_controls("" if text is None else str(text))
    if direction == AUTO:
        direction = direction_of(clean)
    budget = [MAX_ISOLATED]
    html = _set_rtl(clean, budget) if direction == RTL else _set_ltr(clean, budget)
    return Paragraph(direction, html)


def sides(pair: Text, lang: str) -> list[Paragraph]:
    """The paragraphs of a bilingual text shown for `lang`, each in the direction of its language;
    a text the same on both sides (a name, a date) by `direction_of`."""
    out = []
    for text in pair.texts(lang):
        if pair.fa == pair.en:
            out.append(set_text(text))
        else:
            out.append(set_text(text, RTL if text == pair.fa else LTR))
    return out


def _box(direction: str, inner: Markup, whole: bool = False) -> Markup:
    cls = "ltr whole" if whole else "ltr" if direction == LTR else "fa"
    return Markup('<bdi dir="%s" class="%s">%s</bdi>') % (direction, cls, inner)


# --- left-to-right runs inside right-to-left text ------------------------------------------------

def _set_rtl(text: str, budget: list[int]) -> Markup:
    """Right-to-left `text` with its left-to-right runs isolated; list markers stay in the flow."""
    out: list[Markup] = []
    pos = 0
    for marker in _list_markers(text):
        out += [_isolate_ltr(text[pos:marker.start()], budget), escape(marker.group())]
        pos = marker.end()
    out.append(_isolate_ltr(text[pos:], budget))
    return Markup("").join(out)


def _list_markers(text: str) -> list[re.Match[str]]:
    """The list markers of `text`; "28)" that closes an open bracket, as in "(N, 1, 28, 28)",
    ends a tuple, it numbers nothing."""
    found = []
    for m in _LIST_MARKER.finditer(text):
        before = text[:m.start()]
        if not (m.group().endswith(")") and before.count("(") > before.count(")")):
            found.append(m)
    return found


def _isolate_ltr(text: str, budget: list[int]) -> Markup:
    out: list[Markup] = []
    pos = 0
    for gap in _gaps(text, _NOT_LTR):
        if budget[0] <= 0:
            break
        a, b = _trimmed(text, *gap)
        body = text[a:b]
        if not _LTR_CONTENT.search(body) or _PERSIAN_NUMBER.fullmatch(body) or _bare_word(text, a, b):
            continue
        whole = len(body) <= WHOLE_MAX
        out += [escape(text[pos:a]), _box(LTR, escape(body if whole else _bracket_spaces_kept(body)), whole)]
        pos = b
        budget[0] -= 1
    out.append(escape(text[pos:]))
    return Markup("").join(out)


def _bare_word(text: str, start: int, end: int) -> bool:
    """Whether ``text[start:end]`` reads right without a box of its own: a word of Latin letters whose
    nearest letter or digit on each side, inside `text`, is a Persian letter. Its letters are strongly
    left to right, and the punctuation between it and a Persian letter resolves to the paragraph's
    direction, as beside a box, so the bidi algorithm orders the line as with the box. Not beside
    another Latin word or a digit, which would join it into one left-to-right run ("Flatten، Dense"
    would swap, "Adam، ۱۲" would pull the number in), nor at either end of `text` (the template may set
    something after it). It has no space to break at, and the Persian face has no Latin letters, so it
    is set in the face its box gives it (Noto Sans). Each box left out saves layout time (hw3 s02: ~50)."""
    if not _BARE_WORD.fullmatch(text, start, end):
        return False
    after = _LETTER_OR_DIGIT.search(text, end)
    before = next((text[i] for i in range(start - 1, -1, -1) if _LETTER_OR_DIGIT.match(text[i])), None)
    return after is not None and before is not None and all(
        _STRONG_R.match(c) for c in (after.group(), before))


def _gaps(text: str, separators: re.Pattern[str]) -> list[tuple[int, int]]:
    """The (start, end) spans of `text` between matches of `separators`."""
    spans, pos = [], 0
    for m in separators.finditer(text):
        if m.start() > pos:
            spans.append((pos, m.start()))
        pos = m.end()
    if pos < len(text):
        spans.append((pos, len(text)))
    return spans


def _unbalanced(body: str, char: str) -> bool:
    """A bracket without its partner inside `body` (or an odd quote) belongs outside it."""
    if char in _PAIRS:
        return body.count(char) > body.count(_PAIRS[char])
    if char in _CLOSERS:
        return body.count(char) > body.count(_CLOSERS[char])
    return char in _QUOTES and body.count(char) % 2 == 1


def _trimmed(text: str, start: int, end: int) -> tuple[int, int]:
    """Bounds of ``text[start:end]`` without the spaces, sentence punctuation and unbalanced
    brackets or quotes that belong to the surrounding paragraph."""
    while start < end:
        first, last, body = text[start], text[end - 1], text[start:end]
        if first.isspace() or first in _LEADING_PUNCT or _unbalanced(body, first) or (
                first in ".…" and not _LEADING_DOTS.match(body)):
            start += 1
        elif last.isspace() or last in _TRAILING_PUNCT or _unbalanced(body, last):
            end -= 1
        else:
            break
    return start, end


def _bracket_spaces_kept(body: str) -> str:
    """`body` with its spaces inside brackets made no-break, so a long run breaks between its
    parts, never inside a call or a tuple."""
    out, depth = [], 0
    for char in body:
        depth += (char in _PAIRS) - (char in _CLOSERS and depth > 0)
        out.append("\u00a0" if char == " " and depth > 0 else char)
    return "".join(out)


# --- right-to-left runs inside left-to-right text ------------------------------------------------

def _set_ltr(text: str, budget: list[int]) -> Markup:
    """Left-to-right `text` with its Persian runs isolated, each set as right-to-left text."""
    out: list[Markup] = []
    pos = 0
    for a, b in _persian_clauses(text):
        if budget[0] <= 0:
            break
        budget[0] -= 1
        out += [escape(text[pos:a]), _box(RTL, _set_rtl(text[a:b], budget))]
        pos = b
    out.append(escape(text[pos:]))
    return Markup("").join(out)


def _persian_clauses(text: str) -> list[tuple[int, int]]:
    """The spans of the Persian runs of `text`, a run joined to the next one across a single term
    (``x̂``, ``1e-5``, ``Dense(5, softmax)``): a Persian comment on an English line reads as one
    clause. Not across two words, a sentence's end, or quotes or brackets closed and opened again
    (``«الف» or «ب»`` are two quoted runs of the English sentence)."""
    spans: list[tuple[int, int]] = []
    for m in _RTL_RUN.finditer(text):
        if not _STRONG_R.search(m.group()):  # Persian digits alone read the same either way
            continue
        if spans and _one_term(text[spans[-1][1]:m.start()]):
            spans[-1] = (spans[-1][0], m.end())
        else:
            spans.append(m.span())
    return spans


def _one_term(gap: str) -> bool:
    """Whether `gap`, between two Persian runs, is a single term of the Persian clause."""
    body = gap.strip()
    if not body or _SENTENCE_END.search(gap) or body[0] in _CLOSERS or body[-1] in _PAIRS or body[0] in _QUOTES:
        return False
    words, depth = 0, 0
    for token in body.split(" "):
        if depth == 0 and _LTR_CONTENT.search(token):
            words += 1
        depth = max(0, depth + sum(c in _PAIRS for c in token) - sum(c in _CLOSERS for c in token))
    return words == 1
