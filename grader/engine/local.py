"""The local engine: grade a class folder on this machine, submissions in parallel processes."""
import multiprocessing
import os
import sys
from concurrent.futures import ProcessPoolExecutor, as_completed
from pathlib import Path

from grader.engine.class_run import ClassRun, OnDone, RunSummary, SandboxUnavailable, publish_class
from grader.engine.worker import grade_submission

__all__ = ["RunSummary", "SandboxUnavailable", "default_jobs", "gpu_env", "publish_class", "run"]


def default_jobs() -> int:
    """One kernel per core, but leave ~2 GiB of memory per kernel."""
    cores = os.cpu_count() or 1
    try:
        mem_gib = os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES") / 2**30
    except (ValueError, OSError):
        mem_gib = 4
    return max(1, min(cores, int(mem_gib // 2)))


def gpu_env(gpus: str) -> dict[str, str]:
    """`--gpus`: auto leaves CUDA as it is, none hides every GPU, `0,1` picks devices."""
    if gpus == "auto":
        return {}
    return {"CUDA_VISIBLE_DEVICES": "" if gpus == "none" else gpus}


def run(submissions: Path, rubric_path: Path, out_dir: Path, *, jobs: int | None = None,
        force: bool = False, lang: str = "both", seed: int | None = None, gpus: str = "auto",
        unsafe_no_sandbox: bool = False, on_done: OnDone | None = None) -> RunSummary:
    """Grade every submission under `submissions`; write results, PDFs, grades.csv, summary.pdf."""
    batch = ClassRun(submissions, rubric_path, out_dir, force=force, seed=seed,
                     unsafe_no_sandbox=unsafe_no_sandbox, on_done=on_done)
    jobs = max(1, min(jobs or default_jobs(), len(batch.todo) or 1))
    ctx = multiprocessing.get_context("spawn")
    with ProcessPoolExecutor(max_workers=jobs, mp_context=ctx) as pool:
        futures = {pool.submit(grade_submission, *batch.grade_args(sub, lang, gpu_env(gpus))): sub
                   for sub in batch.todo}
        for future in as_completed(futures):
            sub = futures[future]
            try:
                result = future.result()
            except Exception as exc:  # noqa: BLE001 - one student's failure must not stop the class
                print(f"grader: internal error on {sub.student_id}: {exc!r}", file=sys.stderr)
                result = batch.crash_result(sub, exc)
            batch.done(sub, result)
    return batch.finish()

