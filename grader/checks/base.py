"""The check protocol: each question type is one `Check` subclass, registered by its `kind`.

A check prepares its expected value in the trusted process (`prepare`), says what it needs
from the student's kernel (`requests`), and turns the kernel's replies into an `Outcome`.
"""
import inspect
import sys
import traceback
from abc import ABC, abstractmethod
from dataclasses import dataclass, field
from typing import Any, ClassVar

import nbformat
import numpy as np
from nbformat.v4 import new_code_cell, new_markdown_cell
from pydantic import BaseModel, ConfigDict, ValidationError

from grader.checks import messages as msg
from grader.checks.evidence import ANSWERED, CELL_ERRORS, REPLIES, TIMED_OUT, Evidence
from grader.checks.values import Unreadable, fmt
from grader.core.result import Detail, Status
from grader.core.result import Diagnosis as Mistake
from grader.core.text import Text
from grader.core.errors import ConfigError
from grader.core.settings import Course
from grader.kernel.probe import Request
from grader.references import References, ReferenceError_
from grader.rubric.schema import Answer, Diagnosis, Question, Rubric

REGISTRY: dict[str, type["Check"]] = {}


class NotReady(ConfigError, RuntimeError):
    """Something a check needs at grading time is missing (a dataset): stop before grading anyone."""


@dataclass
class Outcome:
    """How one answer fared: a fraction of its points and what to tell the student."""

    fraction: float
    status: Status
    feedback: Text
    expected: str | None = None
    found: str | None = None
    details: list[Detail] = field(default_factory=list)
    error: str | None = None
    diagnosis: Mistake | None = None  # see `ValueCheck.diagnose`

    @classmethod
    def scored(cls, fraction: float, **kw: Any) -> "Outcome":
        status = Status.of_fraction(fraction)
        feedback = kw.pop("feedback", None) or msg.for_status(status)
        return cls(fraction=max(0.0, min(1.0, fraction)), status=status, feedback=feedback, **kw)


def unanswered(evidence: Evidence, question_id: str, name: str) -> Outcome:
    """Why an answer is absent: its cell failed or ran out of time, or it was never written (a check
    calling this needs `evidence.ANSWERED`)."""
    error = evidence[CELL_ERRORS].get(question_id)
    if error is None:
        return Outcome(0.0, Status.MISSING, msg.missing(name))
    feedback = msg.CELL_TIMEOUT if question_id in evidence[TIMED_OUT] else msg.CELL_FAILED
    return Outcome(0.0, Status.ERROR, feedback, error=error)


class NoOptions(BaseModel):
    model_config = ConfigDict(extra="forbid")


class Check(ABC):
    kind: ClassVar[str]
    needs_name: ClassVar[bool] = True
    needs_reference: ClassVar[bool] = True
    by_person: ClassVar[bool] = False  # a person grades the answer; the check only collects it
    needs: ClassVar[frozenset[str]] = frozenset()  # the kinds of evidence `grade` reads (grader.checks.evidence)
    Options: ClassVar[type[BaseModel]] = NoOptions

    def __init_subclass__(cls, **kwargs: Any):
        super().__init_subclass__(**kwargs)
        if "kind" in cls.__dict__:
            REGISTRY[cls.kind] = cls

    def __init__(self, question: Question, answer: Answer, references: References):
        self.question, self.answer, self.references = question, answer, references
        self.options = self.Options.model_validate(answer.options)

    def prepare(self, rng: np.random.Generator) -> None:
        """Compute what the answer is compared with; runs once per grading run."""

    def skip(self, rng: np.random.Generator) -> None:
        """Advance `rng` exactly as `prepare` would, computing nothing (for one question's answers alone)."""

    def preflight(self) -> None:
        """Raise `NotReady` if something this check needs at grading time is missing."""

    def held_out(self) -> list[str]:
        """Data files (relative to the data folder) that the student's kernel must not see."""
        return []

    def requests(self) -> list[Request]:
        return []

    @abstractmethod
    def grade(self, evidence: Evidence) -> Outcome: ...

    def expected_json(self) -> Any:
        """The reference answer as JSON-able data, for `grader reference`."""
        return None

    @classmethod
    def validate(cls, answer: Answer, options: BaseModel, references: References) -> list[tuple[tuple, str]]:
        """Problems with this answer's rubric entry beyond the schema: (location, message)."""
        if cls.needs_reference and answer.reference is None:
            return [(("reference",), f"a {cls.kind} check needs a reference function")]
        return []

    @classmethod
    def template_cells(cls, question: Question, answer: Answer) -> list[nbformat.NotebookNode]:
        """The cells of the released student notebook for this answer: its prompt, and a code cell
        defining the answer's name (the rubric's `stub`, else `name = None`)."""
        tag = {"grader": {"question": question.id}}
        cells = [new_markdown_cell(f"{prompt_text(answer)}\n\n`{answer.name}` · {answer.points:g} points / امتیاز",
                                   metadata=tag)]
        source = answer.stub.rstrip() if answer.stub else f"{answer.name} = None  # your answer / پاسخ شما"
        cells.append(new_code_cell(source, metadata={"grader": {"question": question.id, "answer": answer.name}}))
        return cells


