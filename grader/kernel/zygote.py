"""Warm kernels: heavy imports paid once per run, a fresh sandboxed kernel per notebook.

A zygote (`zygote_main.py` inside bubblewrap) imports ipykernel and the rubric's
`kernel.preload` modules once and forks kernels. The local engine starts one for all its grading
processes (`start_shared`, `adopt`); elsewhere (Ray workers) each grading process starts its own
on first use. A kernel is asked for by writing `request.json` into a folder of the exchange (the
one folder the zygote shares with the grader) and starting `zygote_client.py` as the kernelspec's
argv, after a shell that makes the kernel's cgroups; jupyter_client and nbclient see an ordinary
kernel process. Where the zygote cannot start, callers fall back to cold kernels.
"""
import atexit
import json
import os
import select
import shutil
import subprocess
import sys
import tempfile
import threading
import time
from dataclasses import dataclass
from pathlib import Path

from grader.core.errors import GraderError
from grader.kernel import sandbox
from grader.rubric.schema import Limits

CLIENT = Path(__file__).with_name("zygote_client.py")
READY_TIMEOUT_S = 180.0  # importing torch and TensorFlow on a loaded machine
EXCHANGE_PREFIX = "grader-zygote-"


class ZygoteUnavailable(GraderError, RuntimeError):
    """The zygote did not start; kernels start cold instead."""


def _remove_stale_exchanges() -> None:
    """Exchange folders of grading processes that died without cleaning up (killed, say)."""
    for folder in Path("/tmp").glob(f"{EXCHANGE_PREFIX}*-*"):
        pid = folder.name.removeprefix(EXCHANGE_PREFIX).split("-")[0]
        if pid.isdigit() and not Path(f"/proc/{pid}").exists():
            shutil.rmtree(folder, ignore_errors=True)


def _link_or_copy(src: str, dst: str) -> None:
    try:
        os.link(src, dst, follow_symlinks=False)
    except OSError:
        shutil.copy2(src, dst, follow_symlinks=False)


class _Factory:
    """What a grading process needs of a zygote to start kernels from it: its exchange folder."""

    exchange: Path
    gpu: bool

    @property
    def control(self) -> Path:
        return self.exchange / "control.sock"

    def alive(self) -> bool:
        raise NotImplementedError

    def request(self, folder: Path, workdir: Path, ipc_dir: Path, connection_file: Path, limits: Limits,
                env: dict[str, str], uid: int) -> list[str]:
        """Stage one kernel in `folder` (inside the exchange); return the kernelspec argv that starts it:
        the client, after a shell that makes the kernel's cgroups (see `sandbox.kernel_start`)."""
        submission = folder / "submission"
        try:  # never an exchange folder (the workdir may hold one), whatever vanishes meanwhile is left out
            shutil.copytree(workdir, submission, symlinks=True, copy_function=_link_or_copy,
                            ignore=lambda _, names: [n for n in names if n.startswith(EXCHANGE_PREFIX)])
        except shutil.Error:
            pass
        gib = 2**30
        request = {"uid": uid, "ipc_dir": str(ipc_dir), "connection_file": str(connection_file),
                   "submission": str(submission), "exchange": str(self.exchange),
                   "home_bytes": int(limits.disk_gib * gib), "tmp_bytes": int(limits.tmp_gib * gib),
                   "rlimits": sandbox.rlimits(limits, self.gpu), "env": sandbox.kernel_env(env)}
        (folder / "request.json").write_text(json.dumps(request), encoding="utf-8")
        return [*sandbox.kernel_start(uid, limits, warm=True),
                sys.executable, "-I", "-S", str(CLIENT), str(self.control), folder.name]

    def close(self) -> None:
        """Nothing to stop for a zygote this process does not own."""


class Zygote(_Factory):
    """One warm kernel factory this process started, and its exchange folder (`/tmp/grader-zygote-*`,
    the same path inside)."""

    def __init__(self, python: str, preload: tuple[str, ...], gpu_devices: tuple[str, ...], env: dict[str, str],
                 hidden: tuple[str, ...], ro_binds: tuple[tuple[str, str], ...] = (), spares: int = 1,
                 wait: bool = True):
        _remove_stale_exchanges()
        self.exchange = Path(tempfile.mkdtemp(prefix=f"{EXCHANGE_PREFIX}{os.getpid()}-", dir="/tmp"))
        self.log = self.exchange / "zygote.log"
        argv = sandbox.zygote_command(python, self.exchange, hidden, gpu_devices, env, preload, ro_binds, spares)
        with self.log.open("wb") as log:
            self.proc = subprocess.Popen(argv, stdin=subprocess.DEVNULL, stdout=subprocess.PIPE, stderr=log)
        self.gpu = bool(gpu_devices)
        if wait:
            try:
                self.wait_ready()
            except ZygoteUnavailable:
                self.close()
                raise

    def wait_ready(self) -> None:
        """Until the zygote says `ready` (a preloaded module may print before it), dies or times out."""
        assert self.proc.stdout is not None
        fd, said = self.proc.stdout.fileno(), b""
        deadline = time.monotonic() + READY_TIMEOUT_S
        while (left := deadline - time.monotonic()) > 0 and select.select([fd], [], [], left)[0]:
            chunk = os.read(fd, 4096)
            said += chunk
            if b"ready" in said.splitlines():
                return
            if not chunk:
                break
        raise ZygoteUnavailable(f"the zygote did not start: {self.log.read_text(errors='replace')[-500:].strip()}")

    def alive(self) -> bool:
        return self.proc.poll() is None

    def close(self) -> None:
        if self.proc.poll() is None:
            sandbox.kill_inside_first(self.proc)
            if self.proc.poll() is None:
                self.proc.kill()
        self.proc.wait()
        if self.proc.stdout is not None:
            self.proc.stdout.close()
        shutil.rmtree(self.exchange, ignore_errors=True)


