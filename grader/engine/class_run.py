"""What every engine shares around the grading itself: which submissions need grading, what a
grader-side crash becomes, progress per submission, and the class-level files at the end (the
roster joined with the results, `class_book`).

An engine (local processes, Ray) only decides where `grade_submission` runs; this keeps the
outputs of all engines the same.
"""
import sys
import threading
import time
from dataclasses import dataclass
from pathlib import Path

from grader.engine import class_files
from grader.engine.class_book import MOSTLY_MISSING, class_record, gradebook, missing_share, notices, remove_vanished
from grader.engine.contract import OnDone, RunOptions
from grader.engine.plan import GradingPlan, assignment_meta
from grader.engine.task import GradeTask
from grader.engine.worker import problem_questions, result_skeleton
from grader.intake import Problem, Submission, discover, read_roster
from grader.intake.submitted_at import SubmittedAt
from grader.kernel import sandbox
from grader.manual import load_scores
from grader.core import atomic
from grader.core.errors import ConfigError
from grader.core.result import StudentResult
from grader.core.text import Text
from grader.outputs.results import (read_class_record, read_result, result_path, write_class_record,
                                    write_grades_csv, write_result)
from grader.rubric import Rubric
from grader.scoring import lateness

__all__ = ["ClassRun", "OnDone", "RunSummary", "SandboxUnavailable", "publish_class"]


@dataclass
class RunSummary:
    graded: int
    skipped: int
    results: list[StudentResult]
    wall_s: float
    notices: list[Text]  # what the class summary tells the teaching assistant (`class_book.notices`)
    removed: list[str]  # students whose submission is gone: their result and report were deleted

    @property
    def mostly_missing(self) -> bool:
        """Most automatic answers of the class are missing: the assignment may be the wrong one."""
        return missing_share(self.results) > MOSTLY_MISSING

    @property
    def grader_faults(self) -> list[str]:
        """Students whose result is not whole by a fault of the grader: the submission (a worker
        that died, an exception of ours) or one of its answers."""
        return [r.student_id for r in self.results if r.grader_fault]


class SandboxUnavailable(ConfigError, RuntimeError):
    """No sandbox can be set up and the user did not pass --unsafe-no-sandbox."""


class NoSubmissions(ConfigError):
    """The submissions folder holds nothing to grade."""