def rtl(text: str) -> str:
    """Markdown shown right to left (Persian)."""
    return f"<div dir=\"rtl\">\n\n{text}\n\n</div>"


def prompt_text(answer: Answer) -> str:
    """An answer's prompt in the template: Persian, then English."""
    return f"{rtl(answer.prompt.fa)}\n\n{answer.prompt.en}"


class ValueCheck(Check):
    """A check on one value the notebook defines, against one reference function's result.

    The rubric's diagnoses are known wrong values, each computed by a reference function under a
    changed assumption; a wrong answer that matches one is told which mistake it made (`diagnose`).
    """

    needs = ANSWERED
    expected: Any = None
    variants: list[tuple[Diagnosis, Any]] = []

    def prepare(self, rng: np.random.Generator) -> None:
        self.expected = self.references.call(self.answer.reference, **self.answer.params)
        self.variants = [(d, self.references.call(d.reference, **d.params)) for d in self.answer.diagnoses]

    def requests(self) -> list[Request]:
        return [Request(key=self.answer.name, name=self.answer.name)]

    def expected_json(self) -> Any:
        return self.expected

    def grade(self, evidence: Evidence) -> Outcome:
        reply = evidence[REPLIES].get(self.answer.name)
        cell_error = evidence[CELL_ERRORS].get(self.question.id)
        if reply is None or reply.status == "missing":
            outcome = unanswered(evidence, self.question.id, self.answer.name)
            outcome.expected = self.shown_expected()
            return outcome
        if reply.status == "error":
            return Outcome(0.0, Status.ERROR, msg.reply_failed(reply.reason, self.answer.name), error=reply.error)
        try:
            outcome = self.compare(reply.value)
        except Unreadable as exc:  # anything else is a fault of ours: see `judge`
            outcome = Outcome(0.0, Status.FAILED, Text(exc.fa, exc.en), found=fmt(reply.value))
        if self.answer.secret:  # nothing derived from a secret expected value leaves the grader
            outcome.expected = None
            outcome.details = [d.withheld() for d in outcome.details]
        else:
            try:
                self.diagnose(reply.value, outcome)
            except Exception:  # noqa: BLE001 - a fault of ours in a diagnosis never costs the answer its grade
                print(f"grader: internal error diagnosing {self.answer.name} ({self.question.id}):\n"
                      f"{traceback.format_exc()}", file=sys.stderr)
        outcome.error = outcome.error or (cell_error if outcome.status is not Status.PASSED else None)
        return outcome

    def shown_expected(self) -> str | None:
        return None if self.answer.secret else fmt(self.expected)

    def compare(self, found: Any) -> Outcome:
        return self.compare_with(found, self.expected)

    @abstractmethod
    def compare_with(self, found: Any, expected: Any) -> Outcome:
        """How `found` fares against `expected`: the reference's value, or a diagnosis's wrong one."""

    def diagnose(self, found: Any, outcome: Outcome) -> None:
        """Attach to a wrong `outcome` the diagnoses whose wrong value `found` matches, by the same
        `compare_with` and tolerance: the whole answer's, or, where the outcome has details (array
        parts, table cells), each wrong detail's that the diagnosis's value makes right. Where several
        fit a detail, the one that explains most of the answer is the likelier mistake (then the first
        listed); a right answer or detail never gets one."""
        if outcome.status is Status.PASSED:
            return
        wrong = [d for d in outcome.details if not d.ok]
        fits: list[tuple[Diagnosis, list[Detail]]] = []
        for diagnosis, variant in self.variants:
            try:
                guess = self.compare_with(found, variant)
            except Unreadable:
                continue
            if not outcome.details:
                if guess.status is Status.PASSED:
                    outcome.diagnosis = _diagnosis_text(diagnosis)
                    return
                continue
            still_wrong = {d.label for d in guess.details if not d.ok}
            fits.append((diagnosis, [d for d in wrong if d.label not in still_wrong]))
        for diagnosis, explained in sorted(fits, key=lambda fit: -len(fit[1])):
            for detail in explained:
                detail.diagnosis = detail.diagnosis or _diagnosis_text(diagnosis)


