"""A right answer gets full marks whatever floating dtype it was computed in, on every run.

Each function answer of hw3, hw4 and hw11 is graded 20 times, as a grading run grades it: the
real check from the real rubric draws its inputs with the run's seed, the student's function (a
float32 PyTorch or Keras one, `tests/float32_answers.py`) is called on what the kernel receives,
and its result crosses the wire. Float32 rounding must never cost a point, and mistakes must
still cost all of them.
"""
import itertools
from functools import lru_cache

import numpy as np
import pytest
import torch

from grader.checks import Check, Evidence, array, build_check, tolerance
from grader.kernel.probe import Reply
from grader.rubric.schema import Tolerance
from reference.hw4.q7_grad_cam import grad_cam_numpy
from tests.support.float32_answers import (ANSWERS, IMPLEMENTATIONS, as_lists, function_check, handed_in,
                                          kernel_args, rubric)

RUNS = 20
CASES = [(assignment, name) for assignment, names in ANSWERS.items() for name in names]
IDS = [f"{assignment}.{name}" for assignment, name in CASES]
# The PyTorch answers that float16 can compute (Keras builds the Grad-CAM network in float32). Not
# iris_backward: float16 moves pre-activations within 1e-3 of zero across the LeakyReLU's kink,
# a jump in the gradient that no tolerance can tell from a mistake.
FLOAT16 = [case for case in CASES if case[1] not in ("iris_backward", "grad_cam")]


@lru_cache(maxsize=None)
def runs(assignment: str, name: str) -> list[tuple[Check, list[tuple[str, dict, object, object]]]]:
    """RUNS graded runs: the check prepared with seeds 0, 1, …, and per trial (key, args, expected,
    the float32 function's result). The references and the Keras networks run once per test session."""
    prepared = []
    for seed in range(RUNS):
        check = function_check(assignment, name)
        check.prepare(np.random.default_rng(seed))
        prepared.append((check, [(key, args, expected, IMPLEMENTATIONS[name](**args))
                                 for key, args, expected in kernel_args(check)]))
    return prepared


def grades(assignment: str, name: str, reply) -> list[float]:
    """The fraction of the points each run gives when the function returns `reply(args, expected, result)`."""
    fractions = []
    for check, trials in runs(assignment, name):
        replies = {key: Reply(status="ok", value=handed_in(reply(args, expected, result)))
                   for key, args, expected, result in trials}
        fractions.append(check.grade(Evidence(replies=replies)).fraction)
    return fractions


def scaled(value, factor: float):
    """Every array of a result times `factor`."""
    if isinstance(value, dict):
        return {k: scaled(v, factor) for k, v in value.items()}
    if isinstance(value, tuple):
        return tuple(scaled(v, factor) for v in value)
    return value * factor


# A slip per answer, made on the function's result (its dtype is kept).
MISTAKES = {
    "iris_backward": lambda args, r: {k: v * len(args["y"]) for k, v in r.items()},  # the sum, not the mean
    "separable_conv": lambda args, r: r - torch.as_tensor(args["bias"]).to(r.dtype)[:, None, None],
    "rank1_conv": lambda args, r: {**r, "Z": r["Z"] * 2},
    "conv_backward": lambda args, r: {**r, "bias": r["bias"] / args["G"][0].size},
    "conv1d_grads": lambda args, r: {**r, "w": r["w"].flip(0)},
    "forward_batchnorm": lambda args, r: (r[0] - torch.as_tensor(args["beta"]).to(r[0].dtype), r[1], r[2]),
    "context_pairs": lambda args, r: r.flip(1),
    "grad_cam": lambda args, r: r.T,
}
# A sign error in one part of the result.
SIGN_ERRORS = {
    "iris_backward": lambda r: {**r, "W1": -r["W1"]},
    "separable_conv": lambda r: -r,
    "rank1_conv": lambda r: {**r, "a": -r["a"]},
    "conv_backward": lambda r: {**r, "H": -r["H"]},
    "conv1d_grads": lambda r: {**r, "h": -r["h"]},
    "forward_batchnorm": lambda r: (-r[0], r[1], r[2]),
    "context_pairs": lambda r: -r,
    "grad_cam": lambda r: -r,
}
# The answers whose rubric asks float data for rtol 1e-6.
TIGHT = [("hw3", "separable_conv"), ("hw3", "rank1_conv"), ("hw3", "conv_backward"), ("hw3", "conv1d_grads"),
         ("hw4", "forward_batchnorm")]


@pytest.mark.slow
@pytest.mark.parametrize("assignment,name", CASES, ids=IDS)
def test_float32_answers_get_full_marks_on_every_run(assignment, name):
    """Handed back as tensors or arrays (float32 on the wire) or with `.tolist()` (Python floats)."""
    trial = itertools.count()
    fractions = grades(assignment, name, lambda args, expected, result: result if next(trial) % 2 else
                       as_lists(result))
    assert fractions == [1.0] * RUNS


@pytest.mark.slow
@pytest.mark.parametrize("assignment,name", TIGHT, ids=[f"{a}.{n}" for a, n in TIGHT])
def test_the_rubric_tolerance_alone_failed_them(assignment, name, monkeypatch):
    """The defect itself: at the rubric's tolerance (K = 0), float32 rounding costs points."""
    monkeypatch.setattr(tolerance, "K", 0)
    assert min(grades(assignment, name, lambda args, expected, result: result)) < 1.0


