"""Turning what a student handed in (list, tensor, DataFrame, dict, text, ...) into comparable data.

Students give right answers in many shapes; the checks compare meaning, not type. The student
controls every value, so a reader raises nothing but `Unreadable`, with a bilingual explanation
of what it could not use: nan, infinities, numbers too large for a float, truth values where
numbers belong, fractions where a whole number belongs, objects that never became data.

Numbers written as text are read by one function, `read_number`, wherever text stands for a
number (answers, shapes, table keys, truth values): Persian and Arabic-Indic digits and
separators, and the direction marks editors slip into mixed Persian/English text, are the same
number as their ASCII spelling; only spellings with two readings (2,5) are refused.
"""
import itertools
import math
import re
from typing import Any

import numpy as np

from grader.core.errors import GraderError
from grader.kernel.wire import BigInt, Frame, Opaque
from grader.core.text import persian_digits
from grader.outputs.reports.numbers import array_text
from grader.untrusted import DIGITS, INVISIBLE

MAX_NESTING = 32  # deeper lists are no array an assignment asks for (and would exhaust recursion)

_ASCII = {**DIGITS, **str.maketrans({"\u2212": "-", "\u066b": ".", "\u066c": ","})}  # minus sign, Arabic ٫ and ٬
_LETTERS = str.maketrans({"\u064a": "\u06cc", "\u0649": "\u06cc", "\u0643": "\u06a9"})  # Arabic ي ى ك as Persian
_NUMBER = re.compile(r"[+-]?(?:\d+\.?\d*|\.\d+)(?:[eE][+-]?\d+)?", re.ASCII)
_GROUPED = re.compile(r"[+-]?\d{1,3}(?:,\d{3})+(?:\.\d*)?(?:[eE][+-]?\d+)?", re.ASCII)
_SHAPE_SPLIT = re.compile(r"[\s,\u060cxX×*()\[\]]+")  # the Arabic ٬ is a thousands separator, not one


class Unreadable(GraderError, ValueError):
    """A student's value a reader cannot use, with the reason in Persian and English."""

    def __init__(self, fa: str, en: str):
        super().__init__(en)
        self.fa, self.en = fa, en


def plain(text: str) -> str:
    """`text` without invisible marks or surrounding space, with ASCII digits, minus and separators."""
    return text.translate(INVISIBLE).translate(_ASCII).strip()


def fold(text: Any) -> str:
    """Letters and digits only, lower case, for comparing names; Persian letters are kept."""
    return re.sub(r"[\W_]", "", plain(str(text)).translate(_LETTERS).lower())


def _quote(text: str) -> str:
    return repr(text[:40] + ("…" if len(text) > 40 else ""))


def _digits(n: int) -> int:
    """How many decimal digits `n` has, without str() (slow for huge ints, and refused past 4300 digits)."""
    n = abs(n)
    d = int(n.bit_length() * math.log10(2)) + 1  # the true count, or one more
    return d - 1 if n < 10 ** (d - 1) else d


def _too_large(digits: int) -> Unreadable:
    return Unreadable(persian_digits(f"عدد بسیار بزرگی ({digits} رقمی) آمده است که به کار نمی‌آید"),
                      f"the number is too large to use (a {digits}-digit number)")


def _not_a_value(value: Opaque) -> Unreadable:
    name = value.type[:60]
    return Unreadable(f"شیئی از نوع {name} آمده است، نه یک مقدار", f"an object of type {name}, not a value")


def describe(value: Any) -> str:
    if isinstance(value, Opaque):
        return f"an object of type {value.type[:60]}"
    if isinstance(value, BigInt):
        return f"a {value.digits}-digit number"
    if isinstance(value, np.ndarray):
        return f"an array of shape {tuple(value.shape)}"
    if isinstance(value, Frame):
        return "a DataFrame"
    if isinstance(value, str):
        return f"the text {_quote(value)}"
    if value is None or isinstance(value, bool):
        return repr(value)
    if isinstance(value, bytes):
        return "bytes"
    name = type(value).__name__
    return f"{'an' if name[:1].lower() in 'aeiou' else 'a'} {name}"


