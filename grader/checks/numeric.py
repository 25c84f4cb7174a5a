"""A single number, within the rubric's tolerance."""
from typing import Any

from grader.checks.base import Outcome, ValueCheck
from grader.checks.tolerance import isclose
from grader.checks.values import as_number, fmt


class NumericCheck(ValueCheck):
    kind = "numeric"

    def compare(self, found: Any) -> Outcome:
        value = as_number(found)
        expected = float(self.expected)
        ok = bool(isclose(value, expected, self.answer.tolerance, found, self.expected))
        return Outcome.scored(1.0 if ok else 0.0, expected=fmt(expected), found=fmt(value))