@dataclass(frozen=True)
class SharedZygote:
    """A zygote the local engine's parent started for all its grading processes, as they see it.

    One interpreter importing torch and TensorFlow instead of one per worker: on a small machine
    the parent starts it before the workers exist, and the imports overlap their start-up."""

    key: tuple
    exchange: Path
    pid: int
    gpu: bool

    @property
    def ready_file(self) -> Path:
        return self.exchange / "ready"

    @property
    def failed_file(self) -> Path:
        return self.exchange / "failed"


class _Adopted(_Factory):
    """A worker's handle on its parent's zygote: the first request waits until it is ready."""

    def __init__(self, shared: SharedZygote):
        self.shared, self.exchange, self.gpu = shared, shared.exchange, shared.gpu

    def wait_ready(self) -> None:
        deadline = time.monotonic() + READY_TIMEOUT_S
        while not self.shared.ready_file.exists():
            if self.shared.failed_file.exists() or time.monotonic() > deadline:
                failed = self.shared.failed_file
                raise ZygoteUnavailable(failed.read_text() if failed.exists() else "the zygote did not start")
            time.sleep(0.02)

    def alive(self) -> bool:
        return Path(f"/proc/{self.shared.pid}").exists() and self.control.exists()


_current: dict[tuple, _Factory] = {}   # at most one per grading process
_failed: dict[tuple, str] = {}
_waiting: dict[tuple, _Adopted] = {}   # the parent's zygote, not yet asked for a kernel


def _say_cold(exc: BaseException) -> None:
    print(f"grader: warm kernels unavailable, starting each kernel cold ({exc})", file=sys.stderr)


def _key_env(env: dict[str, str]) -> dict[str, str]:
    """The zygote's environment: not the GPU slot, which each kernel's CUDA start reads for itself."""
    return {k: v for k, v in env.items() if k != "CUDA_VISIBLE_DEVICES"}


def _key(python: str, preload: tuple[str, ...], gpu: bool, env: dict[str, str],
         ro_binds: tuple[tuple[str, str], ...]) -> tuple:
    """What makes two kernels come from the same zygote."""
    return (python, preload, gpu, tuple(sorted(_key_env(env).items())), sandbox.grader_folders(), ro_binds)


def start_shared(python: str, preload: tuple[str, ...], gpu: bool, env: dict[str, str],
                 ro_binds: tuple[tuple[str, str], ...], spares: int) -> SharedZygote | None:
    """Start a zygote for this process's workers without waiting for it: a thread marks it ready
    (or failed, with why) in its exchange folder. None where it cannot even be started."""
    key = _key(python, preload, gpu, env, ro_binds)
    close_all()
    try:
        zygote = Zygote(python, preload, sandbox.gpu_device_nodes() if gpu else (), _key_env(env),
                        sandbox.grader_folders(), ro_binds, spares, wait=False)
    except OSError as exc:
        _say_cold(exc)
        return None
    _current[key] = zygote
    shared = SharedZygote(key, zygote.exchange, zygote.proc.pid, zygote.gpu)

    def mark() -> None:
        try:
            zygote.wait_ready()
        except ZygoteUnavailable as exc:
            zygote.proc.kill()
            shared.failed_file.write_text(str(exc))
        else:
            shared.ready_file.touch()

    threading.Thread(target=mark, daemon=True, name="zygote-ready").start()
    return shared


def adopt(shared: SharedZygote) -> None:
    """In a worker: take kernels from the parent's zygote when they are like the ones it was started for."""
    _waiting[shared.key] = _Adopted(shared)


def zygote_for(python: str, preload: tuple[str, ...], gpu: bool, env: dict[str, str],
               ro_binds: tuple[tuple[str, str], ...] = ()) -> _Factory | None:
    """This process's zygote for such kernels: the parent's if adopted, else its own, started on
    first use; None where it cannot start (kernels start cold)."""
    key = _key(python, preload, gpu, env, ro_binds)
    if key in _failed:
        return None
    if key in _waiting:
        adopted = _waiting.pop(key)
        try:
            adopted.wait_ready()
        except ZygoteUnavailable as exc:
            _failed[key] = str(exc)
            _say_cold(exc)
            return None
        _current[key] = adopted
    zygote = _current.get(key)
    if zygote is not None and zygote.alive():
        return zygote
    close_all()
    try:
        zygote = Zygote(python, preload, sandbox.gpu_device_nodes() if gpu else (), _key_env(env),
                        sandbox.grader_folders(), ro_binds)
    except (ZygoteUnavailable, OSError) as exc:
        _failed[key] = str(exc)
        _say_cold(exc)
        return None
    _current[key] = zygote
    return zygote


def close_all() -> None:
    """Stop this process's zygote (also at exit; bubblewrap's --die-with-parent covers a crash)."""
    while _current:
        _current.popitem()[1].close()


atexit.register(close_all)
