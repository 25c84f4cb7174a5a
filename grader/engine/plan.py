"""What a grading run computes once and every submission shares: the rubric and reference answers."""
import hashlib
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from grader.checks import Check, build_check
from grader.kernel.probe import Request
from grader.references import References
from grader.rubric import Question, Rubric, load_rubric


@dataclass
class GradingPlan:
    rubric: Rubric
    rubric_hash: str
    reference_hash: str
    checks: list[tuple[Question, list[Check]]]
    seed: int

    @classmethod
    def build(cls, rubric_path: Path, seed: int | None = None) -> "GradingPlan":
        """Load the rubric and compute every reference answer (function-check inputs drawn with `seed`)."""
        rubric = load_rubric(rubric_path)
        references = References(rubric.reference)
        seed = int(np.random.SeedSequence().entropy % 2**31) if seed is None else seed
        rng = np.random.default_rng(seed)
        checks = []
        for question in rubric.questions:
            built = [build_check(question, answer, references) for answer in question.answers]
            for check in built:
                check.prepare(rng)
            checks.append((question, built))
        return cls(rubric, hashlib.sha256(Path(rubric_path).read_bytes()).hexdigest()[:16],
                   references.digest, checks, seed)

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


def assignment_meta(r: Rubric) -> dict:
    """What the class summary needs to know about the assignment."""
    return {"assignment": r.assignment, "title": r.title.model_dump(), "course": r.course.model_dump(),
            "questions": [{"id": q.id, "title": q.title.model_dump(), "max_points": q.points}
                          for q in r.questions]}
