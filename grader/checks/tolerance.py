"""How close a numeric answer must be: the rubric's tolerance, never tighter than the data's precision.

PyTorch and Keras compute in float32 by default, and a right float32 answer is off from a
float64 reference by a few float32 roundings (about 1e-7 relative): a rubric's rtol of 1e-6
would then pass or fail it by the luck of the draw. So the precision of the data is the
coarsest of the floating dtype the answer arrived in, the reference's dtype, and float32 for a
float64 answer whose every value is a float32 (a float32 result handed in with `.tolist()` or
`.item()`; float16 is never guessed from values, only read from a float16 dtype). At precision eps,

    rtol = max(rubric rtol, K·eps)    atol = max(rubric atol, K·eps·scale)

where scale is the largest |expected| value of the answer, for values that cancelled to near
zero. It is the whole answer's, not each array's: a gradient that cancels to near zero as a
whole (IRIS's b2) carries the rounding of terms as large as the other gradients'.

K is measured by `bench/float32_tolerance.py`: float32 PyTorch/Keras implementations of every
function answer of hw3, hw4 and hw11 need at most 6.2 eps in this form over 500 draws each, and
9.8 over 2000 (Grad-CAM; iris_backward 8.5, rank1_conv 6.5). K = 64 is 6.6 times the latter. With
each array's own scale they would need 171 (iris_backward's b2). The PyTorch answers computed in
float16 need at most 3.6 float16 eps, except iris_backward (428: float16 moves pre-activations
across its LeakyReLU kinks, which no tolerance can tell from a mistake).

An integer reference is exact: the rubric's tolerance stands, whatever the answer's dtype.
"""
from typing import Any

import numpy as np

from grader.rubric.schema import Tolerance

K = 64


def carried(value: Any) -> np.dtype | None:
    """The coarsest floating dtype in `value` as it arrived (None: integers and bools only).

    Python floats, and numbers written as text, are float64.
    """
    if isinstance(value, (np.ndarray, np.generic)):
        return value.dtype if value.dtype.kind == "f" else None
    if isinstance(value, (float, str)):
        return np.dtype(np.float64)
    if isinstance(value, (list, tuple)):
        return coarsest(carried(v) for v in value)
    return None


def coarsest(dtypes: Any) -> np.dtype | None:
    """The dtype with the largest eps; None if none is known."""
    known = [d for d in dtypes if d is not None]
    return max(known, key=lambda d: np.finfo(d).eps) if known else None


def precision(found: Any, found_values: np.ndarray, expected: Any) -> np.dtype | None:
    """The precision the comparison can ask for (None: exact); `found_values` is `found` read as floats.

    An integer reference is exact whatever the answer's dtype: a count handed in as 1234562.0 is a
    float32 by its values, and must not pass for 1234567.
    """
    reference = carried(expected)
    if reference is None:
        return None
    dtype = carried(found)
    if dtype == np.float64:
        finite = found_values[np.isfinite(found_values)]
        with np.errstate(over="ignore"):
            if np.array_equal(finite.astype(np.float32), finite):
                dtype = np.dtype(np.float32)
    return coarsest([dtype, reference])


def scale(expected_values: np.ndarray) -> float:
    """The largest finite |value|: what the rounding of the terms that cancelled to a value was relative to."""
    magnitudes = np.abs(expected_values[np.isfinite(expected_values)])
    return float(magnitudes.max()) if magnitudes.size else 0.0


def isclose(found_values: Any, expected_values: Any, tol: Tolerance, found: Any, expected: Any,
            answer_scale: float | None = None) -> np.ndarray:
    """`np.isclose` of the float64 readings of `found` and `expected`, at no tighter than their precision.

    `answer_scale` is the scale of the whole answer when this array is one part of it.
    """
    f, e = np.asarray(found_values, dtype=np.float64), np.asarray(expected_values, dtype=np.float64)
    rtol, atol = tol.rtol, tol.atol
    dtype = precision(found, f, expected)
    if dtype is not None:
        eps = float(np.finfo(dtype).eps)
        rtol, atol = max(rtol, K * eps), max(atol, K * eps * (scale(e) if answer_scale is None else answer_scale))
    return np.isclose(f, e, rtol=rtol, atol=atol, equal_nan=False)