class ClassRun:
    """One class run: the plan, the submissions still to grade, and the results as they arrive."""

    def __init__(self, options: RunOptions):
        self.start = time.monotonic()
        reason = None if options.unsafe_no_sandbox else sandbox.unavailable_reason()
        if reason:
            raise SandboxUnavailable(f"no sandbox can be set up here ({reason}); student code is not run "
                                     "without one unless you pass --unsafe-no-sandbox")
        out_dir = options.out_dir
        self.out_dir, self.use_sandbox, self.on_done = out_dir, not options.unsafe_no_sandbox, options.on_done
        self.lang, self.times = options.lang, options.times
        # the engine calls `prepare` once kernels start
        self.plan = GradingPlan.load(options.rubric_path, seed=options.seed, course=options.course)
        self.plan.preflight()  # a missing dataset stops the run before anyone is graded
        self.subs = discover(options.submissions)
        if not self.subs:  # before anything in OUT is written or removed: most likely the wrong folder
            raise NoSubmissions(f"{options.submissions} holds no submissions (a folder, .ipynb or .zip per "
                                "student); nothing was graded and nothing in the output folder changed")
        write_class_record(out_dir, class_record(read_roster(options.submissions), options.moodle_identity))
        self.removed = remove_vanished(out_dir, self.plan.rubric.assignment, {s.student_id for s in self.subs})
        for stale in [*atomic.leftovers(out_dir / "results"), *atomic.leftovers(out_dir)]:  # a run killed mid-write
            stale.unlink()
        self.results: dict[str, StudentResult] = {}
        self.todo: list[Submission] = []
        for sub in self.subs:
            previous = read_result(result_path(out_dir, sub.student_id))
            if not options.force and self._is_current(previous, sub):
                self.done(sub, previous, cached=True)
            else:
                self.todo.append(sub)
        self.manual_scores = load_scores(out_dir)
        self._warming = threading.Thread(target=_warm_up_publish, daemon=True, name="warm-up-publish")

    def prepare(self) -> None:
        """Compute the reference answers; an engine calls it once it has started what it can
        start without them (the local engine's warm-kernel factory imports meanwhile)."""
        if self.todo:
            self.plan.prepare()

    def warm_up_publish(self) -> None:
        """Load what the class files need in a background thread while the workers grade: over a
        second on first use, which would otherwise come after the last submission."""
        if self.todo:
            self._warming.start()

    def warmed_up(self) -> None:
        """Wait for `warm_up_publish`'s thread: before this process forks (a report laid out in a
        child), no other thread may hold a lock the child inherits."""
        if self._warming.is_alive():
            self._warming.join()

    def _is_current(self, result: StudentResult | None, sub: Submission) -> bool:
        return result is not None and result.hashes == {
            "submission": sub.digest(), "rubric": self.plan.rubric_hash, "reference": self.plan.reference_hash,
        } and result.late == lateness(self.plan.rubric, self.submitted_at(sub)) \
            and (self.out_dir / f"{sub.student_id}.pdf").is_file()

    def submitted_at(self, sub: Submission) -> SubmittedAt | None:
        """The hand-in's time when the rubric has a deadline (a changed time grades it again)."""
        return self.times.of(sub) if self.plan.rubric.deadline else None

    def task(self, sub: Submission, kernel_env: dict[str, str] | None = None) -> GradeTask:
        """The grading of `sub`, the same whichever engine runs it; `kernel_env` is what the engine
        gives every kernel besides the GPU slot (its thread count), the slot is set where it runs."""
        assert self.plan.prepared, "ClassRun.prepare() comes before grading"
        return GradeTask(plan=self.plan, submission=sub, out_dir=self.out_dir, lang=self.lang,
                         kernel_env=dict(kernel_env or {}), use_sandbox=self.use_sandbox,
                         manual_scores=self.manual_scores.get(sub.student_id, {}),
                         submitted_at=self.submitted_at(sub))

    def crash_result(self, sub: Submission, exc: BaseException) -> StudentResult:
        """A grader-side failure still yields a result and a report for that student, saying the
        fault is the grader's, so the class run goes on."""
        from grader.outputs.reports import render_student_report

        problem = Problem("internal_error", "خطایی در خود سامانه تصحیح رخ داد؛ دستیار آموزشی بررسی می‌کند.",
                          "The grader itself failed on this submission; a teaching assistant will look.",
                          f"{type(exc).__name__}: {exc}"[:500])
        result = result_skeleton(self.plan, sub, {})
        result.errors.append(problem.error())
        result.questions, result.runtime_s = problem_questions(self.plan, problem), 0.0
        write_result(self.out_dir, result)
        self.warmed_up()
        try:
            render_student_report(result, self.out_dir / f"{sub.student_id}.pdf", lang=self.lang)
        except Exception as render_exc:  # noqa: BLE001 - the failure may be the report itself
            print(f"grader: no report for {sub.student_id}: {render_exc!r}", file=sys.stderr)
        return result

    def done(self, sub: Submission, result: StudentResult, cached: bool = False) -> None:
        self.results[sub.student_id] = result
        if self.on_done:
            self.on_done(len(self.results), len(self.subs), result, cached)

    def finish(self) -> RunSummary:
        """Write the class-level files once every submission has a result."""
        self.warmed_up()
        ordered = [self.results[s.student_id] for s in self.subs]
        told = publish_class(self.out_dir, self.plan.rubric, ordered, {s.student_id: s.path for s in self.subs})
        return RunSummary(len(self.todo), len(self.subs) - len(self.todo), ordered, time.monotonic() - self.start,
                          told, self.removed)


def _warm_up_publish() -> None:
    try:
        import grader.outputs.gradebook  # noqa: F401 - openpyxl
        import grader.outputs.similarity  # noqa: F401
        from grader.outputs.reports import warm_up

        warm_up()
    except Exception:  # noqa: BLE001 - only a head start: `finish` meets and reports any real failure
        pass


def publish_class(out_dir: Path, rubric: Rubric, results: list[StudentResult],
                  notebooks: dict[str, Path] | None = None) -> list[Text]:
    """The class-level files: the gradebook (every student of the roster the run recorded, and every
    result), the similarity report and the summary; returns the notices the summary lists.

    Without `notebooks` (a manual-score import) the last similarity report is shown again.
    """
    from grader.outputs.gradebook import write_gradebook
    from grader.outputs.reports import render_summary
    from grader.outputs.similarity import write_similarity

    record = read_class_record(out_dir)
    book = gradebook(record, results, rubric.assignment, [q.id for q in rubric.questions],
                     rubric.max_points)
    told = notices(book)
    digest = class_files.inputs_digest(rubric, results, notebooks is not None, record.to_json())
    if class_files.unchanged(out_dir, digest):  # nothing they show changed: not written again
        return told
    class_files.forget(out_dir)
    write_grades_csv(out_dir / "grades.csv", book)
    write_gradebook(out_dir, book)
    meta = assignment_meta(rubric)
    meta["similarity"] = write_similarity(out_dir, results, notebooks, rubric)
    meta["notices"] = [n.to_json() for n in told]
    render_summary(results, meta, out_dir / "summary.pdf")
    class_files.record(out_dir, digest)
    return told
