"""Numbers as a person reads them: the one place the reports (and the checks that write the values
they show) turn a number into text.

Integers get thousands separators (``5,851,340``; ``۵٬۸۵۱٬۳۴۰`` on the Persian line), never an
exponent; a float is shown to the decimals its tolerance makes meaningful, one digit finer than the
tolerance, so that a difference the grader counted is visible and float32 noise
(``0.9624999761581421``) is not; an array is shown whole up to `WHOLE_ARRAY` values and past that as
its shape and range, the differing cells being listed by the check.
"""

from __future__ import annotations

import math
import re

import numpy as np

from grader.core.text import persian_digits

FA_GROUP, FA_DECIMAL = "\u066c", "\u066b"  # ٬ and ٫, the Persian thousands and decimal separators
GROUP_FROM = 10_000  # 4096 and 2026 read better whole; 12,345 reads better grouped
SIGNIFICANT = 4  # a float without a tolerance: this many significant digits
WHOLE_ARRAY = 100  # values of an array shown whole; a larger one is summarised
_SUPERSCRIPT = str.maketrans("0123456789-", "⁰¹²³⁴⁵⁶⁷⁸⁹⁻")


def persian(text: str) -> str:
    """An English-formatted number (or text of them) for the Persian line: Persian digits and separators."""
    return persian_digits(text.replace(",", FA_GROUP).replace(".", FA_DECIMAL))


def _in(text: str, lang: str) -> str:
    return persian(text) if lang == "fa" else text


def integer(n: int, lang: str = "en") -> str:
    """``5851340`` → ``5,851,340`` (from `GROUP_FROM` on); never an exponent however large."""
    return _in(f"{n:,}" if abs(n) >= GROUP_FROM else str(n), lang)


def decimals_for(tolerance: float) -> int:
    """Decimals that show a difference of `tolerance`: one digit finer than it (0.05 → 3)."""
    return max(0, min(12, math.ceil(-math.log10(tolerance)) + 1)) if tolerance > 0 else 12


def decimal(x: float, tolerance: float | None = None, lang: str = "en") -> str:
    """A float as a person reads it: to the decimals `tolerance` makes meaningful, else to
    `SIGNIFICANT` significant digits; trailing zeros dropped, a whole number as an `integer`,
    a very large or small one as ``1.5 × 10⁻⁷`` instead of ``1.5e-07``."""
    x = float(x)
    if not math.isfinite(x):
        return str(x)
    if x.is_integer() and abs(x) < 1e15:
        return integer(int(x), lang)
    size = math.floor(math.log10(abs(x)))
    if tolerance is None and not -5 < size < 15:
        mantissa, exponent = f"{x:.{SIGNIFICANT - 1}e}".split("e")
        mantissa = mantissa.rstrip("0").rstrip(".")
        return _in(f"{mantissa} × 10{str(int(exponent)).translate(_SUPERSCRIPT)}", lang)
    places = decimals_for(tolerance) if tolerance is not None else max(0, SIGNIFICANT - 1 - size)
    text = f"{x:,.{places}f}" if abs(x) >= GROUP_FROM else f"{x:.{places}f}"
    if "." in text:
        text = text.rstrip("0").rstrip(".")
    return _in("0" if text in ("-0", "") else text, lang)


def points(x: float | None, lang: str = "en") -> str:
    """A score with at most two decimals and no trailing zeros ('8', '61.5', '0.33'); '–' for none."""
    if x is None:
        return "–"
    text = f"{float(x):.2f}".rstrip("0").rstrip(".")
    return _in("0" if text == "-0" else text, lang)


def percent(fraction: float | None, lang: str = "en") -> str:
    """A fraction as a whole percentage ('96%', '۹۶٪'); '–' for none."""
    if fraction is None:
        return "–"
    return f"{persian_digits(str(round(100 * fraction)))}٪" if lang == "fa" else f"{round(100 * fraction)}%"


def array_text(a: np.ndarray) -> str:
    """An array whole (every value, rows unbroken) up to `WHOLE_ARRAY` values; past that its shape,
    type and range, never a row cut in the middle."""
    if a.size <= WHOLE_ARRAY:
        return np.array2string(a, precision=5, threshold=WHOLE_ARRAY + 1, max_line_width=10_000,
                               suppress_small=True)
    shape = "(" + ", ".join(map(str, a.shape)) + ("," if a.ndim == 1 else "") + ")"
    head = f"array of shape {shape}, {integer(a.size)} values ({a.dtype})"
    if a.dtype.kind not in "biuf":
        return head
    finite = a[np.isfinite(a)] if a.dtype.kind == "f" else a
    if finite.size == 0:
        return head + ", none of them finite"
    return f"{head}; from {decimal(float(finite.min()))} to {decimal(float(finite.max()))}"


_NUMBER = re.compile(r"(?<![\w.])-?\d+(?:\.\d+)?(?:e[+-]?\d+)?(?![\w.])")
NOISE_DIGITS = 8  # a float token with this many significant digits or more is float noise


def readable(text: str | None) -> str | None:
    """A value as the grader stored it, for a person: a whole value that is one integer is grouped
    (``1327104`` → ``1,327,104``; inside a tuple a comma would be read as a separator, so only
    there), an exponent is written out (``5.85223e+06`` → ``5.85223 × 10⁶``) and a float carrying
    float noise (``0.9624999761581421``) is cut to `SIGNIFICANT` digits. Bounded by the text's length."""
    if text is None:
        return None
    stripped = text.strip()
    if re.fullmatch(r"-?\d+", stripped) and len(stripped) < 40:
        return integer(int(stripped))
    return _NUMBER.sub(_token, text)


def _token(match: re.Match[str]) -> str:
    token = match.group()
    mantissa, _, exponent = token.partition("e")
    digits = len(mantissa.lstrip("-").replace(".", "").lstrip("0"))
    if exponent and len(exponent) < 5:
        return f"{mantissa} × 10{str(int(exponent)).translate(_SUPERSCRIPT)}"
    if "." in mantissa and digits >= NOISE_DIGITS:
        return decimal(float(mantissa))
    return token