def _refused(value: Any, fa_what: str, en_what: str) -> Unreadable:
    if isinstance(value, Opaque):
        return _not_a_value(value)
    return Unreadable(f"پاسخ {fa_what} نیست", f"expected {en_what}, found {describe(value)}")


def read_number(text: str) -> float:
    """A finite number from text, in any unambiguous spelling: '1,568', '۱٬۵۶۸', '۲٫۵', '−3', '+1e-4'.

    A comma is a thousands separator only where it groups three digits; '2,5' could be 2.5 or 25.
    """
    s = plain(text)
    if "," in s:
        if _GROUPED.fullmatch(s):
            s = s.replace(",", "")
        elif _NUMBER.fullmatch(s.replace(",", "")):
            raise Unreadable(f"«{text[:40]}» دو خوانش دارد: ویرگول فقط هزارگان را جدا می‌کند (۱,۵۶۸)؛ "
                             "ممیز را با نقطه یا «٫» بنویسید (2.5 یا ۲٫۵)",
                             f"{_quote(text)} is ambiguous: a comma only separates thousands (as in 1,568); "
                             "write a decimal point as 2.5 or ۲٫۵")
    if not _NUMBER.fullmatch(s):
        raise Unreadable(f"متن «{text[:40]}» عدد نیست", f"the text {_quote(text)} is not a number")
    x = float(s)
    if math.isinf(x):
        raise Unreadable(f"عدد «{text[:40]}» بسیار بزرگ است و به کار نمی‌آید",
                         f"the number {_quote(text)} is too large to use")
    return x


def _scalar(value: Any) -> float:
    """One finite real number from a number or text; a one-element list or array is not one."""
    if isinstance(value, np.generic):
        value = value.item()
    if isinstance(value, bool):
        raise Unreadable("مقدار درست/نادرست (True/False) به جای عدد آمده است",
                         f"a truth value ({value}) where a number was expected")
    if isinstance(value, BigInt):
        raise _too_large(value.digits)
    if isinstance(value, int):
        try:
            x = float(value)
        except OverflowError:
            raise _too_large(_digits(value)) from None
    elif isinstance(value, float):
        x = value
    elif isinstance(value, str):
        return read_number(value)
    elif isinstance(value, complex):
        raise Unreadable("عدد مختلط به جای عدد حقیقی آمده است", "a complex number where a real number was expected")
    else:
        raise _refused(value, "عدد", "a number")
    if math.isnan(x):
        raise Unreadable("مقدار nan (عدد نامعین) به جای عدد آمده است", "nan (not a number) where a number was expected")
    if math.isinf(x):
        raise Unreadable("مقدار بی‌نهایت به جای عدد آمده است", f"an infinite value ({x}) where a number was expected")
    return x


def as_number(value: Any) -> float:
    """A finite number from an int, float, numeric text, or any one-element array or list."""
    if isinstance(value, (list, tuple, np.ndarray)):
        arr = as_array(value)
        if arr.size != 1:
            raise Unreadable(persian_digits(f"به جای یک عدد، آرایه‌ای با شکل {arr.shape} آمده است"),
                             f"expected one number, found an array of shape {arr.shape}")
        value = arr.item()
    return _scalar(value)


def _whole(x: float) -> int:
    if not x.is_integer():
        raise Unreadable(persian_digits(f"{x:g} عدد صحیح نیست؛ اندازه‌های شکل عدد صحیح‌اند"),
                         f"{x:g} is not a whole number; a shape's sizes are whole numbers")
    return int(x)


def _numeric_array(value: np.ndarray) -> np.ndarray:
    if value.dtype.kind == "b":
        raise Unreadable("آرایه‌ای از مقدارهای درست/نادرست (True/False) به جای عدد آمده است",
                         "an array of truth values (True/False) where numbers were expected")
    if value.dtype.kind not in "iuf":
        raise Unreadable("آرایه عددی نیست", f"the array's dtype {value.dtype} is not numeric")
    return value.astype(np.float64)


