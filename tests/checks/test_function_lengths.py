"""A function whose results differ in length from one drawn input to another (hw11's context pairs
of a sentence): a student's result of another length is a wrong value, shown with its expected
value, and `grader check` does not call it a wrong form; where the reference's length is fixed, it
stays a wrong form (the shape the check names)."""
from __future__ import annotations

import numpy as np

from grader.checks.function import FunctionCheck


def _check(*expected) -> FunctionCheck:
    check = FunctionCheck.__new__(FunctionCheck)  # only its drawn trials matter here
    check.trials = [({}, e) for e in expected]
    return check


def test_a_length_that_follows_the_input_is_a_value():
    pairs = _check(np.zeros((36, 2)), np.zeros((20, 2)), np.zeros((44, 2)))
    assert pairs.only_length_differs(np.zeros((35, 2)), np.zeros((36, 2)))
    assert pairs.only_length_differs([[1, 2]] * 7, np.zeros((36, 2)))  # a list of pairs reads the same
    assert not pairs.only_length_differs(np.zeros((36, 3)), np.zeros((36, 2)))  # triples, not pairs
    assert not pairs.only_length_differs(np.zeros(72), np.zeros((36, 2)))  # flattened
    assert not pairs.only_length_differs(["a", "b"], np.zeros((36, 2)))  # not numbers
    assert not pairs.only_length_differs([[1, 2], [3]], np.zeros((36, 2)))  # ragged


def test_a_fixed_length_keeps_a_wrong_length_a_wrong_form():
    conv = _check(np.zeros((8, 4)), np.ones((8, 4)), np.ones((8, 4)))
    assert not conv.only_length_differs(np.zeros((7, 4)), np.zeros((8, 4)))
    scalar = _check(1.0, 2.0)
    assert not scalar.only_length_differs(np.zeros(3), 1.0)
