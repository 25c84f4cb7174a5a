"""The local engine: grade a class folder on this machine, submissions in parallel processes."""
import multiprocessing
import os
import sys
import time
from concurrent.futures import ProcessPoolExecutor, as_completed
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Callable

from grader.engine.plan import GradingPlan, assignment_meta
from grader.engine.worker import grade_submission, problem_questions, result_skeleton
from grader.intake import Problem, Submission, discover
from grader.kernel import sandbox
from grader.manual import load_scores
from grader.results import read_result, write_grades_csv, write_json
from grader.rubric import Rubric


@dataclass
class RunSummary:
    graded: int
    skipped: int
    results: list[dict[str, Any]]
    wall_s: float


def default_jobs() -> int:
    """One kernel per core, but leave ~2 GiB of memory per kernel."""
    cores = os.cpu_count() or 1
    try:
        mem_gib = os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES") / 2**30
    except (ValueError, OSError):
        mem_gib = 4
    return max(1, min(cores, int(mem_gib // 2)))


def _is_current(result: dict | None, sub: Submission, plan: GradingPlan, out_dir: Path) -> bool:
    return bool(result) and result.get("hashes") == {
        "submission": sub.digest(), "rubric": plan.rubric_hash, "reference": plan.reference_hash,
    } and (out_dir / f"{sub.student_id}.pdf").is_file()


def _crash_result(plan: GradingPlan, sub: Submission, exc: BaseException, out_dir: Path) -> dict[str, Any]:
    """A grader-side failure still yields a result for that student, so the class run goes on."""
    problem = Problem("internal_error", "خطایی در خود سامانه تصحیح رخ داد؛ دستیار آموزشی بررسی می‌کند.",
                      "The grader itself failed on this submission; a teaching assistant will look.",
                      f"{type(exc).__name__}: {exc}"[:500])
    result = result_skeleton(plan, sub, {})
    result.update(errors=[problem.to_json()], questions=problem_questions(plan, problem), total=0.0,
                  max_total=plan.rubric.max_points, manual_pending=0.0, runtime_s=0.0)
    write_json(out_dir / "results" / f"{sub.student_id}.json", result)
    return result


def gpu_env(gpus: str) -> dict[str, str]:
    """`--gpus`: auto leaves CUDA as it is, none hides every GPU, `0,1` picks devices."""
    if gpus == "auto":
        return {}
    return {"CUDA_VISIBLE_DEVICES": "" if gpus == "none" else gpus}


class SandboxUnavailable(RuntimeError):
    """No sandbox can be set up and the user did not pass --unsafe-no-sandbox."""


def run(submissions: Path, rubric_path: Path, out_dir: Path, *, jobs: int | None = None,
        force: bool = False, lang: str = "both", seed: int | None = None, gpus: str = "auto",
        unsafe_no_sandbox: bool = False,
        on_done: Callable[[int, int, dict[str, Any], bool], None] | None = None) -> RunSummary:
    """Grade every submission under `submissions`; write results, PDFs, grades.csv, summary.pdf."""
    start = time.monotonic()
    reason = None if unsafe_no_sandbox else sandbox.unavailable_reason()
    if reason:
        raise SandboxUnavailable(f"no sandbox can be set up here ({reason}); student code is not run "
                                 "without one unless you pass --unsafe-no-sandbox")
    plan = GradingPlan.build(rubric_path, seed=seed)
    subs = discover(submissions)
    for stale in (out_dir / "results").glob(".*.tmp"):  # left by a run killed mid-write
        stale.unlink()
    results: dict[str, dict[str, Any]] = {}
    todo = []
    for sub in subs:
        previous = read_result(out_dir / "results" / f"{sub.student_id}.json")
        if not force and _is_current(previous, sub, plan, out_dir):
            results[sub.student_id] = previous
            on_done and on_done(len(results), len(subs), previous, True)
        else:
            todo.append(sub)
    jobs = max(1, min(jobs or default_jobs(), len(todo) or 1))
    ctx = multiprocessing.get_context("spawn")
    with ProcessPoolExecutor(max_workers=jobs, mp_context=ctx) as pool:
        scores = load_scores(out_dir)
        futures = {pool.submit(grade_submission, plan, sub, out_dir, lang, gpu_env(gpus),
                               not unsafe_no_sandbox, scores.get(sub.student_id, {})): sub for sub in todo}
        for future in as_completed(futures):
            sub = futures[future]
            try:
                result = future.result()
            except Exception as exc:  # noqa: BLE001 - one student's failure must not stop the class
                print(f"grader: internal error on {sub.student_id}: {exc!r}", file=sys.stderr)
                result = _crash_result(plan, sub, exc, out_dir)
            results[sub.student_id] = result
            on_done and on_done(len(results), len(subs), result, False)
    ordered = [results[s.student_id] for s in subs]
    publish_class(out_dir, plan.rubric, ordered, {s.student_id: s.path for s in subs})
    return RunSummary(len(todo), len(subs) - len(todo), ordered, time.monotonic() - start)


def publish_class(out_dir: Path, rubric: Rubric, results: list[dict[str, Any]],
                  notebooks: dict[str, Path] | None = None) -> None:
    """The class-level files: the gradebook, the similarity report and the summary.

    Without `notebooks` (a manual-score import) the last similarity report is shown again.
    """
    from grader.gradebook import write_gradebook
    from grader.reports import render_summary
    from grader.similarity import write_similarity

    question_ids = [q.id for q in rubric.questions]
    write_grades_csv(out_dir / "grades.csv", results, question_ids)
    write_gradebook(out_dir, results, question_ids, rubric.assignment)
    meta = assignment_meta(rubric)
    meta["similarity"] = write_similarity(out_dir, results, notebooks, rubric)
    render_summary(results, meta, out_dir / "summary.pdf")
