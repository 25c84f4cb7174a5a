"""A function the student writes, called in their kernel on inputs the grader draws per run.

The reference function computes the expected result of each drawn input in the trusted
process; credit is the share of inputs on which the student's function agrees.
"""
import inspect
from typing import Any, Literal

import numpy as np
from pydantic import BaseModel, ConfigDict, Field

from grader.checks import messages as msg
from grader.checks.array import match
from grader.checks.base import Check, Outcome, unanswered
from grader.checks.evidence import ANSWERED, REPLIES, Evidence
from grader.core.result import Status
from grader.core.text import Text
from grader.checks.values import Unreadable, fmt
from grader.kernel.probe import Request
from grader.references import References, ReferenceError_
from grader.rubric.schema import Answer


class FunctionOptions(BaseModel):
    model_config = ConfigDict(extra="forbid")
    inputs: str = Field(description="reference function(seed[, trial]) that draws one set of keyword arguments; "
                              "one that takes `trial` can make sure every case is covered")
    trials: int = Field(default=3, ge=1, le=50)
    format: Literal["numpy", "torch"] = "numpy"
    call_timeout_s: float | None = Field(default=None, gt=0, description="time one call may take; default: "
                                                                         "the rubric's limits.answer_timeout_s")


def _arrays(value: Any) -> Any:
    """Lists of numbers become numpy arrays so the kernel receives typed arrays."""
    if isinstance(value, dict):
        return {k: _arrays(v) for k, v in value.items()}
    if isinstance(value, list):
        arr = np.asarray(value)
        return arr if arr.dtype.kind in "biuf" else [_arrays(v) for v in value]
    return value


def _shape(value: Any) -> tuple[int, ...] | None:
    """The shape of a result read as an array of numbers; None for anything else (ragged, text)."""
    try:
        arr = np.asarray(value)
    except (ValueError, TypeError):
        return None
    return arr.shape if arr.dtype.kind in "biuf" else None


class FunctionCheck(Check):
    kind = "function"
    needs = ANSWERED
    Options = FunctionOptions

    def only_length_differs(self, value: Any, expected: Any) -> bool:
        """`value` is `expected`'s form but for its length, and the reference's own results differ in
        length from one drawn input to another (the context pairs of a sentence): a result of another
        length is then a wrong value, not a wrong form."""
        shapes = {_shape(e) for _, e in self.trials}
        got, want = _shape(value), _shape(expected)
        if None in shapes or len(shapes) < 2 or got is None or want is None or not want:
            return False
        return len({s[1:] for s in shapes if s}) == 1 and len(got) == len(want) and got[1:] == want[1:]

    def _seeds(self, rng: np.random.Generator) -> list[int]:
        """One seed per trial for the inputs' reference function: all this check draws from `rng`."""
        return [int(rng.integers(2**31)) for _ in range(self.options.trials)]

    def skip(self, rng: np.random.Generator) -> None:
        self._seeds(rng)

    def prepare(self, rng: np.random.Generator) -> None:
        self.trials = []
        draw = self.references.function(self.options.inputs)
        takes_trial = "trial" in inspect.signature(draw).parameters
        for trial, seed in enumerate(self._seeds(rng)):
            kwargs = draw(seed=seed, **({"trial": trial} if takes_trial else {}))
            expected = self.references.call(self.answer.reference, **kwargs, **self.answer.params)
            self.trials.append((_arrays(kwargs), expected))

    def requests(self) -> list[Request]:
        return [Request(key=f"{self.answer.name}#{i}", name=self.answer.name, kind="call", args=args,
                        format=self.options.format, timeout_s=self.options.call_timeout_s)
                for i, (args, _) in enumerate(self.trials)]

    def grade(self, evidence: Evidence) -> Outcome:
        """Each call judged on its own: one that fails or times out costs its share alone."""
        right, first_wrong, first_failure = 0, None, None
        for i, (_, expected) in enumerate(self.trials):
            reply = evidence[REPLIES].get(f"{self.answer.name}#{i}")
            if reply is None or reply.status == "missing":
                return unanswered(evidence, self.question.id, self.answer.name)
            if reply.status == "error":
                first_failure = first_failure or reply
                continue
            try:
                outcome = match(reply.value, expected, self.answer.tolerance)
            except Unreadable as exc:
                outcome = Outcome(0.0, Status.FAILED, Text(exc.fa, exc.en), found=fmt(reply.value))
                if self.only_length_differs(reply.value, expected):
                    outcome.expected = fmt(expected)  # a wrong value, shown as one
            if outcome.status is Status.PASSED:
                right += 1
            elif first_wrong is None:
                first_wrong = outcome
        if first_failure is not None and right == 0 and first_wrong is None:  # no call gave an answer
            return Outcome(0.0, Status.ERROR, msg.reply_failed(first_failure.reason, self.answer.name),
                           error=first_failure.error)
        result = Outcome.scored(right / len(self.trials), feedback=msg.trials_right(right, len(self.trials)))
        if first_failure is not None:
            result.error = first_failure.error
        if first_wrong is not None and not self.answer.secret:
            result.expected, result.found, result.details = first_wrong.expected, first_wrong.found, first_wrong.details
        return result

    def expected_json(self) -> Any:
        return [{"inputs": "drawn per run", "expected": expected} for _, expected in self.trials]

    @classmethod
    def validate(cls, answer: Answer, options: BaseModel, references: References) -> list[tuple[tuple, str]]:
        problems = super().validate(answer, options, references)
        try:
            references.function(options.inputs)
        except ReferenceError_ as exc:
            problems.append((("options", "inputs"), str(exc)))
        return problems
