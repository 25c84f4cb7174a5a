"""The graded result of one student, typed: answers, questions, the student, and their JSON.

A question's points, status and feedback and a student's total are always derived from the
answers (`QuestionResult.points`, `.status`), so a fresh grading, a teaching assistant's score
and an old result file read back all follow the same rule. The status of an answer says how it
went; `by_person` says who grades it. The JSON keeps the words of earlier versions (an answer
waiting for a person is `"manual"`), so results cached by an older grader still read and re-render.
"""
from __future__ import annotations

import math
from dataclasses import dataclass, field, replace
from enum import StrEnum
from typing import Any

from grader.core.text import Text

SCHEMA_VERSION = 2
FULL = 1 - 1e-9  # a fraction this close to 1 is full marks (sums of float points)


class Status(StrEnum):
    PASSED = "passed"
    PARTIAL = "partial"
    FAILED = "failed"
    ERROR = "error"  # the student's code raised or ran out of time
    MISSING = "missing"  # no answer
    PENDING = "manual"  # waiting for a person to grade it
    INTERNAL_ERROR = "internal_error"  # a fault of the grader's, never the student's

    @classmethod
    def of_fraction(cls, fraction: float) -> Status:
        """The one rule from a fraction of the points to a status."""
        return cls.PASSED if fraction >= FULL else cls.PARTIAL if fraction > 0 else cls.FAILED

    @classmethod
    def read(cls, value: Any) -> Status:
        try:
            return cls(value)
        except ValueError:
            return cls.MISSING


UNANSWERED = frozenset({Status.MISSING, Status.ERROR, Status.INTERNAL_ERROR})

FEEDBACK = {
    Status.PASSED: Text("پاسخ درست است.", "Correct."),
    Status.PARTIAL: Text("بخشی از پاسخ درست است.", "Partly correct."),
    Status.FAILED: Text("پاسخ با مقدار مرجع یکسان نیست.", "The answer does not match the reference."),
    Status.PENDING: Text("این پرسش را دستیار آموزشی تصحیح می‌کند.", "A teaching assistant grades this question."),
}

LABEL = {  # a status in a word, for tables
    Status.PASSED: Text("قبول", "passed"),
    Status.PARTIAL: Text("نسبی", "partial"),
    Status.FAILED: Text("نادرست", "failed"),
    Status.ERROR: Text("خطا", "error"),
    Status.MISSING: Text("بی‌پاسخ", "missing"),
    Status.PENDING: Text("تصحیح دستی", "manual"),
    Status.INTERNAL_ERROR: Text("خطای سامانه", "grader fault"),
}


def _num(value: Any, default: float = 0.0) -> float:
    try:
        number = float(value)
    except (TypeError, ValueError):
        return default
    return number if math.isfinite(number) else default


def _opt_str(value: Any) -> str | None:
    return None if value is None else str(value)


def _dicts(value: Any) -> list[dict[str, Any]]:
    return [v for v in value if isinstance(v, dict)] if isinstance(value, list) else []


@dataclass(frozen=True)
class Diagnosis:
    """A known mistake the wrong answer matches, and the right reasoning."""

    mistake: Text
    explain: Text

    def to_json(self) -> dict[str, Any]:
        return {"mistake": self.mistake.to_json(), "explain": self.explain.to_json()}

    @classmethod
    def from_json(cls, value: Any) -> Diagnosis | None:
        if not isinstance(value, dict):
            return None
        found = cls(Text.from_json(value.get("mistake")), Text.from_json(value.get("explain")))
        return found if found.mistake or found.explain else None


@dataclass
class Detail:
    """One part of an answer (an array's entry, a table's cell, a model's metric)."""

    label: str
    expected: str | None
    found: str | None
    ok: bool
    note: str | None = None
    diagnosis: Diagnosis | None = None

    def to_json(self) -> dict[str, Any]:
        return {"label": self.label, "expected": self.expected, "found": self.found, "ok": self.ok,
                "note": self.note, "diagnosis": self.diagnosis.to_json() if self.diagnosis else None}

    @classmethod
    def from_json(cls, d: dict[str, Any]) -> Detail:
        return cls(str(d.get("label") or ""), _opt_str(d.get("expected")), _opt_str(d.get("found")),
                   bool(d.get("ok")), _opt_str(d.get("note")), Diagnosis.from_json(d.get("diagnosis")))

    def withheld(self) -> Detail:
        """Without the expected value and the note worked out from it (a difference)."""
        return replace(self, expected=None, note=None)


