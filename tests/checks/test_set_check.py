"""The set check (`check: set`): items compared without order, partial credit, bilingual feedback that
names what is missing and what is extra; the student's value is hostile (huge, nested, mixed, nan).

Its rubric lines live here, in a fixture rubric on the bundled hw4 reference (q6: which weights of
Dense + BatchNormalization are trainable), so the bundled assignments keep their 100 points."""
import json

import numpy as np
import pytest

from grader.checks import judge, load_rubric
from grader.checks.base import build_check
from grader.checks.evidence import ANSWERED, Evidence
from grader.checks.set import SetCheck
from grader.kernel import wire
from grader.kernel.probe import Reply
from grader.references import References
from grader.release import template

RUBRIC = """
assignment: hw4set
title: {fa: "مجموعه‌ها", en: "Sets"}
course: {fa: "یادگیری عمیق", en: "Deep learning"}
reference: reference.hw4
questions:
  - id: q6f
    title: {fa: "وزن‌های قابل آموزش", en: "Trainable weights"}
    points: 2
    answers:
      - name: q6_trainable
        check: set
        points: 1
        prompt:
          fa: "مجموعه نام وزن‌های قابل آموزش مدل Dense + BatchNormalization (به نام‌های Keras)."
          en: "The set of the names of the trainable weights of Dense + BatchNormalization (Keras names)."
        reference: q6_batchnorm.trainable_weights
        diagnoses:
          - reference: q6_batchnorm.trainable_weights
            params: {moving_trainable: true}
            mistake: {fa: "آمار جاری قابل آموزش شمرده شده است", en: "Moving statistics counted as trainable"}
            explain:
              fa: "میانگین و واریانس جاری با گرادیان به‌روز نمی‌شوند."
              en: "The moving mean and variance are not updated by gradients."
      - name: q6_trainable_strict
        check: set
        points: 0.5
        secret: true
        options: {credit: right_minus_wrong, max_items: 20}
        prompt: {fa: "همان، محرمانه", en: "The same, secret"}
        reference: q6_batchnorm.trainable_weights
      - check: manual
        points: 0.5
        prompt: {fa: "چرا؟", en: "Why?"}
"""
RIGHT = {"kernel", "bias", "gamma", "beta"}


@pytest.fixture(scope="module")
def rubric(tmp_path_factory):
    path = tmp_path_factory.mktemp("setcourse") / "hw4set.yaml"
    path.write_text(RUBRIC)
    return load_rubric(path)


@pytest.fixture(scope="module")
def checks(rubric):
    refs = References(rubric.reference)
    q = rubric.questions[0]
    built = {a.name: build_check(q, a, refs) for a in q.answers if a.name}
    for c in built.values():
        c.prepare(np.random.default_rng(0))
    return built


def crossed(value):
    """`value` as it arrives from the student's kernel."""
    return wire.decode(wire.encode(value))


def grade(check, value, over_wire=True):
    value = crossed(value) if over_wire else value
    return judge(check, Evidence(replies={check.answer.name: Reply("ok", value=value)}))


def test_the_check_is_one_module_that_reads_a_value(checks):
    c = checks["q6_trainable"]
    assert isinstance(c, SetCheck) and c.needs == ANSWERED and not c.by_person
    assert sorted(c.expected) == sorted(RIGHT)
    assert json.dumps(c.expected_json()) and c.expected_json() == sorted(["'beta'", "'bias'", "'gamma'", "'kernel'"])


@pytest.mark.parametrize("value", [
    RIGHT, frozenset(RIGHT), ["gamma", "beta", "kernel", "bias"], ("KERNEL", " bias ", "Gamma", "beta"),
    ["kernel", "kernel", "bias", "gamma", "beta", "bias"],  # duplicates in a list count once
    np.array(["bias", "beta", "gamma", "kernel"]),
], ids=["set", "frozenset", "list", "tuple-case-space", "duplicates", "array"])
def test_right_in_any_order_case_and_collection(checks, value):
    outcome = grade(checks["q6_trainable"], value)
    assert outcome.status == "passed" and outcome.fraction == 1, outcome.feedback


def test_partial_credit_by_jaccard_names_what_is_missing_and_extra(checks):
    outcome = grade(checks["q6_trainable"], {"kernel", "bias", "gamma", "dropout_rate"})
    assert outcome.fraction == pytest.approx(3 / 5) and outcome.status == "partial"
    assert "Missing: 'beta'." in outcome.feedback.en and "Extra (not in the answer): 'dropout_rate'." in outcome.feedback.en
    assert "جا افتاده: 'beta'" in outcome.feedback.fa and "اضافی" in outcome.feedback.fa
    assert [d.label for d in outcome.details if not d.ok] == ["'beta'", "'dropout_rate'"]


def test_a_known_wrong_set_is_diagnosed(checks):
    outcome = grade(checks["q6_trainable"], RIGHT | {"moving_mean", "moving_variance"})
    assert outcome.fraction == pytest.approx(4 / 6)
    wrong = [d for d in outcome.details if not d.ok]  # each extra item the known mistake explains
    assert [d.label for d in wrong] == ["'moving_mean'", "'moving_variance'"]
    assert all(d.diagnosis and d.diagnosis.mistake.en == "Moving statistics counted as trainable" for d in wrong)
    assert not any(d.diagnosis for d in grade(checks["q6_trainable"], {"kernel", "dropout"}).details)


