"""The rubric schema. Check-specific options are validated by the check class that owns them."""
import re
import sys
from typing import Annotated, Any

from pydantic import AfterValidator, AwareDatetime, BaseModel, ConfigDict, Field, field_validator, model_validator

from grader.core.text import Text as BiText

QUESTION_ID = re.compile(r"q\d+[a-z]?")
IDENT = re.compile(r"[A-Za-z_][A-Za-z0-9_]*")
# A module path or a reference name: identifiers joined by dots, nothing else (use with fullmatch).
DOTTED = re.compile(r"[A-Za-z_][A-Za-z0-9_]*(?:\.[A-Za-z_][A-Za-z0-9_]*)*")


class Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


def _both_sides(text: BiText) -> BiText:
    if not (text.fa and text.en):
        raise ValueError("a text of the rubric is written in both Persian (fa) and English (en)")
    return text


Text = Annotated[BiText, AfterValidator(_both_sides)]  # the core's bilingual text, both sides required


class Tolerance(Strict):
    rtol: float = Field(default=1e-4, ge=0)
    atol: float = Field(default=1e-6, ge=0)


def _dotted_reference(v: str) -> str:
    """Refused as the rubric is read (file:line, nothing imported yet): only a dotted path of
    identifiers stays inside the reference package once `References.function` imports it."""
    if not DOTTED.fullmatch(v):
        raise ValueError(f"{v!r} is not a reference name: module.function inside the rubric's reference "
                         "package, Python identifiers joined by dots")
    return v


class Diagnosis(Strict):
    """A known wrong answer and what it teaches: the value the reference computes under a changed
    assumption (`params`, e.g. the bias left out) is recognised in a student's answer, which is then
    told which mistake it is (`mistake`, a few words) and the right reasoning (`explain`)."""

    reference: str
    params: dict[str, Any] = Field(default_factory=dict)
    mistake: Text
    explain: Text

    @field_validator("reference")
    @classmethod
    def _reference_name(cls, v: str) -> str:
        return _dotted_reference(v)


class Answer(Strict):
    """One graded answer: the name the notebook defines and how it is checked."""

    name: str | None = None
    check: str
    points: float = Field(gt=0)
    prompt: Text
    reference: str | None = None
    params: dict[str, Any] = Field(default_factory=dict)
    tolerance: Tolerance = Tolerance()
    secret: bool = False
    stub: str | None = Field(default=None, description="starter code for the answer cell of the template")
    options: dict[str, Any] = Field(default_factory=dict)
    diagnoses: list[Diagnosis] = Field(default_factory=list)

    @field_validator("name")
    @classmethod
    def _identifier(cls, v: str | None) -> str | None:
        if v is not None and not IDENT.fullmatch(v):
            raise ValueError(f"{v!r} is not a Python identifier")
        return v

    @field_validator("reference")
    @classmethod
    def _reference_name(cls, v: str | None) -> str | None:
        return None if v is None else _dotted_reference(v)

    @model_validator(mode="after")
    def _secret_undiagnosed(self) -> "Answer":
        """Naming the mistake behind a wrong value tells how the expected value differs from it."""
        if self.secret and self.diagnoses:
            raise ValueError("a secret answer takes no diagnoses: they would reveal the expected value")
        return self


class Question(Strict):
    id: str
    title: Text
    points: float = Field(gt=0)
    assumptions: list[Text] = Field(default_factory=list)
    setup: str | None = None
    answers: list[Answer] = Field(min_length=1)

    @field_validator("id")
    @classmethod
    def _question_id(cls, v: str) -> str:
        if not QUESTION_ID.fullmatch(v):
            raise ValueError(f"question id {v!r} must look like q1, q12 or q4b")
        return v

    @model_validator(mode="after")
    def _points_add_up(self) -> "Question":
        total = sum(a.points for a in self.answers)
        if abs(total - self.points) > 1e-9:
            raise ValueError(f"the answers' points add up to {total:g}, not {self.points:g}")
        return self


