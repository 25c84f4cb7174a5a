"""What a grading run computes once and every submission shares: the rubric and reference answers,
and the course they come from (handed to every worker with the plan)."""
import hashlib
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from grader.checks import Check, build_check
from grader.core.settings import Course
from grader.engine.imports import HEAVY, preload_for
from grader.intake import Submission
from grader.kernel.probe import Request
from grader.references import References
from grader.rubric import Question, Rubric
from grader.rubric.schema import KernelOptions
from grader.checks import check_references, load_rubric


@dataclass
class GradingPlan:
    rubric: Rubric
    rubric_hash: str
    reference_hash: str
    checks: list[tuple[Question, list[Check]]]
    seed: int
    rubric_path: Path
    prepared: bool = False
    course: Course = field(default_factory=Course.load)  # its reference code and data folder, for every worker
    kernel: KernelOptions | None = None  # how this run's kernels start: the rubric's, fitted by `fit_kernels`

    def __post_init__(self) -> None:
        if self.kernel is None:
            self.kernel = self.rubric.kernel

    def fit_kernels(self, subs: list[Submission], *, warm: bool = True) -> None:
        """Start this run's kernels as its notebooks need: preload only the heavy modules (the
        rubric's `kernel.preload` and `imports.HEAVY`) that some notebook of `subs` imports, so a
        numpy notebook does not wait for TensorFlow; `warm=False` starts each kernel cold (an engine
        that grades too few notebooks to repay a warm-kernel factory)."""
        preload = preload_for([*self.rubric.kernel.preload, *HEAVY], subs)
        self.kernel = self.rubric.kernel.model_copy(update={"preload": list(preload),
                                                            "warm": self.rubric.kernel.warm and warm})

    @classmethod
    def load(cls, rubric_path: Path, seed: int | None = None, course: Course | None = None) -> "GradingPlan":
        """The rubric and its checks, before any reference code is imported (a fraction of a
        second): enough to know what the kernels need, so that they start while `prepare` runs.
        The reference code is `course`'s (by default the working directory's, `Course.load`)."""
        course = course or Course.load()
        rubric = load_rubric(rubric_path, references=False, course=course)
        references = References(rubric.reference, course)
        seed = int(np.random.SeedSequence().entropy % 2**31) if seed is None else seed
        checks = [(q, [build_check(q, answer, references) for answer in q.answers]) for q in rubric.questions]
        return cls(rubric, hashlib.sha256(Path(rubric_path).read_bytes()).hexdigest()[:16],
                   references.digest, checks, seed, Path(rubric_path), course=course)

    def prepare(self, question_id: str | None = None) -> None:
        """Check the rubric's reference names and compute every reference answer (function-check
        inputs drawn with the plan's seed): seconds, most of it importing the reference code.

        Given `question_id`, that question's alone (what `grader reference ID Q` prints), with the
        inputs a whole run draws: the other checks only advance the generator as they would, and
        the reference code they name is not imported. Such a plan is not prepared for grading."""
        check_references(self.rubric_path, self.rubric, self.course, question_id)  # what `load` left unchecked
        rng = np.random.default_rng(self.seed)
        for question, checks in self.checks:
            for check in checks:
                if question_id in (None, question.id):
                    check.prepare(rng)
                else:
                    check.skip(rng)
        self.prepared = question_id is None

    @classmethod
    def build(cls, rubric_path: Path, seed: int | None = None, course: Course | None = None) -> "GradingPlan":
        """A plan with every reference answer computed."""
        plan = cls.load(rubric_path, seed, course)
        plan.prepare()
        return plan

    def preflight(self) -> None:
        """Raise `NotReady` before anyone is graded if a check lacks what it needs (a dataset)."""
        for _, checks in self.checks:
            for check in checks:
                check.preflight()

    def held_out(self) -> list[str]:
        """Data files no kernel may see: the splits models are evaluated on."""
        return sorted({f for _, checks in self.checks for c in checks for f in c.held_out()})

    def requests(self) -> list[Request]:
        return [r for _, checks in self.checks for c in checks for r in c.requests()]

    def needs(self) -> frozenset[str]:
        """The kinds of evidence the checks read: what is collected of each run, and no more."""
        return frozenset(kind for _, checks in self.checks for c in checks for kind in c.needs)


def assignment_meta(r: Rubric) -> dict:
    """What the class summary needs to know about the assignment."""
    return {"assignment": r.assignment, "title": r.title.to_json(), "course": r.course.to_json(),
            "questions": [{"id": q.id, "title": q.title.to_json(), "max_points": q.points}
                          for q in r.questions]}
