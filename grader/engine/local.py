"""The local engine: grade a class folder on this machine, submissions in parallel processes.

With GPUs, each worker process holds one GPU slot for its lifetime (see `gpus.py`), so the
number of workers is also bounded by the slots.
"""
import ctypes
import multiprocessing
import os
import signal
import sys
from concurrent.futures import ProcessPoolExecutor, as_completed
from concurrent.futures.process import BrokenProcessPool
from multiprocessing import forkserver
from pathlib import Path
from typing import Any

from grader.core.errors import GraderError
from grader.core.settings import Course
from grader.engine import gpus as gpu_slots
from grader.engine.class_run import ClassRun, OnDone, RunSummary, SandboxUnavailable, publish_class
from grader.engine.worker import grade_submission, kernel_setup
from grader.intake import Submission
from grader.kernel import zygote

__all__ = ["RunSummary", "SandboxUnavailable", "default_jobs", "publish_class", "run"]

PR_SET_PDEATHSIG = 1
_SLOT: str | None = None  # this worker process's GPU slot
_THREADS = 1  # math-library threads per kernel: the cores shared out among the workers
_STARTED: Any = None  # where this worker says which submission it takes, before it grades it


def die_with_parent() -> None:
    """SIGKILL this process when its parent dies: after a kill -9 of the grader nobody would stop
    its forkserver, a worker or the kernel a worker is running."""
    ctypes.CDLL(None, use_errno=True).prctl(PR_SET_PDEATHSIG, signal.SIGKILL)
    if os.getppid() == 1:  # the parent died before the line above
        os._exit(1)


def _start_worker(slots: Any, threads: int, shared: zygote.SharedZygote | None, started: Any) -> None:
    """Take a GPU slot and the run's warm-kernel factory; die with the forkserver, which dies with
    the grader."""
    global _SLOT, _THREADS, _STARTED
    die_with_parent()
    _SLOT, _THREADS, _STARTED = slots.get(), threads, started
    if shared is not None:
        zygote.adopt(shared)


def _kernel_env(slot: str | None, threads: int) -> dict[str, str]:
    """A kernel's GPU slot as its only visible device, and its thread count: torch's default (one
    thread per core in every kernel) makes parallel kernels spin against each other, tens of
    times slower on a small machine."""
    return {**gpu_slots.kernel_env(slot), "OMP_NUM_THREADS": str(threads)}


def _grade_in_slot(*args: Any) -> dict[str, Any]:
    """`grade_submission` with this worker's kernel environment."""
    plan, sub, out_dir, lang, _, *rest = args
    _STARTED.put(sub.student_id)
    return grade_submission(plan, sub, out_dir, lang, _kernel_env(_SLOT, _THREADS), *rest)


def _shared_zygote(batch: ClassRun, env: dict[str, str], workers: int) -> zygote.SharedZygote | None:
    """One warm-kernel factory for all workers, started before them so its imports overlap their start."""
    kernel = batch.plan.rubric.kernel
    if not (batch.use_sandbox and kernel.warm and batch.todo):
        return None
    setup = kernel_setup(batch.plan, env, batch.use_sandbox)
    return zygote.start_shared(sys.executable, tuple(kernel.preload), setup.runtime.gpu, setup.env,
                               setup.ro_binds, spares=workers)


