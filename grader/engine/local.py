"""The local engine: grade a class folder on this machine, submissions in parallel processes.

With GPUs, each worker process holds one GPU slot for its lifetime (see `gpus.py`), so the
number of workers is also bounded by the slots. What a worker keeps between submissions is its
`LocalWorker`; what it grades comes as a `GradeTask`.
"""
import ctypes
import gc
import multiprocessing
import os
import signal
import sys
from concurrent.futures import ProcessPoolExecutor, as_completed
from concurrent.futures.process import BrokenProcessPool
from dataclasses import dataclass
from multiprocessing import forkserver, resource_tracker
from pathlib import Path
from typing import TYPE_CHECKING, Any, ClassVar

from grader.core.errors import GraderError
from grader.core.result import StudentResult
from grader.engine import gpus as gpu_slots
from grader.engine import interrupt
from grader.engine.class_run import ClassRun, RunSummary, SandboxUnavailable, publish_class
from grader.engine.contract import RunOptions
from grader.engine.task import GradeTask, kernel_environment
from grader.engine.worker import grade_result, grade_submission, kernel_setup
from grader.intake import Submission
from grader.kernel import sandbox, zygote

if TYPE_CHECKING:
    from grader.outputs.reports.render import PendingReport

__all__ = ["LocalEngine", "RunSummary", "SandboxUnavailable", "default_jobs", "publish_class", "run"]

PR_SET_PDEATHSIG = 1


def die_with_parent() -> None:
    """SIGKILL this process when its parent dies: after a kill -9 of the grader nobody would stop
    its forkserver, a worker or the kernel a worker is running."""
    ctypes.CDLL(None, use_errno=True).prctl(PR_SET_PDEATHSIG, signal.SIGKILL)
    if os.getppid() == 1:  # the parent died before the line above
        os._exit(1)


@dataclass(frozen=True)
class LocalWorker:
    """What one worker process of the pool keeps from its start to its end: the GPU slot it took
    (its kernels' only visible device) and where it says which submission it takes, before it
    grades it (so that the parent knows whom a dead worker was grading).

    Made once per process by the pool's initializer (`start`), which also adopts the run's
    warm-kernel factory and ties the process's life to the forkserver's. A process pool calls a
    plain function for each task and keeps nothing of the initializer's, so the one object is
    stored once, on the class, for the process's lifetime (`current`); everything a submission
    needs comes in its `GradeTask`. A process is one worker of one pool: its state is never reset
    or shared, and a fresh pool forks fresh processes.
    """

    slot: str | None
    started: Any  # the pool's SimpleQueue of the student ids its workers took
    _this_process: ClassVar["LocalWorker | None"] = None

    @classmethod
    def start(cls, slots: Any, started: Any, shared: zygote.SharedZygote | None) -> None:
        """The pool's initializer: take a GPU slot from `slots` and the run's warm-kernel factory;
        die with the forkserver, which dies with the grader."""
        assert cls._this_process is None, "one LocalWorker per worker process"
        die_with_parent()
        interrupt.in_worker()
        cls._this_process = cls(slots.get(), started)
        if shared is not None:
            zygote.adopt(shared)

    @classmethod
    def current(cls) -> "LocalWorker":
        assert cls._this_process is not None, "LocalWorker.start is the pool's initializer"
        return cls._this_process

    def grade(self, task: GradeTask) -> StudentResult:
        """`grade_submission` of `task` in this worker's GPU slot, said to the parent first."""
        with interrupt.grading():
            self.started.put(task.submission.student_id)
            return grade_submission(task.on_slot(self.slot))


def _grade_here(task: GradeTask) -> StudentResult:
    """What the pool runs for each task: the grading by this process's `LocalWorker`."""
    return LocalWorker.current().grade(task)


def _kernel_env(threads: int) -> dict[str, str]:
    """A kernel's thread count (its GPU slot is the worker's): torch's default (one thread per
    core in every kernel) makes parallel kernels spin against each other, tens of times slower
    on a small machine."""
    return {"OMP_NUM_THREADS": str(threads)}


def _shared_zygote(batch: ClassRun, env: dict[str, str], workers: int) -> zygote.SharedZygote | None:
    """One warm-kernel factory for all workers, started before them so its imports overlap their start."""
    kernel = batch.plan.kernel
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