@dataclass
class AnswerResult:
    """One graded answer."""

    name: str
    check: str
    max_points: float
    status: Status
    points: float = 0.0
    by_person: bool = False  # a person grades it; `status` is PENDING until they have
    secret: bool = False
    expected: str | None = None
    found: str | None = None
    feedback: Text = field(default_factory=Text)
    details: list[Detail] = field(default_factory=list)
    error: str | None = None
    diagnosis: Diagnosis | None = None

    def set(self, points: float, status: Status, feedback: Text) -> bool:
        """Set the grade; True if it changed."""
        if (self.points, self.status, self.feedback) == (points, status, feedback):
            return False
        self.points, self.status, self.feedback = points, status, feedback
        return True

    def to_json(self) -> dict[str, Any]:
        return {"name": self.name or None, "check": self.check, "points": self.points, "max_points": self.max_points,
                "status": self.status.value, "by_person": self.by_person, "secret": self.secret,
                "expected": self.expected, "found": self.found, "feedback": self.feedback.to_json(),
                "details": [d.to_json() for d in self.details], "error": self.error,
                "diagnosis": self.diagnosis.to_json() if self.diagnosis else None}

    @classmethod
    def from_json(cls, a: dict[str, Any]) -> AnswerResult:
        check = str(a.get("check") or "")
        by_person = a.get("by_person")
        return cls(name=str(a.get("name") or ""), check=check, max_points=_num(a.get("max_points")),
                   status=Status.read(a.get("status")), points=_num(a.get("points")),
                   by_person=bool(by_person) if by_person is not None else check == "manual",  # files before v2
                   secret=bool(a.get("secret")), expected=_opt_str(a.get("expected")),
                   found=_opt_str(a.get("found")), feedback=Text.from_json(a.get("feedback")),
                   details=[Detail.from_json(d) for d in _dicts(a.get("details"))],
                   error=_opt_str(a.get("error")), diagnosis=Diagnosis.from_json(a.get("diagnosis")))


@dataclass
class QuestionResult:
    """One question: its answers, and what is derived from them."""

    id: str
    title: Text
    max_points: float
    answers: list[AnswerResult]
    assumptions: list[Text] = field(default_factory=list)
    answer_text: str | None = None  # the essay a person grades, as the notebook had it

    @property
    def points(self) -> float:
        return round(sum(a.points for a in self.answers), 4)

    @property
    def pending_points(self) -> float:
        """Points still waiting for a person."""
        return sum(a.max_points for a in self.answers if a.status is Status.PENDING)

    @property
    def by_person(self) -> list[AnswerResult]:
        return [a for a in self.answers if a.by_person]

    @property
    def person_points(self) -> float:
        """The points of this question that a person grades."""
        return sum(a.max_points for a in self.by_person)

    @property
    def status(self) -> Status:
        graded = [a for a in self.answers if a.status is not Status.PENDING]
        if not graded:
            return Status.PENDING
        top = sum(a.max_points for a in graded)
        fraction = sum(a.points for a in graded) / top if top else 0.0
        if fraction > 0:
            return Status.of_fraction(fraction)
        statuses = {a.status for a in self.answers}
        if statuses <= UNANSWERED | {Status.PENDING}:
            for special in (Status.INTERNAL_ERROR, Status.ERROR, Status.MISSING):
                if special in statuses:
                    return special
        return Status.FAILED

    @property
    def feedback(self) -> Text:
        """One answer speaks for itself; several are summed up by the question's status."""
        status = self.status
        if status is Status.PENDING:
            return FEEDBACK[Status.PENDING]
        if len(self.answers) > 1 and status in (Status.PASSED, Status.PARTIAL, Status.FAILED):
            return FEEDBACK[status]
        return self.answers[0].feedback if self.answers else Text()

    def to_json(self) -> dict[str, Any]:
        return {"id": self.id, "title": self.title.to_json(), "points": self.points, "max_points": self.max_points,
                "status": self.status.value, "feedback": self.feedback.to_json(),
                "manual_points": self.pending_points, "assumptions": [a.to_json() for a in self.assumptions],
                "answer_text": self.answer_text, "answers": [a.to_json() for a in self.answers]}

    @classmethod
    def from_json(cls, q: dict[str, Any]) -> QuestionResult:
        return cls(id=str(q.get("id") or ""), title=Text.from_json(q.get("title")),
                   max_points=_num(q.get("max_points")),
                   answers=[AnswerResult.from_json(a) for a in _dicts(q.get("answers"))],
                   assumptions=[t for t in map(Text.from_json, q.get("assumptions") or []) if t]
                   if isinstance(q.get("assumptions"), list) else [],
                   answer_text=_opt_str(q.get("answer_text")))


@dataclass(frozen=True)
class RunError:
    """Why a notebook could not be (fully) graded: a kind, a message for the student, a detail."""

    kind: str
    message: Text
    detail: str | None = None

    @property
    def grader_fault(self) -> bool:
        return self.kind == Status.INTERNAL_ERROR.value

    def to_json(self) -> dict[str, Any]:
        return {"kind": self.kind, "message": self.message.to_json(), "detail": self.detail}

    @classmethod
    def from_json(cls, e: Any) -> RunError:
        if not isinstance(e, dict):
            return cls("", Text.from_json(e))
        return cls(str(e.get("kind") or ""), Text.from_json(e.get("message")), _opt_str(e.get("detail")))


