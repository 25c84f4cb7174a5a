"""The engine contract: what a class run is asked to do (`RunOptions`), what every engine offers
(`Engine.run`), and the one place an engine is chosen by name (`engine_named`, for `grader run
--engine` and `grader ci`).

An engine only decides where each `GradeTask` runs; `ClassRun` (class_run.py) does the rest the
same for all of them, so that every engine writes the same files and progress lines.
"""
from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Protocol

from grader.core.errors import ConfigError
from grader.core.result import StudentResult
from grader.core.settings import Course
from grader.intake.submitted_at import SubmissionTimes

if TYPE_CHECKING:
    from grader.engine.class_run import RunSummary

OnDone = Callable[[int, int, StudentResult, bool], None]  # (done, of, result, cached): progress per submission
ENGINES = ("local", "ray")


@dataclass(frozen=True)
class RunOptions:
    """One class run: grade every submission under `submissions` by the rubric at `rubric_path`
    and `course`'s reference code and data (None: the working directory's course), into `out_dir`."""

    submissions: Path
    rubric_path: Path
    out_dir: Path
    jobs: int | None = None  # local: worker processes (default: `local.default_jobs`); Ray: the CPUs of a Ray started here
    gpus: str = "auto"  # auto | none | device ids (the local engine only)
    lang: str = "both"  # the reports' language: both | fa | en
    force: bool = False  # grade again what an earlier run graded from the same files
    seed: int | None = None  # function-check inputs; None draws one
    unsafe_no_sandbox: bool = False
    on_done: OnDone | None = None
    course: Course | None = None
    moodle_identity: str = "idnumber"  # the roster column moodle.csv is keyed by (`MOODLE_IDENTITIES`)
    times: SubmissionTimes = SubmissionTimes()  # where each hand-in's time comes from, for a deadline


class Engine(Protocol):
    """Where the submissions of a class run are graded."""

    def run(self, options: RunOptions) -> RunSummary:
        """Grade what `options` names; write results, PDFs, grades.csv, the gradebook and
        summary.pdf under `options.out_dir`. A grader-side failure on one submission becomes
        that student's result (`RunSummary.grader_faults`), never the end of the run."""
        ...


def engine_named(name: str, *, ray_address: str | None = None) -> Engine:
    """The engine `grader run --engine NAME` means: `local` (this machine's processes) or `ray`
    (the Ray cluster at `ray_address`, else $RAY_ADDRESS, else a Ray started here)."""
    if name == "local":
        from grader.engine.local import LocalEngine

        return LocalEngine()
    if name == "ray":
        from grader.engine.ray_engine import RayEngine

        return RayEngine(address=ray_address)
    raise ConfigError(f"no grading engine {name!r}; there are: {', '.join(ENGINES)}")
