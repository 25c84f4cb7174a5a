"""Warm kernels: heavy imports paid once per grading process, a fresh sandboxed kernel per notebook.

Each grading process keeps one zygote (`zygote_main.py` inside bubblewrap) that has imported
ipykernel and the rubric's `kernel.preload` modules. A kernel is asked for by writing
`request.json` into a folder of the exchange (the one folder the zygote shares with the grader)
and starting `zygote_client.py` as the kernelspec's argv; jupyter_client and nbclient see an
ordinary kernel process. Where the zygote cannot start, callers fall back to cold kernels.
"""
import atexit
import json
import os
import select
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from grader.kernel import sandbox
from grader.rubric.schema import Limits

CLIENT = Path(__file__).with_name("zygote_client.py")
READY_TIMEOUT_S = 180.0  # importing torch and TensorFlow on a loaded machine
EXCHANGE_PREFIX = "grader-zygote-"


class ZygoteUnavailable(RuntimeError):
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


class Zygote:
    """One warm kernel factory and its exchange folder (`/tmp/grader-zygote-*`, same path inside)."""

    def __init__(self, python: str, preload: tuple[str, ...], gpu_devices: tuple[str, ...], env: dict[str, str],
                 hidden: tuple[str, ...], ro_binds: tuple[tuple[str, str], ...] = ()):
        _remove_stale_exchanges()
        self.exchange = Path(tempfile.mkdtemp(prefix=f"{EXCHANGE_PREFIX}{os.getpid()}-", dir="/tmp"))
        self.log = self.exchange / "zygote.log"
        argv = sandbox.zygote_command(python, self.exchange, hidden, gpu_devices, env, preload, ro_binds)
        with self.log.open("wb") as log:
            self.proc = subprocess.Popen(argv, stdin=subprocess.DEVNULL, stdout=subprocess.PIPE, stderr=log)
        self.gpu = bool(gpu_devices)
        try:
            self._wait_ready()
        except ZygoteUnavailable:
            self.close()
            raise

    def _wait_ready(self) -> None:
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

    @property
    def control(self) -> Path:
        return self.exchange / "control.sock"

    def alive(self) -> bool:
        return self.proc.poll() is None

    def request(self, folder: Path, workdir: Path, ipc_dir: Path, connection_file: Path, limits: Limits,
                env: dict[str, str], uid: int) -> list[str]:
        """Stage one kernel in `folder` (inside the exchange); return the kernelspec argv that starts it."""
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
        return [sys.executable, "-I", "-S", str(CLIENT), str(self.control), folder.name]

    def close(self) -> None:
        if self.proc.poll() is None:
            self.proc.kill()
        self.proc.wait()
        if self.proc.stdout is not None:
            self.proc.stdout.close()
        shutil.rmtree(self.exchange, ignore_errors=True)


_current: dict[tuple, Zygote] = {}   # at most one per grading process
_failed: dict[tuple, str] = {}


def zygote_for(python: str, preload: tuple[str, ...], gpu: bool, env: dict[str, str],
               ro_binds: tuple[tuple[str, str], ...] = ()) -> Zygote | None:
    """This process's zygote for such kernels, started on first use; None where it cannot start."""
    env = {k: v for k, v in env.items() if k != "CUDA_VISIBLE_DEVICES"}  # read by each kernel's CUDA start
    hidden = sandbox.grader_folders()
    key = (python, preload, gpu, tuple(sorted(env.items())), hidden, ro_binds)
    if key in _failed:
        return None
    zygote = _current.get(key)
    if zygote is not None and zygote.alive():
        return zygote
    close_all()
    try:
        zygote = Zygote(python, preload, sandbox.gpu_device_nodes() if gpu else (), env, hidden, ro_binds)
    except (ZygoteUnavailable, OSError) as exc:
        _failed[key] = str(exc)
        print(f"grader: warm kernels unavailable, starting each kernel cold ({exc})", file=sys.stderr)
        return None
    _current[key] = zygote
    return zygote


def close_all() -> None:
    """Stop this process's zygote (also at exit; bubblewrap's --die-with-parent covers a crash)."""
    while _current:
        _current.popitem()[1].close()


atexit.register(close_all)