@pytest.mark.slow
@pytest.mark.parametrize("assignment,name", CASES, ids=IDS)
def test_mistakes_in_float32_still_get_nothing(assignment, name):
    assert grades(assignment, name, lambda args, expected, result: MISTAKES[name](args, result)) == [0.0] * RUNS
    assert grades(assignment, name, lambda args, expected, result: SIGN_ERRORS[name](result)) == [0.0] * RUNS
    if name != "grad_cam":  # its rubric's atol 1e-5 rightly takes any map under 1e-2 to within 1e-3
        assert grades(assignment, name, lambda args, expected, result: scaled(result, 1 + 1e-3)) == [0.0] * RUNS


@pytest.mark.slow
@pytest.mark.parametrize("assignment,name", CASES, ids=IDS)
def test_float64_answers_get_full_marks(assignment, name):
    """The reference's own result, and an independent float64 computation."""
    if name == "grad_cam":
        float64 = lambda args, expected, result: grad_cam_numpy(**args)  # noqa: E731
    else:
        float64 = lambda args, expected, result: IMPLEMENTATIONS[name](**args, dtype=torch.float64)  # noqa: E731
    assert grades(assignment, name, lambda args, expected, result: expected) == [1.0] * RUNS
    assert grades(assignment, name, float64) == [1.0] * RUNS


@pytest.mark.slow
@pytest.mark.parametrize("assignment,name", FLOAT16, ids=[f"{a}.{n}" for a, n in FLOAT16])
def test_float16_answers_are_judged_at_float16_precision(assignment, name):
    """Float16 arrays pass and sign errors fail; the same values as Python floats are taken for
    float32 and fail."""
    def half(args, expected, result):
        return IMPLEMENTATIONS[name](**args, dtype=torch.float16)

    assert grades(assignment, name, half) == [1.0] * RUNS
    assert grades(assignment, name, lambda *trial: SIGN_ERRORS[name](half(*trial))) == [0.0] * RUNS
    if name != "context_pairs":  # small integers: exact in any dtype
        assert grades(assignment, name, lambda *trial: as_lists(half(*trial))) == [0.0] * RUNS


def test_the_precision_comes_from_the_dtype_or_from_float32_values():
    x = np.array([0.1, 2.5, -3.7])
    assert tolerance.precision(x.astype(np.float32), x, x.tolist()) == np.float32
    assert tolerance.precision(x.astype(np.float16), x, x) == np.float16
    assert tolerance.precision(x, x, x.astype(np.float32)) == np.float32  # the reference's dtype
    assert tolerance.precision(x.tolist(), x, x.tolist()) == np.float64
    as_float32 = x.astype(np.float32).astype(np.float64)
    assert tolerance.precision(as_float32.tolist(), as_float32, x.tolist()) == np.float32  # .tolist()
    assert tolerance.precision(float(as_float32[0]), as_float32[:1], 0.1) == np.float32  # .item()
    as_float16 = x.astype(np.float16).astype(np.float64)
    assert tolerance.precision(as_float16.tolist(), as_float16, x.tolist()) == np.float32  # never float16
    assert tolerance.precision([1, 2], np.array([1.0, 2.0]), [0.5, 2.0]) == np.float64
    assert tolerance.precision(np.float32([1, 2]), np.array([1.0, 2.0]), [1, 2]) is None  # an exact reference


def test_integer_data_are_compared_as_the_rubric_says():
    exact = Tolerance(rtol=0, atol=0)
    assert array.close([3.0, 1234567.0], [3, 1234567], exact) == (True, "")
    assert not array.close([3.0, 1234562.0], [3, 1234567], exact)[0]
    assert not array.close(np.float32([3, 1234562]), np.array([3, 1234567]), exact)[0]


def test_a_mismatch_still_says_how_many_values_differ_and_by_how_much():
    ok, why = array.close(np.float32([1.0, 2.0, 3.5]), [1.0, 2.0, 3.0], Tolerance(rtol=1e-6, atol=1e-8))
    assert not ok and why == "1 of 3 values differ (largest difference 0.5)"


def test_numeric_answers_follow_the_same_rule():
    hw3, references = rubric("hw3")
    question = next(q for q in hw3.questions if any(a.check == "numeric" for a in q.answers))
    answer = next(a for a in question.answers if a.check == "numeric")
    check = build_check(question, answer.model_copy(update={"tolerance": Tolerance(rtol=1e-9, atol=0.0)}),
                        references)
    check.expected = 0.1 / 3
    assert check.compare(float(np.float32(0.1) / np.float32(3))).status == "passed"  # a float32 `.item()`
    assert check.compare(np.float32(0.1) / np.float32(3) * np.float32(1.001)).status == "failed"
    assert check.compare(0.1 / 3 * (1 + 1e-6)).status == "failed"  # a float64 off by 1e-6


def test_the_scale_is_the_whole_answers():
    """A gradient that cancels to near zero carries the rounding of terms as large as the others'."""
    expected = {"W": [1.0, -2.0], "b": [1e-4, -2e-4]}
    tol = Tolerance(rtol=1e-6, atol=1e-8)
    rounded = {"W": np.float32([1.0, -2.0]), "b": np.float32([1e-4 + 3e-8, -2e-4])}
    assert array.match(rounded, expected, tol).fraction == 1.0
    assert array.match({**rounded, "b": np.float32([2e-4, -2e-4])}, expected, tol).fraction == 0.5
