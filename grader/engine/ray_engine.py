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
from pathlib import Path
from typing import Any

from grader.core.errors import ConfigError
from grader.core.settings import Course
from grader.engine.class_run import ClassRun, OnDone, RunSummary
from grader.engine.plan import GradingPlan
from grader.engine.worker import grade_submission
from grader.intake import Submission

MAX_RETRIES = 3  # a worker or node lost mid-task: the submission is graded again, elsewhere if need be
LOCAL_OBJECT_STORE = 256 * 2**20  # only the plan and the results pass through it


class RayEngineError(ConfigError, RuntimeError):
    """Ray cannot be used as asked: no cluster at the address, no node that can hold one kernel,
    or a device list for --gpus."""


def grade_on_worker(plan: GradingPlan, gpu: bool, sub: Submission, out_dir: Path, lang: str,
                    kernel_env: dict[str, str], *rest: Any) -> dict[str, Any]:
    """`grade_submission` on a Ray worker; the kernel sees the GPUs Ray gave this task, or none."""
    import ray

    devices = ",".join(str(i) for i in ray.get_gpu_ids()) if gpu else ""
    env = {**kernel_env, "CUDA_VISIBLE_DEVICES": devices, "OMP_NUM_THREADS": "1"}  # the task's one core
    # Ray's workers block SIGINT and child processes inherit the mask: a kernel started from here
    # would never take the interrupt that ends a cell at its time limit, and be declared stuck.
    mask = signal.pthread_sigmask(signal.SIG_UNBLOCK, {signal.SIGINT})
    try:
        return grade_submission(plan, sub, out_dir, lang, env, *rest)
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


def run(submissions: Path, rubric_path: Path, out_dir: Path, *, address: str | None = None,
        jobs: int | None = None, force: bool = False, lang: str = "both", seed: int | None = None,
        gpus: str = "auto", unsafe_no_sandbox: bool = False, on_done: OnDone | None = None,
        course: Course | None = None) -> RunSummary:
    """Grade every submission under `submissions` on Ray; the same files as the local engine.

    `jobs` only sizes a Ray started here; a cluster's own resources bound its parallelism. The
    plan carries `course` to each task, which imports its reference code from the course folder.
    """
    import ray

    batch = ClassRun(submissions.resolve(), rubric_path.resolve(), out_dir.resolve(), force=force, seed=seed,
                     unsafe_no_sandbox=unsafe_no_sandbox, on_done=on_done, course=course)
    if batch.todo:
        batch.prepare()
        started = _connect(address, jobs)
        batch.warm_up_publish()
        try:
            _grade_all(batch, lang, gpus)
        finally:
            if started:
                ray.shutdown()
    return batch.finish()


def _grade_all(batch: ClassRun, lang: str, gpus: str) -> None:
    import ray

    limits = batch.plan.rubric.limits
    num_gpus = _gpus_per_task(gpus, ray.cluster_resources().get("GPU", 0), limits.gpu_share)
    options = task_options(limits.memory_gib, num_gpus)
    _check_fits(options, ray.nodes())
    remote = ray.remote(grade_on_worker).options(**options)
    plan = ray.put(batch.plan)  # sent once, not once per submission
    pending: dict[Any, Submission] = {}
    for sub in batch.todo:
        _, *args = batch.grade_args(sub, lang, {})
        pending[remote.remote(plan, num_gpus > 0, *args)] = sub
    while pending:
        ready, _ = ray.wait(list(pending), num_returns=1)
        for ref in ready:
            sub = pending.pop(ref)
            try:
                result = ray.get(ref)
            except Exception as exc:  # noqa: BLE001 - one student's failure must not stop the class
                cause = getattr(exc, "cause", None) or exc  # a task's own exception, unwrapped
                print(f"grader: internal error on {sub.student_id}: {cause!r}", file=sys.stderr)
                result = batch.crash_result(sub, cause, lang)
            batch.done(sub, result)
