"""The Ray engine: each submission is a Ray task asking for one kernel's resources; results are
gathered as they finish and the class files written as by the local engine.

Assumes a shared filesystem and a shared environment: every node reads the submissions and
writes results and PDFs at the same absolute paths as the machine that runs `grader run` (on one
machine this holds as it is; across machines, mount them at the same path), sees the course folder
(its reference code is imported from there) at the same path, and imports the same `grader` and
course packages, with bubblewrap installed.
"""
import logging
import os
import signal
import socket
import sys
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

from grader.core.errors import ConfigError
from grader.core.result import StudentResult
from grader.engine.class_run import ClassRun, RunSummary
from grader.engine.contract import RunOptions
from grader.engine.task import GradeTask
from grader.engine.worker import grade_submission
from grader.intake import Submission

MAX_RETRIES = 3  # a worker or node lost mid-task: the submission is graded again, elsewhere if need be
LOCAL_OBJECT_STORE = 256 * 2**20  # only the tasks (each with the plan) and the results pass through it


class RayEngineError(ConfigError, RuntimeError):
    """Ray cannot be used as asked: no cluster at the address, no node that can hold one kernel,
    or a device list for --gpus."""


def grade_on_worker(task: GradeTask) -> StudentResult:
    """`grade_submission` on a Ray worker; the kernel sees the GPUs Ray gave this task, or none.

    A Ray worker keeps nothing between tasks: the task brings the plan, the task's resources
    (`ray.get_gpu_ids()`) say its GPUs."""
    import ray

    gpu = bool(ray.get_runtime_context().get_assigned_resources().get("GPU"))
    devices = ",".join(str(i) for i in ray.get_gpu_ids()) if gpu else ""
    # Ray's workers block SIGINT and child processes inherit the mask: a kernel started from here
    # would never take the interrupt that ends a cell at its time limit, and be declared stuck.
    mask = signal.pthread_sigmask(signal.SIG_UNBLOCK, {signal.SIGINT})
    try:
        return grade_submission(task.on_slot(devices or None))
    finally:
        signal.pthread_sigmask(signal.SIG_SETMASK, mask)


def task_options(memory_gib: float, num_gpus: float) -> dict[str, Any]:
    """What one submission asks of the cluster: a core and the rubric's memory per kernel."""
    return {"num_cpus": 1, "memory": int(memory_gib * 2**30), "num_gpus": num_gpus,
            "max_retries": MAX_RETRIES, "retry_exceptions": False}


def _gpus_per_task(gpus: str, cluster_gpus: float, share: int) -> float:
    """`--gpus auto` gives each kernel a GPU, or its share of one (the rubric's `gpu_share`), where
    the cluster has any; Ray picks the device."""
    if gpus == "none":
        return 0
    if gpus == "auto":
        return 1 / share if cluster_gpus > 0 else 0
    raise RayEngineError(f"--gpus {gpus}: device numbers name this machine's GPUs; with --engine ray "
                         "use --gpus auto or none (Ray assigns each task its GPU)")


def _check_fits(options: dict[str, Any], nodes: list[dict[str, Any]]) -> None:
    """A task no node can hold would wait forever: say so before submitting anything."""
    need = {"CPU": options["num_cpus"], "memory": options["memory"], "GPU": options["num_gpus"]}
    alive = [n["Resources"] for n in nodes if n.get("Alive")]
    if any(all(r.get(k, 0) >= v for k, v in need.items() if v) for r in alive):
        return
    largest = ", ".join(f"{r.get('CPU', 0):g} CPU {r.get('memory', 0) / 2**30:.1f} GiB {r.get('GPU', 0):g} GPU"
                        for r in alive) or "no live node"
    raise RayEngineError(f"no node of the Ray cluster can hold one kernel: it needs {need['CPU']} CPU, "
                         f"{need['memory'] / 2**30:.1f} GiB memory (the rubric's limits.memory_gib) and "
                         f"{need['GPU']} GPU; nodes: {largest}")


