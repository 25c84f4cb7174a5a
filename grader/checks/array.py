"""An array (or a dict of named arrays, credited per name), within tolerance.

Shapes must agree up to length-one axes: a (1, 2) answer for a (2,) reference is right.
"""
from typing import Any

import numpy as np

from grader.checks import messages as msg
from grader.checks.base import Outcome, ValueCheck
from grader.core.result import Detail
from grader.checks.tolerance import isclose, scale
from grader.checks.values import Unreadable, as_array, as_mapping, fmt
from grader.rubric.schema import Tolerance
from grader.outputs.reports.numbers import WHOLE_ARRAY

CELLS_SHOWN = 12  # differing cells listed for an array too large to show whole


def close(found: Any, expected: Any, tol: Tolerance, answer_scale: float | None = None) -> tuple[bool, str]:
    """Whether one array matches; the second item explains a mismatch in English.

    The tolerance is the rubric's, widened to the precision `found` and `expected` carry
    (`tolerance.isclose`; `answer_scale` when the array is one part of an answer).
    """
    f, e = as_array(found), as_array(expected)
    if f.shape != e.shape:
        if f.size != e.size or np.squeeze(f).shape != np.squeeze(e).shape:
            why = msg.shape_mismatch(e.shape, f.shape)
            raise Unreadable(why.fa, why.en)
        f = f.reshape(e.shape)
    bad = _differing(f, e, tol, found, expected, answer_scale)
    if not bad.any():
        return True, ""
    worst = float(np.max(np.abs(f - e)[bad])) if np.isfinite(f[bad]).all() else float("inf")
    return False, f"{int(bad.sum())} of {e.size} values differ (largest difference {worst:.3g})"


def _differing(f: np.ndarray, e: np.ndarray, tol: Tolerance, found: Any, expected: Any,
               answer_scale: float | None = None) -> np.ndarray:
    return ~isclose(f, e, tol, found, expected, answer_scale)


def differing_cells(found: Any, expected: Any, tol: Tolerance) -> list[Detail]:
    """The first `CELLS_SHOWN` cells that differ, one detail each (``[3, 7]``: expected, found), for an
    array too large to show whole (`numbers.WHOLE_ARRAY`): the report lists where it is wrong."""
    e = as_array(expected)
    if e.size <= WHOLE_ARRAY:
        return []
    f = as_array(found).reshape(e.shape)
    bad = _differing(f, e, tol, found, expected)
    places = np.argwhere(bad)
    details = [Detail(label="[" + ", ".join(map(str, at)) + "]", expected=fmt(e[tuple(at)]),
                      found=fmt(f[tuple(at)]), ok=False) for at in places[:CELLS_SHOWN]]
    if len(places) > CELLS_SHOWN:
        details.append(Detail(label="…", expected=None, found=None, ok=False,
                              note=f"{len(places) - CELLS_SHOWN} more of {e.size} cells differ"))
    return details


def match(found: Any, expected: Any, tol: Tolerance) -> Outcome:
    """Compare an array, or a dict of arrays key by key with partial credit."""
    if not isinstance(expected, dict):
        ok, _ = close(found, expected, tol)
        return Outcome.scored(1.0 if ok else 0.0, expected=fmt(expected), found=fmt(found),
                              details=[] if ok else differing_cells(found, expected, tol))
    parts = as_mapping(found, list(expected))
    answer_scale = max((scale(as_array(value)) for value in expected.values()), default=0.0)
    details, right = [], 0
    for key, value in expected.items():
        if key not in parts:
            details.append(Detail(label=key, expected=fmt(value), found=None, ok=False))
            continue
        try:
            ok, why = close(parts[key], value, tol, answer_scale)
        except Unreadable as exc:
            ok, why = False, exc.en
        right += ok
        details.append(Detail(label=key, expected=fmt(value), found=fmt(parts[key]), ok=ok,
                         note=why or None))
    missing = [k for k in expected if k not in parts]
    outcome = Outcome.scored(right / len(expected), details=details)
    if missing:
        outcome.feedback = msg.wrong_keys(missing)
    return outcome


class ArrayCheck(ValueCheck):
    kind = "array"

    def compare_with(self, found: Any, expected: Any) -> Outcome:
        return match(found, expected, self.answer.tolerance)
