"""Persian number and date formatting for the Persian side of the reports."""

from __future__ import annotations

import datetime
import re

import jdatetime

_DIGITS = str.maketrans("0123456789", "۰۱۲۳۴۵۶۷۸۹")
# Persian uses the Arabic decimal separator (U+066B); only a dot *between digits* is one,
# so sentence-final dots and version strings like "v2." stay untouched.
_DECIMAL_POINT = re.compile(r"(?<=\d)\.(?=\d)")


def persian_digits(text: str) -> str:
    """Return ``text`` with ASCII digits as Persian digits and decimal points as '٫'."""
    return _DECIMAL_POINT.sub("٫", str(text)).translate(_DIGITS)


def jalali_date(d: datetime.date) -> str:
    """Format a Gregorian date as a Jalali date in Persian, e.g. '۴ آذر ۱۴۰۵'."""
    j = jdatetime.date.fromgregorian(date=d)
    return persian_digits(f"{j.day} {jdatetime.date.j_months_fa[j.month - 1]} {j.year}")


def fmt_points(x: float) -> str:
    """Format a score with at most two decimals and no trailing zeros ('8', '61.5', '0.33')."""
    text = f"{float(x):.2f}".rstrip("0").rstrip(".")
    return "0" if text == "-0" else text