def _collect(value: Any, out: list[float], depth: int) -> tuple[int, ...]:
    """Append the numbers of a nested list to `out`, row by row; return its shape."""
    if isinstance(value, np.ndarray):
        arr = _numeric_array(value)
        out.extend(arr.reshape(-1).tolist())
        return arr.shape
    if isinstance(value, (list, tuple)):
        if depth >= MAX_NESTING:
            raise Unreadable("فهرست بیش از اندازه تودرتو است", "the list is nested too deeply to be an array")
        shapes = {_collect(v, out, depth + 1) for v in value}
        if len(shapes) > 1:
            raise Unreadable("فهرست، شکل آرایه‌ای منظم ندارد",
                             "the list is not a regular (rectangular) array of numbers")
        return (len(value), *next(iter(shapes), ()))
    if isinstance(value, np.generic):
        value = value.item()
    if isinstance(value, bool):
        raise Unreadable("آرایه‌ای از مقدارهای درست/نادرست (True/False) به جای عدد آمده است",
                         "an array of truth values (True/False) where numbers were expected")
    if isinstance(value, BigInt):
        raise _too_large(value.digits)
    if isinstance(value, int):
        try:
            out.append(float(value))
        except OverflowError:
            raise _too_large(_digits(value)) from None
    elif isinstance(value, float):
        out.append(value)  # nan and inf stay: an array comparison says which values differ
    else:
        raise _refused(value, "آرایه عددی", "an array of numbers")
    return ()


def as_array(value: Any) -> np.ndarray:
    """A float array from an ndarray, a (nested) list or tuple of numbers, or a number."""
    if isinstance(value, np.ndarray):
        return _numeric_array(value)
    out: list[float] = []
    shape = _collect(value, out, 0)
    return np.array(out, dtype=np.float64).reshape(shape)


def as_mapping(value: Any, keys: list[str]) -> dict[str, Any]:
    """A dict with the expected keys; a list in the same order is accepted too."""
    if isinstance(value, dict):
        return value
    if isinstance(value, (list, tuple)) and len(value) == len(keys):
        return dict(zip(keys, value))
    if isinstance(value, Opaque):
        raise _not_a_value(value)
    raise Unreadable("پاسخ باید یک دیکشنری با کلیدهای " + "، ".join(keys) + " باشد",
                     f"expected a dict with keys {', '.join(keys)}, found {describe(value)}")


def _row(row: Any, names: list[str]) -> dict[str, Any]:
    """One row as {column: value}; a row that is no dict or list is empty, costing its cells only."""
    if isinstance(row, dict):
        return row
    if isinstance(row, (list, tuple)):
        return dict(zip(names, row))
    return {}


def as_rows(value: Any, columns: list[str], key: str | None) -> list[dict[str, Any]]:
    """Table rows as dicts from a DataFrame, list of dicts/lists, or dict of columns/rows."""
    if isinstance(value, Frame) and isinstance(value.rows, list) and isinstance(value.columns, list):
        rows = [_row(r, value.columns) for r in value.rows]
    elif isinstance(value, (list, tuple)) and (not value or any(isinstance(r, (dict, list, tuple)) for r in value)):
        first = value[0] if value else None
        header = isinstance(first, (list, tuple)) and all(isinstance(c, str) for c in first) and \
            [fold(c) for c in first] == [fold(c) for c in columns]
        rows = [_row(r, columns) for r in value[int(header):]]
    elif isinstance(value, dict):
        names = {fold(k) for k in value}
        lists = [v for v in value.values() if isinstance(v, (list, tuple))]
        if lists and all(fold(c) in names for c in columns if c != key):  # a dict of columns
            rows = [{c: v[i] if isinstance(v, (list, tuple)) and i < len(v) else None for c, v in value.items()}
                    for i in range(max(map(len, lists)))]
        elif key is not None:  # {row_key: {column: value}}, {row_key: [values...]} or {row_key: value}
            others = [c for c in columns if c != key]
            rows = [{key: k, **_row(row if isinstance(row, (dict, list, tuple)) else [row], others)}
                    for k, row in value.items()]
        else:
            raise _no_table(value)
    else:
        raise _no_table(value)
    if not rows:
        raise Unreadable("جدول خالی است", "the table is empty")
    return rows


