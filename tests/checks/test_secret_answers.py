"""Nothing derived from a secret expected value leaves the grader: not the value, not a
difference from it, not a note about it, in any answer type."""
import dataclasses
import json
import sys

import numpy as np
import pytest

from grader.checks import Evidence, judge
from grader.engine.plan import GradingPlan
from grader.kernel.probe import Reply

REFERENCE = '''
import numpy as np

def hidden():
    return 0.3141

def hidden_parts():
    return {"w": [0.3141, 2.7182], "b": [1.4142]}

def draw(seed):
    return {"x": np.random.default_rng(seed).normal(size=3)}

def scaled(x):
    return 0.3141 * np.asarray(x)
'''

RUBRIC = """
assignment: secretive
title: {fa: "تکلیف", en: "Assignment"}
course: {fa: "درس", en: "Course"}
reference: secret_ref
questions:
  - id: q1
    title: {fa: "عدد", en: "A number"}
    points: 3
    answers:
      - {name: n, check: numeric, points: 1, reference: hidden, secret: true, prompt: {fa: "عدد", en: "n"}}
      - {name: parts, check: array, points: 1, reference: hidden_parts, secret: true, prompt: {fa: "آرایه", en: "parts"}}
      - {name: f, check: function, points: 1, reference: scaled, secret: true, options: {inputs: draw, trials: 2},
         prompt: {fa: "تابع", en: "f"}}
"""

SECRET_DIGITS = ("314", "2.72", "2.718", "1.41")  # the values, their roundings, the largest difference


@pytest.fixture(scope="module")
def checks(tmp_path_factory):
    root = tmp_path_factory.mktemp("secret")
    (root / "secret_ref").mkdir()
    (root / "secret_ref" / "__init__.py").write_text(REFERENCE)
    (root / "secretive.yaml").write_text(RUBRIC)
    sys.path.insert(0, str(root))
    try:
        plan = GradingPlan.build(root / "secretive.yaml", seed=3)
    finally:
        sys.path.remove(str(root))
    return {c.answer.name: c for _, cs in plan.checks for c in cs}


def _leaks(outcome) -> list[str]:
    text = json.dumps(dataclasses.asdict(outcome), ensure_ascii=False, default=str)
    return [d for d in SECRET_DIGITS if d in text]


@pytest.mark.parametrize("found", [0, 0.0, -1.5, "0", [0.0]])
def test_a_wrong_secret_number_says_nothing_of_the_expected_one(checks, found):
    outcome = judge(checks["n"], Evidence(replies={"n": Reply("ok", value=found)}))
    assert outcome.fraction == 0 and outcome.expected is None and _leaks(outcome) == []


def test_a_wrong_secret_array_keeps_its_differences_to_itself(checks):
    found = {"w": [0.0, 0.0], "b": [1.0]}
    outcome = judge(checks["parts"], Evidence(replies={"parts": Reply("ok", value=found)}))
    assert outcome.fraction == 0 and outcome.details and _leaks(outcome) == []
    assert all(d.expected is None and d.note is None for d in outcome.details)


def test_a_wrong_secret_function_shows_neither_expected_values_nor_differences(checks):
    replies = {f"f#{i}": Reply("ok", value=np.zeros(3)) for i in range(2)}
    outcome = judge(checks["f"], Evidence(replies=replies))
    assert outcome.fraction == 0 and outcome.expected is None and outcome.details == [] and _leaks(outcome) == []


def test_right_secret_answers_still_pass(checks):
    f = checks["f"]
    replies = {f"f#{i}": Reply("ok", value=np.asarray(expected)) for i, (_, expected) in enumerate(f.trials)}
    assert judge(f, Evidence(replies=replies)).fraction == 1
    assert judge(checks["n"], Evidence(replies={"n": Reply("ok", value=0.3141)})).fraction == 1
