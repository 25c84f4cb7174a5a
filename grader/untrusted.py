"""Student-controlled text made harmless where the grader shows or exports it.

A student chooses their folder and file names, the question tags in their notebook, their essay
answers and, where the roster travels with the submissions, their roster row. Identifiers are
cleaned once, at intake (`identifier`); spreadsheet cells are neutralised by every writer of a
CSV (`csv_text`) or XLSX (`xlsx_row`) file, so a cell a teaching assistant opens is never a formula.
"""
import re
from typing import Any
from collections.abc import Iterable

# Bidi_Control: embeddings, overrides, isolates and the LRM/RLM/ALM marks. Each reorders the text
# after it, so an id could make the grader's own sentence around it read backwards. ZWNJ (U+200C)
# and ZWJ (U+200D) are not among them: Persian names need ZWNJ.
_BIDI = "\u061c\u200e\u200f\u202a-\u202e\u2066-\u2069"
# Marks that steer direction or joining, and the byte-order mark: invisible, so text typed or copied with
# them means the same without them (for str.translate; ZWNJ included: dropped only where text is compared).
INVISIBLE = dict.fromkeys(map(ord, "\u200b\u200c\u200d\ufeff\u061c\u200e\u200f"
                                   "\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069"))
# Persian ۰-۹ and Arabic-Indic ٠-٩ digits as ASCII ones (for str.translate).
DIGITS = str.maketrans({**{chr(0x06F0 + d): str(d) for d in range(10)}, **{chr(0x0660 + d): str(d) for d in range(10)}})
# Line breaks and tabs become a space, so a two-line name stays readable and no id spans two lines
# (a second line of a CI log could start with a GitHub Actions "::" command).
_BREAKS = re.compile("[\t\n\v\f\r\x1c-\x1f\x85\u2028\u2029]+")
# The other C0 controls (ESC starts a terminal escape sequence), DEL and C1.
_DROPPED = re.compile(f"[\x00-\x1f\x7f-\x9f{_BIDI}]")


_BIDI_CONTROLS = re.compile(f"[{_BIDI}]")


def without_bidi_controls(text: str) -> str:
    """`text` without its Bidi_Control characters (ZWNJ and ZWJ kept), which would reorder it."""
    return _BIDI_CONTROLS.sub("", text)


def identifier(text: str) -> str:
    """`text` (a student id, a name, a question tag) without control or bidi formatting characters."""
    return _DROPPED.sub("", _BREAKS.sub(" ", text))


# What a spreadsheet reads as the start of a formula (the OWASP CSV-injection rule: = + - @, and a
# leading tab or CR), also behind blanks (an import may trim them) or apostrophes (see `csv_text`).
_FORMULA = re.compile(r"'*(?:[\t\r]|\s*[=+\-@])")


def formula_like(text: str) -> bool:
    """Whether a spreadsheet could take `text` for a formula."""
    return _FORMULA.match(text) is not None


def csv_text(text: str) -> str:
    """A CSV field that a spreadsheet shows as text: formula-like text gets a leading apostrophe.

    Text that would already read as formula-like after dropping its leading apostrophes gets one
    more too, so `csv_plain` can undo exactly what was added ("'=x" is written "''=x")."""
    return f"'{text}" if formula_like(text) else text


def csv_plain(field: str) -> str:
    """The text `csv_text` was given; a field whose apostrophe an editor dropped reads the same."""
    return field[1:] if field.startswith("'") and formula_like(field[1:]) else field


# Characters that XLSX cannot hold at all (openpyxl refuses the whole workbook over one of them).
_NOT_IN_XLSX = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f]")


def xlsx_storable(text: str) -> str:
    """`text` as an XLSX cell holds it: characters XLSX cannot store become U+FFFD."""
    return _NOT_IN_XLSX.sub("\ufffd", text)


def xlsx_row(ws: Any, values: Iterable[Any]) -> None:
    """Append a row to an openpyxl worksheet with every `str` as a text cell, never a formula.

    openpyxl makes a formula of any string starting with "=" (and an error value of "#N/A");
    the type is set back to text, and formula-like text also gets Excel's quote prefix, so
    editing the cell in Excel keeps it text. Numbers stay numeric cells."""
    values = [xlsx_storable(v) if isinstance(v, str) else v for v in values]
    ws.append(values)
    row = ws.max_row
    for column, value in enumerate(values, start=1):
        if isinstance(value, str):
            cell = ws.cell(row=row, column=column)
            cell.data_type = "s"
            if formula_like(value):
                cell.quotePrefix = True
