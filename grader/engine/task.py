"""One submission's grading as one value: what `grade_submission` needs, built by `ClassRun.task`
and handed to whichever engine runs it (a local pool process, a Ray task)."""
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

from grader.engine import gpus
from grader.engine.plan import GradingPlan
from grader.intake import Submission
from grader.intake.submitted_at import SubmittedAt


def kernel_environment(kernel_env: dict[str, str], gpu_slot: str | None) -> dict[str, str]:
    """A kernel's environment on top of the grader's defaults: `kernel_env` (its thread count) and
    its GPU slot as its only visible device; without a slot it sees no GPU at all."""
    return {**kernel_env, **gpus.kernel_env(gpu_slot)}


@dataclass(frozen=True)
class GradeTask:
    """Everything the grading of one submission needs, and nothing of the process that runs it.

    Picklable (every field is), so an engine sends it as it is: a process pool pickles it to a
    worker, Ray to a task. The plan travels with each task (tens of KB; it carries the course
    settings, whose reference code the worker imports). `gpu_slot` is set where the task lands
    (`on_slot`): a local worker's slot for its lifetime, the devices Ray gave a task; None is no GPU.
    Frozen: an engine makes a changed copy, never changes the one it was given.
    """

    plan: GradingPlan
    submission: Submission
    out_dir: Path
    lang: str = "both"
    kernel_env: dict[str, str] = field(default_factory=dict)  # besides the GPU slot: OMP_NUM_THREADS
    use_sandbox: bool = True
    manual_scores: dict[str, dict[str, Any]] = field(default_factory=dict)  # this student's saved ones
    gpu_slot: str | None = None
    submitted_at: SubmittedAt | None = None  # for the rubric's deadline; None without one

    @property
    def report_path(self) -> Path:
        """Where the student's PDF goes."""
        return self.out_dir / f"{self.submission.student_id}.pdf"

    @property
    def env(self) -> dict[str, str]:
        """The environment the submission's kernel gets from its engine."""
        return kernel_environment(self.kernel_env, self.gpu_slot)

    def on_slot(self, gpu_slot: str | None) -> "GradeTask":
        """This task on the GPU slot of where it runs."""
        return replace(self, gpu_slot=gpu_slot)