def _connect(address: str | None, jobs: int | None) -> bool:
    """Connect to the cluster at `address` (else $RAY_ADDRESS), or start a local Ray; True if
    this call started the connection (and so should end it)."""
    import ray

    if ray.is_initialized():
        return False
    address = address or os.environ.get("RAY_ADDRESS") or "local"
    _check_reachable(address)
    local = {"num_cpus": jobs, "include_dashboard": False,
             "object_store_memory": LOCAL_OBJECT_STORE} if address == "local" else {}
    try:
        ray.init(address=address, log_to_driver=False, logging_level=logging.WARNING, **local)
    except (ConnectionError, RuntimeError, ValueError) as exc:
        raise RayEngineError(f"cannot connect to Ray at {address}: {exc}") from exc
    return True


def _check_reachable(address: str) -> None:
    """Fail in seconds where nothing listens: `ray.init` retries an unreachable address for minutes."""
    host, _, port = address.removeprefix("ray://").rpartition(":")
    if not (host and port.isdigit()):
        return  # "local", "auto": Ray resolves these itself
    try:
        socket.create_connection((host, int(port)), timeout=10).close()
    except OSError as exc:
        raise RayEngineError(f"no Ray cluster answers at {address}: {exc}") from exc


@dataclass(frozen=True)
class RayEngine:
    """Grade on the Ray cluster at `address` (else $RAY_ADDRESS, else a Ray started here for the run)."""

    address: str | None = None

    def run(self, options: RunOptions) -> RunSummary:
        """Grade every submission under `options.submissions` on Ray; the same files as the local engine.

        `options.jobs` only sizes a Ray started here; a cluster's own resources bound its
        parallelism. Paths are made absolute (the workers' working folder is not ours). The plan
        carries the course to each task, which imports its reference code from the course folder.
        """
        import ray

        options = replace(options, submissions=options.submissions.resolve(),
                          rubric_path=options.rubric_path.resolve(), out_dir=options.out_dir.resolve())
        batch = ClassRun(options)
        if batch.todo:
            batch.plan.fit_kernels(batch.todo)  # each node's warm kernels preload what the notebooks import
            batch.prepare()
            started = _connect(self.address, options.jobs)
            batch.warm_up_publish()
            try:
                _grade_all(batch, options.gpus)
            finally:
                if started:
                    ray.shutdown()
        return batch.finish()


def run(submissions: Path, rubric_path: Path, out_dir: Path, *, address: str | None = None,
        **options: Any) -> RunSummary:
    """`RayEngine(address).run(RunOptions(submissions, rubric_path, out_dir, **options))`, for scripts."""
    return RayEngine(address).run(RunOptions(submissions, rubric_path, out_dir, **options))


def _grade_all(batch: ClassRun, gpus: str) -> None:
    import ray

    limits = batch.plan.rubric.limits
    num_gpus = _gpus_per_task(gpus, ray.cluster_resources().get("GPU", 0), limits.gpu_share)
    options = task_options(limits.memory_gib, num_gpus)
    _check_fits(options, ray.nodes())
    remote = ray.remote(grade_on_worker).options(**options)
    pending: dict[Any, Submission] = {}
    for sub in batch.todo:
        pending[remote.remote(batch.task(sub, {"OMP_NUM_THREADS": "1"}))] = sub  # the task's one core
    while pending:
        ready, _ = ray.wait(list(pending), num_returns=1)
        for ref in ready:
            sub = pending.pop(ref)
            try:
                result = ray.get(ref)
            except Exception as exc:  # noqa: BLE001 - one student's failure must not stop the class
                cause = getattr(exc, "cause", None) or exc  # a task's own exception, unwrapped
                print(f"grader: internal error on {sub.student_id}: {cause!r}", file=sys.stderr)
                result = batch.crash_result(sub, cause)
            batch.done(sub, result)