IN_PROCESS_MAX = 1


def grade_in_process(todo: int) -> bool:
    """Whether a run of `todo` notebooks grades them here, one after another, each in a kernel
    started cold, instead of in a pool of workers with kernels forked from a warm-kernel factory.

    The pool and the factory are a fixed cost: a forkserver importing the grading code and
    WeasyPrint (about 2.5 s of CPU), and a factory importing ipykernel and the preloaded modules
    before it forks the first kernel. They repay it by grading side by side and by importing the
    heavy modules once for all kernels. One notebook gains neither: its cold kernel imports what it
    imports once anyway, and this process already holds the grading code and renders its PDF (the
    one notebook of a pull request or a late regrade: 8.1 s before, against nbgrader's 5.3 s). Two
    TensorFlow notebooks already repay them (2 cores, load 2.8, medians of 3: 9.2 s in a pool, 12.7 s
    here, one TensorFlow import instead of two), though two numpy ones do not (5.4 s, 4.5 s), so the
    threshold is one."""
    return todo <= IN_PROCESS_MAX


class LocalEngine:
    """Grade on this machine: each submission in a worker process forked from a forkserver that
    preloaded the grading code (`worker_preload`), at most `jobs` (default: `default_jobs`) at a
    time and at most one per GPU slot; kernels from one warm-kernel factory (zygote). A run of
    one notebook grades it in this process instead (`grade_in_process`). Nothing the run started
    outlives it."""

    def run(self, options: RunOptions) -> RunSummary:
        """Grade every submission under `options.submissions` by its course's reference code and data
        (by default the working directory's); write results, PDFs, grades.csv, summary.pdf."""
        if options.unsafe_no_sandbox:
            return self._run(options)
        with sandbox.boxes_reaped():  # from the sandbox's probe on
            return self._run(options)

    def _run(self, options: RunOptions) -> RunSummary:
        batch = ClassRun(options)
        here = grade_in_process(len(batch.todo))
        batch.plan.fit_kernels(batch.todo, warm=not here)  # before any kernel starts
        jobs = max(1, min(options.jobs or default_jobs(), len(batch.todo) or 1))
        slots = gpu_slots.slots(gpu_slots.find_gpus(options.gpus), batch.plan.rubric.limits.gpu_share)
        if slots:
            jobs = min(jobs, len(slots))
        env = _kernel_env(max(1, (os.cpu_count() or 1) // jobs))
        pools, reports = None, []
        interrupted = False
        try:
            if here:
                reports = _grade_in_this_process(batch, env, slots[0] if slots else None)
            else:
                pools = _grade_in_pools(batch, env, slots, jobs)
            summary = batch.finish()  # while the reports of `reports` are laid out in their children
            while reports:
                _finish_report(reports.pop(0))
            return summary
        except KeyboardInterrupt:
            interrupted = True
            raise
        finally:
            for report in reports:
                report.cancel()
            had_pools = pools is not None
            if pools is not None:
                pools.close()
                del pools
            zygote.close_all()
            if not interrupted:  # after Ctrl-C its traceback still holds the pools' queues: the helpers
                _stop_helpers(collect=had_pools)  # end as the grader exits, after it has released them


def _grade_in_this_process(batch: ClassRun, env: dict[str, str], slot: str | None) -> list["PendingReport"]:
    """Grade each submission here; their reports are left being laid out in forked children, so
    that the class files are written meanwhile."""
    batch.warm_up_publish()  # WeasyPrint, for the report and the class files, while the kernel runs
    batch.prepare()
    reports = []
    for sub in batch.todo:
        try:
            task = batch.task(sub, env).on_slot(slot)
            result = grade_result(task)
            batch.warmed_up()  # before the fork
            from grader.outputs.reports import start_student_report  # WeasyPrint: loaded by then

            reports.append(start_student_report(result, task.report_path, lang=task.lang))
            batch.done(sub, result)
        except Exception as exc:  # noqa: BLE001 - the student gets a result saying the fault is ours
            _crashed(batch, sub, exc)
    return reports


def _finish_report(report: "PendingReport") -> None:
    """A report that cannot be written even plainly costs that report only, and says so."""
    try:
        report.finish()
    except Exception as exc:  # noqa: BLE001 - the result and the class files are written already
        print(f"grader: internal error: no report for {report.result.student_id}: {exc!r}", file=sys.stderr)


def _grade_in_pools(batch: ClassRun, env: dict[str, str], slots: list[str], jobs: int) -> "_Pools":
    ctx = multiprocessing.get_context("forkserver")  # workers forked from one that loaded what they need
    ctx.set_forkserver_preload(["grader.engine.worker_preload"])
    shared = _shared_zygote(batch, kernel_environment(env, slots[0] if slots else None), jobs)
    with interrupt.ignored_by_helpers():  # a Ctrl-C while it imports would print its traceback
        forkserver.ensure_running()  # from this thread (its death signal is tied to it), beside the zygote
    batch.prepare()  # the reference answers, while the zygote and the forkserver import
    batch.warm_up_publish()
    pool = _Pools(batch, ctx, slots, env, shared)
    suspects = pool.grade(batch.todo, jobs)
    for sub in pool.grade(suspects, 1):  # each alone now: one that breaks its pool killed its worker
        _crashed(batch, sub, WorkerDied(f"the grading process died while grading {sub.student_id} "
                                        "(out of memory?)"))
    return pool


def _stop_helpers(collect: bool) -> None:
    """Stop multiprocessing's forkserver and resource tracker and wait for them: on their own they
    see the grader gone only after its exit, and so outlive it. The pools, whose queues the
    tracker watches, are gone by then (`collect`ed first, so that none tells a stopped tracker;
    a run graded in this process had none, and a full collection costs it up to 0.1 s)."""
    if collect:
        gc.collect()
    if forkserver._forkserver._forkserver_pid is not None:  # noqa: SLF001 - the stdlib has no public stop
        forkserver._forkserver._stop()  # noqa: SLF001
    resource_tracker._resource_tracker._stop()  # noqa: SLF001 - nothing if it never started


def run(submissions: Path, rubric_path: Path, out_dir: Path, **options: Any) -> RunSummary:
    """`LocalEngine().run(RunOptions(submissions, rubric_path, out_dir, **options))`, for scripts."""
    return LocalEngine().run(RunOptions(submissions, rubric_path, out_dir, **options))


class WorkerDied(GraderError, RuntimeError):
    """A grading process was killed (the kernel's memory is limited, the worker's is not)."""


def _crashed(batch: ClassRun, sub: Submission, exc: BaseException) -> None:
    print(f"grader: internal error on {sub.student_id}: {exc!r}", file=sys.stderr)
    batch.done(sub, batch.crash_result(sub, exc))


class _Pools:
    """Process pools for one run. A worker that dies breaks its pool: the submissions that had not
    started are graded in a fresh pool; those that had (one of them killed the worker) are returned."""

    def __init__(self, batch: ClassRun, ctx: Any, slots: list[str], kernel_env: dict[str, str],
                 shared: zygote.SharedZygote | None):
        self.batch, self.ctx, self.slots, self.kernel_env, self.shared = batch, ctx, slots, kernel_env, shared
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
            with ProcessPoolExecutor(max_workers=jobs, mp_context=self.ctx, initializer=LocalWorker.start,
                                     initargs=(slots, self.started, self.shared)) as pool:
                futures = {pool.submit(_grade_here, self.batch.task(sub, self.kernel_env)): sub for sub in pending}
                try:
                    for future in as_completed(futures):
                        self._began(began)
                        sub = futures[future]
                        try:
                            self.batch.done(sub, future.result())
                        except BrokenProcessPool:
                            broken.append(sub)
                        except Exception as exc:  # noqa: BLE001 - one student's failure must not stop the class
                            _crashed(self.batch, sub, exc)
                except KeyboardInterrupt:  # Ctrl-C: the workers clean up before the grader exits
                    interrupt.stop(pool)
                    raise
                pool.shutdown(wait=False)  # the workers exit while the class files are written
            self._began(began)
            suspects += [sub for sub in broken if sub.student_id in began]
            pending = [sub for sub in broken if sub.student_id not in began]
        return suspects

    @staticmethod
    def close() -> None:
        """Wait for every worker to exit (they were let go while the class files were written)."""
        for worker in multiprocessing.active_children():
            worker.join()
