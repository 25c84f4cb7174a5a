"""An experiment's record: the runs the question asks for are logged, and its figures exist.

The notebook keeps its runs in one dict (for example the per-layer gradient norms of networks
of several depths, or the loss curve of each of five regularizations), each run a sequence of
finite numbers; the question's cells must also have drawn at least `figures` plots. What the
runs show is judged by a person (a manual answer beside this one).
"""
import math
from typing import Any

from pydantic import BaseModel, ConfigDict, Field

from grader.checks import messages as msg
from grader.checks.base import Check, Outcome, unanswered
from grader.checks.evidence import ANSWERED, FIGURES, REPLIES, Evidence
from grader.core.result import Detail, Status
from grader.core.text import Text
from grader.checks.values import Unreadable, as_array, as_mapping, fmt
from grader.kernel.probe import Request


class ExperimentOptions(BaseModel):
    model_config = ConfigDict(extra="forbid")
    runs: list[str] = Field(min_length=1, description="the keys the dict of runs must have, one per run")
    min_length: int = Field(default=1, ge=1, description="numbers each run logs at least (epochs, layers, ...)")
    figures: int = Field(default=1, ge=0, description="plots the question's cells must show")


def _numbers(value: Any) -> list[float] | None:
    """A run as a flat list of finite floats, or None if it is not one (what `as_array` cannot read,
    or holding nan or an infinity). Only `Unreadable` means the student's value: any other error is
    a fault of ours, for `judge`."""
    try:
        values = as_array(value).reshape(-1).tolist()
    except Unreadable:
        return None
    return values if all(math.isfinite(v) for v in values) else None


class ExperimentCheck(Check):
    kind = "experiment"
    needs_reference = False
    needs = ANSWERED | {FIGURES.name}
    Options = ExperimentOptions

    def requests(self) -> list[Request]:
        return [Request(key=self.answer.name, name=self.answer.name)]

    def expected_json(self) -> Any:
        return {"runs": self.options.runs, "min_length": self.options.min_length, "figures": self.options.figures}

    def grade(self, evidence: Evidence) -> Outcome:
        o = self.options
        reply = evidence[REPLIES].get(self.answer.name)
        if reply is None or reply.status == "missing":
            return unanswered(evidence, self.question.id, self.answer.name)
        if reply.status == "error":
            return Outcome(0.0, Status.ERROR, msg.reply_failed(reply.reason, self.answer.name), error=reply.error)
        try:
            runs = {str(k): v for k, v in as_mapping(reply.value, o.runs).items()}  # 3 and "3" alike
        except Unreadable as exc:
            return Outcome(0.0, Status.FAILED, Text(exc.fa, exc.en), found=fmt(reply.value))
        details, right = [], 0
        for key in o.runs:
            values = _numbers(runs[key]) if key in runs else None
            ok = values is not None and len(values) >= o.min_length
            right += ok
            found = None if key not in runs else (f"{len(values)} numbers" if values is not None else "not numbers")
            details.append(Detail(label=f"run {key}", expected=f">= {o.min_length} finite numbers", found=found,
                             ok=ok))
        parts = len(o.runs)
        if o.figures:
            drawn = evidence[FIGURES].get(self.question.id, 0)
            right += drawn >= o.figures
            parts += 1
            details.append(Detail(label="figures", expected=f">= {o.figures}", found=str(drawn),
                             ok=drawn >= o.figures))
        outcome = Outcome.scored(right / parts, details=details)
        missing = [k for k in o.runs if k not in runs]
        if missing:
            outcome.feedback = msg.wrong_keys(missing)
        return outcome