def test_right_minus_wrong_and_a_secret_set_names_none_of_its_items(checks):
    c = checks["q6_trainable_strict"]
    outcome = grade(c, {"kernel", "bias", "gamma", "moving_mean", "moving_variance"})
    assert outcome.fraction == pytest.approx((3 - 2) / 4)
    text = json.dumps([outcome.feedback.to_json(), outcome.expected, [d.to_json() for d in outcome.details]])
    assert "beta" not in text and "1 item(s) missing" in outcome.feedback.en and "moving_mean" in text
    assert grade(c, {"kernel", "bias", "x", "y", "z"}).fraction == 0  # never below nothing
    assert grade(c, RIGHT).fraction == 1


def test_feedback_is_capped(checks):
    outcome = grade(checks["q6_trainable"], [f"extra_{i}" for i in range(300)] + ["x" * 10_000])
    assert outcome.fraction == 0 and "and 296 more" in outcome.feedback.en and "مورد دیگر" in outcome.feedback.fa
    assert len(outcome.feedback.en) < 800 and len(outcome.found) < 2000 and len(outcome.details) <= 100


def test_numbers_read_with_tolerance_persian_digits_and_mixed_types(checks):
    c = checks["q6_trainable"]
    expected = {1, 2.5, 1568, "relu"}
    for found in ([1.0, "۲٫۵", "۱٬۵۶۸", "ReLU"], (np.float32(2.5), np.int64(1), 1568.00001, " relu"),
                  ["1", "2.5", "1,568", "relu", 1, "۱"]):
        assert c.compare_with(crossed(found), expected).fraction == 1, found
    near = c.compare_with([1, 2.6, 1568, "relu"], expected)
    assert near.fraction == pytest.approx(3 / 5) and "Missing: 2.5." in near.feedback.en and "Extra" in near.feedback.en
    assert c.compare_with([True, 1.0, 2.5, 1568, "relu"], expected).fraction == pytest.approx(4 / 5)  # True is no 1


def test_nan_infinity_and_huge_numbers_are_extra_items_never_errors(checks):
    c = checks["q6_trainable"]
    for odd in (float("nan"), float("inf"), 10 ** 400, 2 ** 1023 * 2):
        outcome = grade(c, list(RIGHT) + [odd, odd])
        assert outcome.status == "partial" and outcome.fraction == pytest.approx(4 / 5), odd
    assert grade(c, [float("nan")] * 3).fraction == 0


def test_nested_unhashable_and_opaque_items(checks):
    c = checks["q6_trainable"]
    deep = []
    cur = deep
    for _ in range(11):
        cur.append([])
        cur = cur[0]
    hostile = [["kernel"], {"a": ["b"]}, [1, [2, [3]]], deep, {1, 2}, object(), b"bytes", None] + list(RIGHT)
    outcome = grade(c, hostile)
    assert outcome.status == "partial" and outcome.fraction == pytest.approx(4 / 12), outcome.feedback
    pairs = c.compare_with([(1, "a"), [2, "B"]], {(1, "a"), (2, "b")})
    assert pairs.fraction == 1  # items that are pairs compare item by item


@pytest.mark.parametrize("value, words", [
    ("kernel, bias, gamma, beta", "not a set"), ({"kernel": 1, "bias": 2}, "not a set"), (42, "not a set"),
    (np.zeros((2, 2)), "array of shape (2, 2)"), (object(), "not a set"),
], ids=["text", "dict", "number", "matrix", "object"])
def test_a_value_that_is_no_collection_is_unreadable(checks, value, words):
    outcome = grade(checks["q6_trainable"], value)
    assert outcome.status == "failed" and outcome.fraction == 0
    assert words in outcome.feedback.en or "expected a set" in outcome.feedback.en, outcome.feedback.en


def test_huge_sets_are_capped_on_the_wire_and_refused_by_the_check(checks):
    huge = set(range(10 ** 6))
    arrived = crossed(huge)
    assert len(arrived) == wire.MAX_ITEMS
    outcome = grade(checks["q6_trainable"], huge)
    assert outcome.status == "failed" and "100000 items" in outcome.feedback.en
    assert grade(checks["q6_trainable_strict"], [str(i) for i in range(21)]).status == "failed"  # max_items: 20


def test_missing_and_raising_answers(checks):
    c = checks["q6_trainable"]
    assert judge(c, Evidence(replies={})).status == "missing"
    errored = judge(c, Evidence(replies={}, cell_errors={"q6f": "NameError: x"}))
    assert errored.status == "error" and errored.error == "NameError: x"


def test_the_template_asks_for_the_set_as_a_code_cell(rubric):
    cells = template(rubric).cells
    stub = [c for c in cells if c.metadata.get("grader", {}).get("answer") == "q6_trainable"]
    assert len(stub) == 1 and stub[0].cell_type == "code" and stub[0].source.startswith("q6_trainable = None")
    essay = [c for c in cells if c.metadata.get("grader", {}).get("manual_answer")]
    assert len(essay) == 1 and essay[0].cell_type == "markdown"
