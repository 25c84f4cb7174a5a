"""A single number, within the rubric's tolerance."""
from typing import Any

from grader.checks.base import Outcome, ValueCheck
from grader.checks.tolerance import isclose
from grader.checks.values import as_number, fmt


class NumericCheck(ValueCheck):
    kind = "numeric"

    def compare_with(self, found: Any, expected: Any) -> Outcome:
        value = as_number(found)
        ok = bool(isclose(value, float(expected), self.answer.tolerance, found, expected))
        return Outcome.scored(1.0 if ok else 0.0, expected=fmt(float(expected)), found=fmt(value))