def _no_table(value: Any) -> Unreadable:
    if isinstance(value, Opaque):
        return _not_a_value(value)
    return Unreadable("پاسخ به شکل جدول خوانده نشد (دیتافریم، فهرست سطرها یا دیکشنری ستون‌ها)",
                      f"could not read a table (DataFrame, list of rows or dict of columns) from {describe(value)}")


def as_shape(value: Any) -> tuple[int, ...]:
    """A shape from a list/tuple/array, or text like '(96, 55, 55)', '96x55x55' or '(۹۶، ۵۵، ۵۵)'.

    Sizes are whole numbers: 13.0 and '13' are 13, 13.5 is refused rather than cut to 13.
    A batch axis written as None (Keras prints `(None, 24, 24, 64)`) is left out.
    """
    if isinstance(value, str):
        parts = [p for p in _SHAPE_SPLIT.split(value.translate(INVISIBLE)) if p and p != "None"]
        return tuple(_whole(read_number(p)) for p in parts)
    if isinstance(value, (list, tuple)):
        value = [v for v in value if v is not None]
        if not any(isinstance(v, (list, tuple, np.ndarray)) for v in value):
            return tuple(_whole(_scalar(v)) for v in value)
    if isinstance(value, (list, tuple, np.ndarray)):
        return tuple(_whole(_scalar(v)) for v in as_array(value).reshape(-1).tolist())
    if isinstance(value, (int, float, complex, np.generic, BigInt)):
        return (_whole(_scalar(value)),)
    raise _refused(value, "شکل", "a shape (a list of sizes)")


def _bounded(parts: Any, sep: str, limit: int) -> str:
    """Join `parts` (an iterator of strings) until the text passes `limit`; the rest is never made."""
    text, n = [], 0
    for part in parts:
        text.append(part)
        n += len(part) + len(sep)
        if n > limit:
            break
    return sep.join(text)


def fmt(value: Any, limit: int = 600) -> str:
    """A compact, readable rendering of an expected or found value for the report.

    It never raises, and its cost is bounded by `limit`, not by the size of the value.
    """
    text = _fmt(value, limit, 0)
    return text if len(text) <= limit else text[:limit] + " …"


def _fmt(value: Any, limit: int, depth: int) -> str:
    if depth > MAX_NESTING:
        return "…"
    if isinstance(value, np.generic):
        value = value.item()
    if isinstance(value, BigInt):
        return f"a {'negative ' if value.negative else ''}{value.digits}-digit number"
    if value is None or isinstance(value, (bool, Opaque)):
        return repr(value)
    if isinstance(value, int):
        # repr of a long int costs quadratic time, and Python refuses it past 4300 digits
        return repr(value) if value.bit_length() <= 1024 else f"a {_digits(value)}-digit number"
    if isinstance(value, float):  # a whole float (a count computed in floats) is no '5.85223e+06'
        return str(int(value)) if value.is_integer() and 0 < abs(value) < 1e15 else f"{value:.6g}"
    if isinstance(value, (str, bytes)):
        return repr(value[:limit])
    if isinstance(value, np.ndarray):
        return array_text(value)
    if isinstance(value, dict):
        return _bounded((f"{k[:limit] if isinstance(k, str) else _fmt(k, limit, depth + 1)}: "
                         f"{_fmt(v, limit, depth + 1)}" for k, v in value.items()), "\n", limit)
    if isinstance(value, Frame):
        header = " | ".join(map(str, value.columns)) if isinstance(value.columns, list) else ""
        rows = value.rows if isinstance(value.rows, list) else []
        lines = (_bounded((_fmt(c, limit, depth + 1) for c in r), " | ", limit) if isinstance(r, list)
                 else _fmt(r, limit, depth + 1) for r in rows)
        return _bounded(itertools.chain([header], lines), "\n", limit)
    if isinstance(value, (list, tuple)):
        if value and not all(isinstance(v, int) for v in value) and \
                all(isinstance(v, (float, int, list)) and not isinstance(v, bool) for v in value):
            try:
                return _fmt(as_array(value), limit, depth + 1)
            except Unreadable:
                pass
        items = _bounded((_fmt(v, limit, depth + 1) for v in value), ", ", limit)
        return f"({items}{',' if len(value) == 1 else ''})" if isinstance(value, tuple) else f"[{items}]"
    return f"<{describe(value)}>"