class Limits(Strict):
    """Time per cell and per notebook, and the sandbox's resource limits per kernel."""

    cell_timeout_s: float = Field(default=60, gt=0)
    total_timeout_s: float = Field(default=600, gt=0)
    memory_gib: float = Field(default=8, gt=0)
    disk_gib: float = Field(default=1, gt=0, description="size of the kernel's private home (its work folder)")
    tmp_gib: float = Field(default=1, gt=0)
    max_file_gib: float = Field(default=1, gt=0)
    max_processes: int = Field(default=512, ge=16, description="processes and threads of one kernel")
    max_open_files: int = Field(default=1024, ge=64)
    max_output_mib: float = Field(default=2, gt=0, description="output kept per cell; the rest is dropped")
    answer_timeout_s: float = Field(default=5, gt=0, description="time to collect one answer: reading a value, "
                                                                  "or one call of a function answer")
    max_answer_mib: float = Field(default=32, gt=0, description="the largest one answer may be, encoded")
    gpu_share: int = Field(default=1, ge=1, le=64, description="kernels that may share one GPU at a time")


class KernelOptions(Strict):
    """How kernels start: warm (forked per notebook from a process that imported `preload` once) or cold."""

    preload: list[str] = Field(default_factory=lambda: ["numpy"],
                               description="modules the course's notebooks share, imported once per grading process")
    warm: bool = Field(default=True, description="false: a cold interpreter per notebook")

    @field_validator("preload")
    @classmethod
    def _module_names(cls, v: list[str]) -> list[str]:
        for name in v:
            if not DOTTED.fullmatch(name):
                raise ValueError(f"{name!r} is not a module name")
        return v


class LatePolicy(Strict):
    """What a late hand-in loses: nothing within `grace_minutes` of the deadline; then `per_day_percent`
    of its points for each day or part of a day after the deadline; everything (0 points) once it is more
    than `max_days` days late."""

    grace_minutes: float = Field(default=0, ge=0)
    per_day_percent: float = Field(default=0, ge=0, le=100)
    max_days: int = Field(default=5, ge=0)


class Rubric(Strict):
    assignment: str
    title: Text
    course: Text
    reference: str
    frameworks: list[str] = Field(default_factory=lambda: ["pytorch"])
    instructions: Text | None = None
    limits: Limits = Limits()
    kernel: KernelOptions = KernelOptions()
    questions: list[Question] = Field(min_length=1)
    deadline: AwareDatetime | None = Field(default=None, description="ISO 8601 with a timezone")
    late: LatePolicy | None = Field(default=None, description="the penalty after the deadline; without it, "
                                                              "lateness is recorded and costs nothing")

    @field_validator("reference")
    @classmethod
    def _reference_package(cls, v: str) -> str:
        """Answers name functions inside this package; a standard-library module (`subprocess`,
        `builtins`, `os`) would make `getoutput`, `eval` or `system` reference functions."""
        if not DOTTED.fullmatch(v):
            raise ValueError(f"{v!r} is not a package name (Python identifiers joined by dots)")
        if v.split(".")[0] in sys.stdlib_module_names:
            raise ValueError(f"{v!r} is part of Python's standard library, not a reference package")
        return v

    @model_validator(mode="after")
    def _unique(self) -> "Rubric":
        ids = [q.id for q in self.questions]
        dup = {i for i in ids if ids.count(i) > 1}
        if dup:
            raise ValueError(f"question ids repeat: {', '.join(sorted(dup))}")
        names = [a.name for q in self.questions for a in q.answers if a.name]
        dup = {n for n in names if names.count(n) > 1}
        if dup:
            raise ValueError(f"answer names repeat: {', '.join(sorted(dup))}")
        return self

    @model_validator(mode="after")
    def _late_needs_deadline(self) -> "Rubric":
        if self.late is not None and self.deadline is None:
            raise ValueError("a late policy needs a deadline (deadline: 2026-12-01T23:59:00+03:30)")
        return self

    @property
    def max_points(self) -> float:
        return sum(q.points for q in self.questions)

    def question(self, qid: str) -> Question:
        for q in self.questions:
            if q.id == qid:
                return q
        raise KeyError(qid)
