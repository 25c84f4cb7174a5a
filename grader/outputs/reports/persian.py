"""Persian number and date formatting for the Persian side of the reports."""

from __future__ import annotations

import datetime

import jdatetime

from grader.core.text import persian_digits

from .numbers import points


def jalali_date(d: datetime.date) -> str:
    """Format a Gregorian date as a Jalali date in Persian, e.g. '۴ آذر ۱۴۰۵'."""
    j = jdatetime.date.fromgregorian(date=d)
    return persian_digits(f"{j.day} {jdatetime.date.j_months_fa[j.month - 1]} {j.year}")


def fmt_points(x: float) -> str:
    """Format a score with at most two decimals and no trailing zeros ('8', '61.5', '0.33')."""
    return points(x)
