"""Whose fault: a value the readers cannot use costs the student that answer, as "cannot be read" with
the reason in Persian and English; an error of the grader's own (any other exception, even a KeyError
or TypeError) is `internal_error` for that one answer, never the student's.

Values reach the checks after crossing the wire from the kernel (`grader.kernel.wire`): base types,
arrays, and `Opaque` for any other object, so a student's hostile object is read as its type name only."""
import numpy as np
import pytest

from grader.checks import Evidence, judge
from grader.checks.values import Unreadable
from grader.kernel import wire
from grader.kernel.probe import Reply
from tests.support.hw3_checks import check_for



def crossed(value):
    """`value` as the grader receives it from the student's kernel."""
    return wire.loads(wire.dumps(value))


def judged(check, value):
    return judge(check, Evidence(replies={r.key: Reply(status="ok", value=value) for r in check.requests()}))


def words(feedback):
    return (feedback["fa"], feedback["en"]) if isinstance(feedback, dict) else (feedback.fa, feedback.en)


class Liar:
    """Equal to everything, with a length and an array form that raise what a bug of ours would."""

    def __eq__(self, other):
        return True

    __hash__ = object.__hash__

    def __len__(self):
        raise IndexError("no length")

    def __array__(self, *args, **kwargs):
        raise TypeError("no array")

    def __float__(self):
        raise KeyError("no float")

    def __iter__(self):
        raise KeyError("no items")


class Number(float):
    """A float subclass whose methods raise: crosses as the plain float it holds."""

    def __eq__(self, other):
        raise KeyError("eq")

    __hash__ = float.__hash__

    def __repr__(self):
        raise TypeError("repr")


@pytest.mark.parametrize("name, value, en", [
    ("q4_params", {"a": 1}, "expected a number, found a dict"),
    ("q4_params", "many", "the text 'many' is not a number"),
    ("q4_params", [1, 2, 3], "expected one number, found an array of shape (3,)"),
    ("q4_params", True, "a truth value (True) where a number was expected"),
    ("q4_params", 10**400, "the number is too large to use"),
    ("q4_params", Liar(), "an object of type Liar, not a value"),
    ("q1_forward", Liar(), "an object of type Liar, not a value"),
    ("q1_forward", [[1, 2], [3]], "expected a dict with keys h1, h2, o, loss"),
])
def test_a_value_of_the_wrong_type_or_shape_is_failed_as_unreadable(name, value, en):
    outcome = judged(check_for(name), crossed(value))
    assert outcome.status == "failed" and outcome.fraction == 0
    fa, said = words(outcome.feedback)
    assert en in said and fa  # in Persian too


def test_a_hostile_float_crosses_as_the_number_it_holds():
    check = check_for("q4_params")
    assert judged(check, crossed(Number(float(check.expected)))).status == "passed"


def test_a_hostile_run_of_an_experiment_costs_that_run_only():
    check = check_for("q9_grad_norms")
    runs = {depth: list(np.linspace(1, 0.1, depth + 1)) for depth in (3, 9, 13, 17, 19)}
    runs[9], runs[13] = Liar(), 10**400
    outcome = judge(check, Evidence(replies={"q9_grad_norms": Reply(status="ok", value=crossed(runs))},
                                    figures={"q9": 1}))
    assert outcome.status == "partial"
    assert [d["ok"] if isinstance(d, dict) else d.ok for d in outcome.details] == [True, False, False, True, True, True]


@pytest.mark.parametrize("error", [KeyError("h1"), TypeError("unhashable"), IndexError("list index"), ValueError("x")])
def test_a_fault_of_ours_in_compare_is_an_internal_error_not_a_failed_answer(monkeypatch, capsys, error):
    check = check_for("q4_params")

    def broken(found):
        raise error

    monkeypatch.setattr(check, "compare", broken)
    outcome = judged(check, crossed(123))
    assert outcome.status == "internal_error" and outcome.fraction == 0
    assert "internal error checking q4_params" in capsys.readouterr().err


def test_only_unreadable_is_the_students(monkeypatch):
    """The same broken compare raising `Unreadable` on purpose is the student's: failed, with its words."""
    check = check_for("q4_params")

    def refuses(found):
        raise Unreadable("خوانده نشد", "cannot be read")

    monkeypatch.setattr(check, "compare", refuses)
    outcome = judged(check, crossed(123))
    assert outcome.status == "failed" and words(outcome.feedback) == ("خوانده نشد", "cannot be read")
