"""The class as its gradebook lists it: the roster (who is enrolled), the graded submissions, and
each student's standing, so that nobody enrolled is left out and nobody unknown is graded silently.

grades.csv, grades.xlsx and moodle.csv are all written from the same `GradebookRow`s, so the three
agree on who is in the class and on what is still pending.
"""
from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum
from typing import Any

from grader.core.result import Student, StudentResult


class Standing(StrEnum):
    """A student's line of the gradebook in a word (its `status` column)."""

    GRADED = "graded"
    PENDING = "pending"  # points of an essay still wait for a person
    RUN_ERROR = "run error"  # the hand-in could not be (fully) run: its points may not say what the student knows
    NO_SUBMISSION = "no submission"  # on the roster, nothing handed in: 0 points
    NOT_ON_ROSTER = "not on roster"  # handed in under an id the roster does not have


PENDING_CELL = "pending"  # a question's cell in grades.csv and grades.xlsx while its points wait for a person

# `grader run --moodle-identity`: the roster column Moodle matches a row by → the header Moodle's
# import page offers for it ("Map from"); `idnumber` falls back to the student id.
MOODLE_IDENTITIES = {"idnumber": "ID number", "email": "Email address", "username": "Username"}


@dataclass(frozen=True)
class Enrolled:
    """One roster row, already cleaned of control and bidi formatting characters."""

    id: str
    name_fa: str = ""
    name_en: str = ""
    email: str = ""
    idnumber: str = ""
    username: str = ""

    def identity(self, field: str) -> str:
        """The value Moodle matches this student by (`MOODLE_IDENTITIES`); empty when the roster has none."""
        found = {"idnumber": self.idnumber or self.id, "email": self.email, "username": self.username}
        return found[field].strip()

    def to_json(self) -> dict[str, str]:
        return {"id": self.id, "name_fa": self.name_fa, "name_en": self.name_en, "email": self.email,
                "idnumber": self.idnumber, "username": self.username}

    @classmethod
    def from_json(cls, d: dict[str, Any]) -> Enrolled:
        def text(key: str) -> str:
            value = d.get(key)
            return value if isinstance(value, str) else ""
        return cls(text("id"), text("name_fa"), text("name_en"), text("email"), text("idnumber"), text("username"))


@dataclass(frozen=True)
class ClassRecord:
    """What a run knows of the class beyond each result, kept beside the results so that a later
    `manual import` writes the same gradebook: the roster (None: the class has no students.csv) and
    the identity field of moodle.csv."""

    roster: tuple[Enrolled, ...] | None = None
    moodle_identity: str = "idnumber"

    def to_json(self) -> dict[str, Any]:
        return {"roster": None if self.roster is None else [e.to_json() for e in self.roster],
                "moodle_identity": self.moodle_identity}

    @classmethod
    def from_json(cls, d: Any) -> ClassRecord:
        if not isinstance(d, dict):
            return cls()
        roster = d.get("roster")
        identity = d.get("moodle_identity")
        return cls(tuple(Enrolled.from_json(e) for e in roster if isinstance(e, dict)) if isinstance(roster, list)
                   else None, identity if identity in MOODLE_IDENTITIES else "idnumber")


@dataclass(frozen=True)
class GradebookRow:
    """One student of the gradebook: a roster student with or without a result, or a result whose
    id the roster lacks (`enrolled` None). A class without a roster has each result as its own entry."""

    student: Student
    standing: Standing
    result: StudentResult | None  # None: no submission
    enrolled: Enrolled | None  # None: not on the roster

    def points(self, qid: str) -> float | None:
        """A question's points; None while some of them wait for a person. No submission: 0."""
        question = self.result.question(qid) if self.result else None
        if question is None:
            return 0.0
        return None if question.pending_points else question.points

    @property
    def total(self) -> float:
        """The points given so far (pending ones are not in it)."""
        return self.result.total if self.result else 0.0

    @property
    def pending_points(self) -> float:
        return self.result.pending_points if self.result else 0.0


@dataclass(frozen=True)
class Gradebook:
    """The whole class for one assignment, a row per student sorted by id, as every gradebook file shows it."""

    assignment: str
    question_ids: list[str]
    max_total: float
    rows: list[GradebookRow]
    moodle_identity: str = "idnumber"
