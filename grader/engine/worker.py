"""Grade one submission end to end: private copy, kernel run, checks, result JSON, PDF."""
import datetime as dt
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path
from grader.checks import Evidence, Outcome, judge
from grader.core.result import QuestionResult, Status, Student, StudentResult
from grader.core.text import Text
from grader.engine.evidence import evidence_from, run_errors
from grader.engine.plan import GradingPlan
from grader.engine.task import GradeTask
from grader.intake import Problem, Submission, open_submission, read_notebook
from grader.kernel.execute import execute
from grader.manual import apply_saved
from grader.models import datasets
from grader.models.runner import Runtime
from grader.outputs.results import write_result
from grader.scoring import lateness, question_result

KERNEL_ENV = {"MPLBACKEND": "module://matplotlib_inline.backend_inline",  # plots shown as in Jupyter
              "PYTHONUNBUFFERED": "1", "TF_CPP_MIN_LOG_LEVEL": "2"}
UNSANDBOXED = Text("این نوت‌بوک بدون محیط ایزوله (sandbox) اجرا شد، به درخواست صریح دستیار آموزشی.",
                   "This notebook ran without the sandbox, at the teaching assistant's explicit request.")


@dataclass(frozen=True)
class KernelSetup:
    """How a submission's kernel is started: what it runs with (also for its saved models), its
    environment and the read-only folders it sees. The same for every submission of a run."""

    runtime: Runtime
    env: dict[str, str]
    ro_binds: tuple[tuple[str, str], ...]


def kernel_setup(plan: GradingPlan, kernel_env: dict[str, str], use_sandbox: bool) -> KernelSetup:
    runtime = Runtime(plan.rubric.limits, use_sandbox, {**KERNEL_ENV, **kernel_env})
    data_binds, data_env = datasets.kernel_view(datasets.data_root(plan.course), plan.held_out(), use_sandbox)
    return KernelSetup(runtime, {**data_env, **runtime.env}, data_binds)


def result_skeleton(plan: GradingPlan, sub: Submission, hashes: dict[str, str]) -> StudentResult:
    r = plan.rubric
    return StudentResult(student=Student(sub.student_id, sub.name_fa or "", sub.name_en or ""),
                         assignment=r.assignment, max_total=r.max_points, assignment_title=r.title, course=r.course,
                         graded_at=dt.datetime.now(dt.UTC).isoformat(), hashes=hashes)


def problem_questions(plan: GradingPlan, problem: Problem) -> list[QuestionResult]:
    """Every question unanswered for the one reason the whole notebook could not be graded."""
    feedback = Text(problem.fa, problem.en)
    return [question_result(q, [Outcome(0.0, Status.ERROR, feedback) for _ in checks]) for q, checks in plan.checks]


def grade_submission(task: GradeTask) -> StudentResult:
    """Grade `task.submission`, write `results/<id>.json` and `<id>.pdf` under `task.out_dir`,
    return the result."""
    result = grade_result(task)
    from grader.outputs.reports import render_student_report  # WeasyPrint: loaded meanwhile where it was not

    render_student_report(result, task.report_path, lang=task.lang)
    return result


def grade_result(task: GradeTask) -> StudentResult:
    """`grade_submission` up to its result JSON, without the PDF."""
    plan, sub, out_dir = task.plan, task.submission, task.out_dir
    use_sandbox, manual_scores = task.use_sandbox, task.manual_scores
    start = time.monotonic()
    hashes = {"submission": sub.digest(), "rubric": plan.rubric_hash, "reference": plan.reference_hash}
    result = result_skeleton(plan, sub, hashes)
    if not use_sandbox:
        result.notices.append(UNSANDBOXED)
    limits = plan.rubric.limits
    with tempfile.TemporaryDirectory(prefix=f"grader-{sub.student_id}-") as tmp:
        nb_path, problem = open_submission(sub, Path(tmp) / "work")
        nb = None
        if nb_path is not None:
            nb, problem = read_notebook(nb_path)
        if problem is not None:
            result.errors.append(problem.error())
            result.questions = problem_questions(plan, problem)
        else:
            setup = kernel_setup(plan, task.env, use_sandbox)
            execution = execute(nb, nb_path.parent, plan.requests(), limits=limits, use_sandbox=use_sandbox,
                                env=setup.env, ro_binds=setup.ro_binds, gpu=setup.runtime.gpu,
                                kernel=plan.kernel)
            evidence: Evidence = evidence_from(execution, nb, limits.cell_timeout_s, plan.needs(), plan.requests(),
                                               runtime=setup.runtime)
            result.errors += run_errors(execution, limits.cell_timeout_s)
            result.questions = [question_result(q, [judge(c, evidence) for c in checks]) for q, checks in plan.checks]
    apply_saved(result, manual_scores or {})  # a teaching assistant's scores survive a regrade
    result.late = lateness(plan.rubric, task.submitted_at)
    result.runtime_s = round(time.monotonic() - start, 3)
    write_result(out_dir, result)
    return result