def default_jobs() -> int:
    """One kernel per core and one more, but ~2 GiB of memory per kernel: a worker waits on its
    kernel's messages and the sandbox's set-up, and the extra one keeps the cores busy meanwhile
    (a 2-core machine: 17.0 s instead of 19.7 s for 30 benchmark notebooks)."""
    cores = os.cpu_count() or 1
    try:
        mem_gib = os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES") / 2**30
    except (ValueError, OSError):
        mem_gib = 4
    return max(1, min(cores + 1, int(mem_gib // 2)))


def run(submissions: Path, rubric_path: Path, out_dir: Path, *, jobs: int | None = None,
        force: bool = False, lang: str = "both", seed: int | None = None, gpus: str = "auto",
        unsafe_no_sandbox: bool = False, on_done: OnDone | None = None, course: Course | None = None) -> RunSummary:
    """Grade every submission under `submissions` by `course`'s reference code and data (by default
    the working directory's); write results, PDFs, grades.csv, summary.pdf."""
    batch = ClassRun(submissions, rubric_path, out_dir, force=force, seed=seed,
                     unsafe_no_sandbox=unsafe_no_sandbox, on_done=on_done, course=course)
    jobs = max(1, min(jobs or default_jobs(), len(batch.todo) or 1))
    slots = gpu_slots.slots(gpu_slots.find_gpus(gpus), batch.plan.rubric.limits.gpu_share)
    ctx = multiprocessing.get_context("forkserver")  # workers forked from one that loaded what they need
    ctx.set_forkserver_preload(["grader.engine.worker_preload"])
    if slots:
        jobs = min(jobs, len(slots))
    threads = max(1, (os.cpu_count() or 1) // jobs)
    try:
        shared = _shared_zygote(batch, _kernel_env(slots[0] if slots else None, threads), jobs)
        if batch.todo:
            forkserver.ensure_running()  # from this thread (its death signal is tied to it), beside the zygote
        batch.prepare()  # the reference answers, while the zygote and the forkserver import
        batch.warm_up_publish()
        pool = _Pools(batch, ctx, slots, threads, shared, lang)
        suspects = pool.grade(batch.todo, jobs)
        for sub in pool.grade(suspects, 1):  # each alone now: one that breaks its pool killed its worker
            _crashed(batch, sub, WorkerDied(f"the grading process died while grading {sub.student_id} "
                                            "(out of memory?)"), lang)
        return batch.finish()
    finally:
        zygote.close_all()


class WorkerDied(GraderError, RuntimeError):
    """A grading process was killed (the kernel's memory is limited, the worker's is not)."""


def _crashed(batch: ClassRun, sub: Submission, exc: BaseException, lang: str) -> None:
    print(f"grader: internal error on {sub.student_id}: {exc!r}", file=sys.stderr)
    batch.done(sub, batch.crash_result(sub, exc, lang))


class _Pools:
    """Process pools for one run. A worker that dies breaks its pool: the submissions that had not
    started are graded in a fresh pool; those that had (one of them killed the worker) are returned."""

    def __init__(self, batch: ClassRun, ctx: Any, slots: list[str], threads: int,
                 shared: zygote.SharedZygote | None, lang: str):
        self.batch, self.ctx, self.slots, self.threads, self.shared, self.lang = batch, ctx, slots, threads, shared, lang
        self.started = ctx.SimpleQueue()

    def _began(self, began: set[str]) -> None:
        while not self.started.empty():
            began.add(self.started.get())

    def grade(self, todo: list[Submission], jobs: int) -> list[Submission]:
        pending, suspects = list(todo), []
        while pending:
            slots = self.ctx.Queue()  # each worker of this pool takes one GPU slot for its life
            for i in range(jobs):
                slots.put(self.slots[i] if self.slots else None)
            broken, began = [], set()
            with ProcessPoolExecutor(max_workers=jobs, mp_context=self.ctx, initializer=_start_worker,
                                     initargs=(slots, self.threads, self.shared, self.started)) as pool:
                futures = {pool.submit(_grade_in_slot, *self.batch.grade_args(sub, self.lang, {})): sub
                           for sub in pending}
                for future in as_completed(futures):
                    self._began(began)
                    sub = futures[future]
                    try:
                        self.batch.done(sub, future.result())
                    except BrokenProcessPool:
                        broken.append(sub)
                    except Exception as exc:  # noqa: BLE001 - one student's failure must not stop the class
                        _crashed(self.batch, sub, exc, self.lang)
                pool.shutdown(wait=False)  # the workers exit while the class files are written
            self._began(began)
            suspects += [sub for sub in broken if sub.student_id in began]
            pending = [sub for sub in broken if sub.student_id not in began]
        return suspects
