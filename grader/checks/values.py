"""Turning what a student handed in (list, tensor, DataFrame, dict, ...) into comparable data.

Students give right answers in many shapes; the checks compare meaning, not type. Whatever
cannot be read raises `Unreadable` with a bilingual explanation.
"""
import re
from typing import Any

import numpy as np

from grader.kernel.wire import Frame, Opaque


class Unreadable(ValueError):
    def __init__(self, fa: str, en: str):
        super().__init__(en)
        self.fa, self.en = fa, en


def describe(value: Any) -> str:
    if isinstance(value, Opaque):
        return f"an object of type {value.type}"
    if isinstance(value, np.ndarray):
        return f"an array of shape {tuple(value.shape)}"
    return f"a {type(value).__name__}"


def as_number(value: Any) -> float:
    """A scalar from an int, float, numeric string, or any one-element array or list."""
    if isinstance(value, bool):
        raise Unreadable("مقدار بولی به جای عدد", "a boolean where a number was expected")
    if isinstance(value, (int, float)):
        return float(value)
    if isinstance(value, str):
        try:
            return float(value.replace(",", "").replace("\u2212", "-").strip())
        except ValueError:
            raise Unreadable(f"متن «{value[:40]}» عدد نیست", f"the text {value[:40]!r} is not a number") from None
    try:
        arr = as_array(value)
    except Unreadable:
        raise Unreadable("پاسخ عدد نیست", f"expected a number, found {describe(value)}") from None
    if arr.size != 1:
        raise Unreadable(f"به جای یک عدد، آرایه‌ای با شکل {arr.shape} آمده است",
                         f"expected one number, found an array of shape {arr.shape}")
    return float(arr.reshape(()))


def as_array(value: Any) -> np.ndarray:
    """A float array from an ndarray, a (nested) list or tuple of numbers, or a number."""
    if isinstance(value, np.ndarray):
        if value.dtype.kind not in "biuf":
            raise Unreadable("آرایه عددی نیست", f"the array's dtype {value.dtype} is not numeric")
        return value.astype(np.float64)
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        return np.asarray(float(value))
    if isinstance(value, list):
        try:
            parts = [as_array(v) for v in value]
            return np.stack(parts) if parts else np.zeros(0)
        except ValueError:
            raise Unreadable("فهرست، شکل آرایه‌ای منظم ندارد",
                             "the list is not a regular (rectangular) array of numbers") from None
    raise Unreadable("پاسخ آرایه عددی نیست", f"expected an array of numbers, found {describe(value)}")


def as_mapping(value: Any, keys: list[str]) -> dict[str, Any]:
    """A dict with the expected keys; a list or Frame in the same order is accepted too."""
    if isinstance(value, dict):
        return value
    if isinstance(value, list) and len(value) == len(keys):
        return dict(zip(keys, value))
    raise Unreadable("پاسخ باید یک دیکشنری با کلیدهای " + "، ".join(keys) + " باشد",
                     f"expected a dict with keys {', '.join(keys)}, found {describe(value)}")


def as_rows(value: Any, columns: list[str], key: str | None) -> list[dict[str, Any]]:
    """Table rows as dicts from a DataFrame, list of dicts/lists, or dict of columns/rows."""
    if isinstance(value, Frame):
        return [dict(zip(value.columns, row)) for row in value.rows]
    if isinstance(value, list):
        if all(isinstance(r, dict) for r in value):
            return value
        if all(isinstance(r, list) for r in value):
            body = value[1:] if value and [str(c) for c in value[0]] == columns else value
            return [dict(zip(columns, r)) for r in body]
    if isinstance(value, dict):
        if all(c in value for c in columns if c != key) and all(isinstance(v, list) for v in value.values()):
            n = max(len(v) for v in value.values())
            return [{c: value[c][i] if i < len(value[c]) else None for c in value} for i in range(n)]
        if key is not None:  # {row_key: {column: value}}, {row_key: [values...]} or {row_key: value}
            others = [c for c in columns if c != key]
            rows = []
            for k, row in value.items():
                if not isinstance(row, dict):
                    row = dict(zip(others, row if isinstance(row, (list, tuple)) else [row]))
                rows.append({key: k, **row})
            return rows
    raise Unreadable("پاسخ به شکل جدول خوانده نشد (دیتافریم، فهرست سطرها یا دیکشنری ستون‌ها)",
                     f"could not read a table (DataFrame, list of rows or dict of columns) from {describe(value)}")


_SHAPE_SPLIT = re.compile(r"[\s,x×*()\[\]]+")


def as_shape(value: Any) -> tuple[int, ...]:
    """A shape from a list/tuple/array, or text like '(96, 55, 55)' or '96x55x55'.

    A batch axis written as None (Keras prints `(None, 24, 24, 64)`) is left out.
    """
    if isinstance(value, list):
        value = [v for v in value if v is not None]
    if isinstance(value, str):
        parts = [p for p in _SHAPE_SPLIT.split(value.strip()) if p and p != "None"]
        try:
            return tuple(int(p) for p in parts)
        except ValueError:
            raise Unreadable(f"«{value}» شکل نیست", f"{value!r} is not a shape") from None
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        return (int(value),)
    arr = as_array(value).reshape(-1)
    return tuple(int(v) for v in arr)


def fmt(value: Any, limit: int = 600) -> str:
    """A compact, readable rendering of an expected or found value for the report."""
    if isinstance(value, float):
        text = f"{value:.6g}"
    elif isinstance(value, np.ndarray):
        text = np.array2string(value, precision=5, threshold=40, edgeitems=3, suppress_small=True)
    elif isinstance(value, dict):
        text = "\n".join(f"{k}: {fmt(v, limit)}" for k, v in value.items())
    elif isinstance(value, list) and value and all(isinstance(v, (int, float)) for v in value):
        text = fmt(np.asarray(value, dtype=float)) if any(isinstance(v, float) for v in value) else str(value)
    elif isinstance(value, list) and value and all(isinstance(v, list) for v in value):
        try:
            text = fmt(np.asarray(value, dtype=float))
        except ValueError:
            text = repr(value)
    elif isinstance(value, Frame):
        text = "\n".join([" | ".join(value.columns)] + [" | ".join(fmt(c) for c in r) for r in value.rows])
    else:
        text = repr(value)
    return text if len(text) <= limit else text[:limit] + " …"
