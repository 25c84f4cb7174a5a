"""Numbers as a person reads them (grader.outputs.reports.numbers), and the values the checks store
through it: grouped integers, floats to their tolerance, arrays whole or summarised, never an exponent."""
from __future__ import annotations

import numpy as np
import pytest

from grader.checks.array import CELLS_SHOWN, match
from grader.checks.values import fmt
from grader.outputs.reports.numbers import WHOLE_ARRAY, array_text, decimal, decimals_for, integer, percent, \
    points, readable
from grader.rubric.schema import Tolerance


@pytest.mark.parametrize("n, en, fa", [(5851340, "5,851,340", "۵٬۸۵۱٬۳۴۰"), (-1327104, "-1,327,104", "-۱٬۳۲۷٬۱۰۴"),
                                       (4096, "4096", "۴۰۹۶"), (0, "0", "۰"), (10**30, f"{10**30:,}", None)])
def test_integers_are_grouped_from_ten_thousand_never_an_exponent(n, en, fa):
    assert integer(n) == en and "e" not in en
    if fa:
        assert integer(n, "fa") == fa


@pytest.mark.parametrize("x, tolerance, text", [
    (0.9624999761581421, 0.05, "0.962"),  # a reported accuracy, within 0.05: three decimals
    (0.9624999761581421, 1e-3, "0.9625"),
    (0.9624999761581421, None, "0.9625"),  # no tolerance: four significant digits
    (5851340.0, None, "5,851,340"),  # a whole float is an integer
    (1.5e-7, None, "1.5 × 10⁻⁷"), (2.5e16, None, "2.5 × 10¹⁶"),
    (123456.789, None, "123,457"), (12.5, 0.1, "12.5"), (-0.00012345, None, "-0.0001234"),
    (float("nan"), None, "nan"), (-1e-30, 0.1, "0"),
])
def test_floats_to_the_precision_their_tolerance_makes_meaningful(x, tolerance, text):
    assert decimal(x, tolerance) == text


def test_the_persian_line_has_persian_digits_and_separators():
    assert decimal(1234567.25, 0.1, "fa") == "۱٬۲۳۴٬۵۶۷٫۲۵"
    assert points(61.5, "fa") == "۶۱٫۵" and points(None) == "–" and points(-0.001) == "0"
    assert percent(0.962) == "96%" and percent(0.5, "fa") == "۵۰٪" and percent(None) == "–"
    assert decimals_for(0.05) == 3 and decimals_for(1e-4) == 5 and decimals_for(0) == 12


def test_stored_values_are_made_readable():
    assert readable("1327104") == "1,327,104" and readable("-5851340") == "-5,851,340"
    assert readable("5.85223e+06") == "5.85223 × 10⁶"  # an old result: six digits, written out, not invented
    assert readable("0.9624999761581421") == "0.9625"
    assert readable("precision / recall / F1 = 0.25 / 0.5 / 0.333") == "precision / recall / F1 = 0.25 / 0.5 / 0.333"
    assert readable("(60000, 784)") == "(60000, 784)"  # a comma inside a tuple would read as a separator
    assert readable("s01 conv2d_1 v2.5 x1e5") == "s01 conv2d_1 v2.5 x1e5"  # names are not numbers
    assert readable(None) is None


def test_hostile_values_stay_bounded():
    assert readable("9" * 5000) == "9" * 5000  # not parsed into a 5000-digit integer
    assert readable("1e99999") == "1e99999"  # an exponent too long to be a number is left
    big = "0.12345678912345 " * 2000
    assert len(readable(big)) <= len(big)


def test_arrays_whole_up_to_a_size_then_their_shape_never_cut_mid_row():
    small = np.arange(12.0).reshape(3, 4) / 8
    assert array_text(small) == "[[0.    0.125 0.25  0.375]\n [0.5   0.625 0.75  0.875]\n [1.    1.125 1.25  1.375]]"
    assert "..." not in array_text(np.ones((10, 10)))  # 100 values: whole
    big = np.linspace(-1, 1, 196).reshape(14, 14)
    assert array_text(big) == "array of shape (14, 14), 196 values (float64); from -1 to 1"
    assert array_text(np.full(200, np.nan)).endswith("none of them finite")
    assert array_text(np.array(["a"] * 101)).startswith("array of shape (101,), 101 values")
    assert fmt(5851340.0) == "5851340" and fmt(-0.0) == "-0" and fmt(0.5) == "0.5"


def test_a_large_array_lists_its_differing_cells():
    expected = np.arange(196.0).reshape(14, 14)
    found = expected.copy()
    found[3, 4], found[10, 1] = 99, -1
    outcome = match(found.tolist(), expected, Tolerance())
    assert outcome.expected.startswith("array of shape (14, 14)") and "..." not in outcome.found
    assert [(d.label, d.expected, d.found, d.ok) for d in outcome.details] == [
        ("[3, 4]", "46", "99", False), ("[10, 1]", "141", "-1", False)]
    everything = match((-expected).tolist(), expected, Tolerance())
    assert len(everything.details) == CELLS_SHOWN + 1 and everything.details[-1].note == "183 more of 196 cells differ"
    assert match(np.zeros(WHOLE_ARRAY).tolist(), np.ones(WHOLE_ARRAY), Tolerance()).details == []  # shown whole