@dataclass(frozen=True)
class Student:
    id: str
    name_fa: str = ""
    name_en: str = ""
    email: str = ""

    @property
    def name(self) -> str:
        """The name for a table of one script: English, else Persian, else empty."""
        return self.name_en or self.name_fa


@dataclass(frozen=True)
class Lateness:
    """A hand-in measured against the rubric's deadline: when it came (None: unknown, then no penalty
    and `problem` says why), from where, how many days (or parts of one) late, and the percent of its
    points it loses."""

    deadline: str
    submitted_at: str | None
    source: str
    days_late: int = 0
    penalty_percent: float = 0.0
    problem: str | None = None

    def to_json(self) -> dict[str, Any]:
        return {"deadline": self.deadline, "submitted_at": self.submitted_at, "source": self.source,
                "days_late": self.days_late, "penalty_percent": self.penalty_percent, "problem": self.problem}

    @classmethod
    def from_json(cls, value: Any) -> Lateness | None:
        if not isinstance(value, dict) or not value.get("deadline"):
            return None
        return cls(str(value["deadline"]), _opt_str(value.get("submitted_at")), str(value.get("source") or ""),
                   int(_num(value.get("days_late"))), min(100.0, max(0.0, _num(value.get("penalty_percent")))),
                   _opt_str(value.get("problem")))


@dataclass
class StudentResult:
    """Everything graded for one student's submission to one assignment."""

    student: Student
    assignment: str
    max_total: float
    questions: list[QuestionResult] = field(default_factory=list)
    assignment_title: Text = field(default_factory=Text)
    course: Text = field(default_factory=Text)
    graded_at: str = ""
    hashes: dict[str, str] = field(default_factory=dict)
    errors: list[RunError] = field(default_factory=list)
    notices: list[Text] = field(default_factory=list)
    runtime_s: float | None = None
    late: Lateness | None = None  # None: the rubric has no deadline

    @property
    def student_id(self) -> str:
        return self.student.id

    @property
    def points_before_penalty(self) -> float:
        return round(sum(q.points for q in self.questions), 4)

    @property
    def total(self) -> float:
        """The questions' points less the late penalty, which follows any later change of them (a
        teaching assistant's score)."""
        penalty = self.late.penalty_percent if self.late else 0.0
        return round(self.points_before_penalty * (1 - penalty / 100), 4)

    @property
    def pending_points(self) -> float:
        return round(sum(q.pending_points for q in self.questions), 4)

    @property
    def answers(self) -> list[AnswerResult]:
        return [a for q in self.questions for a in q.answers]

    def question(self, qid: str) -> QuestionResult | None:
        return next((q for q in self.questions if q.id == qid), None)

    @property
    def grader_fault(self) -> bool:
        """Not whole by a fault of the grader's: the submission's or one answer's."""
        return any(e.grader_fault for e in self.errors) or \
            any(a.status is Status.INTERNAL_ERROR for a in self.answers)

    def to_json(self) -> dict[str, Any]:
        return {"schema": SCHEMA_VERSION, "student_id": self.student.id,
                "student": {"name_fa": self.student.name_fa, "name_en": self.student.name_en,
                            **({"email": self.student.email} if self.student.email else {})},
                "assignment": self.assignment, "assignment_title": self.assignment_title.to_json(),
                "course": self.course.to_json(), "graded_at": self.graded_at, "hashes": dict(self.hashes),
                "errors": [e.to_json() for e in self.errors], "notices": [n.to_json() for n in self.notices],
                "questions": [q.to_json() for q in self.questions], "total": self.total,
                "manual_pending": self.pending_points, "max_total": self.max_total, "runtime_s": self.runtime_s,
                **({"late": self.late.to_json()} if self.late else {})}

    @classmethod
    def from_json(cls, r: dict[str, Any]) -> StudentResult:
        """Read a result file of this or an earlier version; absent or malformed parts read as empty."""
        names: dict[str, Any] = r["student"] if isinstance(r.get("student"), dict) else {}
        hashes: dict[str, Any] = r["hashes"] if isinstance(r.get("hashes"), dict) else {}
        runtime = r.get("runtime_s")
        return cls(student=Student(str(r.get("student_id") or ""), str(names.get("name_fa") or ""),
                                   str(names.get("name_en") or ""), str(names.get("email") or "")),
                   assignment=str(r.get("assignment") or ""), max_total=_num(r.get("max_total")),
                   questions=[QuestionResult.from_json(q) for q in _dicts(r.get("questions"))],
                   assignment_title=Text.from_json(r.get("assignment_title")), course=Text.from_json(r.get("course")),
                   graded_at=str(r.get("graded_at") or ""),
                   hashes={str(k): str(v) for k, v in hashes.items() if v},
                   errors=[RunError.from_json(e) for e in (r.get("errors") or [])
                           ] if isinstance(r.get("errors"), list) else [],
                   notices=[t for t in map(Text.from_json, r.get("notices") or []) if t]
                   if isinstance(r.get("notices"), list) else [],
                   runtime_s=None if runtime is None else _num(runtime), late=Lateness.from_json(r.get("late")))