def _diagnosis_text(diagnosis: Diagnosis) -> Mistake:
    return Mistake(diagnosis.mistake, diagnosis.explain)


def judge(check: Check, evidence: Evidence) -> Outcome:
    """`check.grade`, where a fault of the grader's costs this one answer: it is logged with its
    traceback and the answer marked `internal_error`, never the student's error."""
    try:
        return check.grade(evidence)
    except Exception:  # noqa: BLE001 - any bug of ours, on this answer only
        print(f"grader: internal error checking {check.answer.name or check.question.id} "
              f"({check.question.id}):\n{traceback.format_exc()}", file=sys.stderr)
        return Outcome(0.0, Status.INTERNAL_ERROR, msg.INTERNAL_ERROR)


def build_check(question: Question, answer: Answer, references: References) -> Check:
    return REGISTRY[answer.check](question, answer, references)


def validate_answer(rubric: Rubric, answer: Answer, with_references: bool = True,
                    course: Course | None = None) -> list[tuple[tuple, str]]:
    """Everything wrong with one answer entry, as (location inside the answer, message). Without
    `with_references`, only what can be told without importing the reference code (its check type,
    name and options): enough to build the check."""
    cls = REGISTRY.get(answer.check)
    if cls is None:
        return [(("check",), f"unknown check type {answer.check!r} (known: {', '.join(sorted(REGISTRY))})")]
    problems: list[tuple[tuple, str]] = []
    if cls.needs_name and not answer.name:
        problems.append(((), f"a {answer.check} check needs the `name` the notebook defines"))
    try:
        options = cls.Options.model_validate(answer.options)
    except ValidationError as exc:
        return problems + [(("options",) + tuple(e["loc"]), e["msg"]) for e in exc.errors()]
    if not with_references:
        return problems
    references = References(rubric.reference, course)
    if answer.reference is not None:
        try:
            references.function(answer.reference)
        except ReferenceError_ as exc:
            problems.append((("reference",), str(exc)))
    if answer.diagnoses and not issubclass(cls, ValueCheck):
        problems.append((("diagnoses",), f"a {answer.check} check takes no diagnoses (only checks on one value do)"))
    for i, diagnosis in enumerate(answer.diagnoses):
        problems += [(("diagnoses", i) + loc, message) for loc, message in _diagnosis_problems(diagnosis, references)]
    return problems + cls.validate(answer, options, references)


def _diagnosis_problems(diagnosis: Diagnosis, references: References) -> list[tuple[tuple, str]]:
    """A diagnosis names a function of the rubric's own reference package (as an answer's
    `reference` does) that takes its `params`, so its wrong value can be computed when grading starts."""
    try:
        fn = references.function(diagnosis.reference)
    except ReferenceError_ as exc:
        return [(("reference",), str(exc))]
    try:
        inspect.signature(fn).bind(**diagnosis.params)
    except TypeError as exc:
        return [(("params",), f"{diagnosis.reference} cannot take these params: {exc}")]
    return []
