"""One lifecycle for every process that runs a student's code: their Jupyter kernel and the model
process that loads their saved model.

`SandboxSpec` says what differs between two such processes (the program, the student's folder it
starts in, limits, environment, a folder shared with the grader or none, GPU, read-only binds,
importable packages, folders to hide, a wall-clock limit, a warm start from the zygote);
`spawn_sandboxed(spec)` does what is the same for all of them, in this order:

- leases this grading process's kernel uid (`sandbox.uid_for_this_process`) and kills whatever
  the uid's last process left (its whole cgroup), so the new one has its uid's whole quota;
- makes the student's folder readable to that uid, and the shared folder (if any) its own;
- builds the argv: bubblewrap (new PID, network, IPC, UTS and cgroup namespaces, read-only system,
  a private size-limited home and /tmp, the grader's code, course and data folders covered), a
  cgroup of its own with the memory and task limits, rlimits, no capability, the seccomp filter,
  the uid (`sandbox.command`), or the zygote's request for a warm kernel (`zygote._Factory.request`);
  bubblewrap's --die-with-parent ties it to the grader;
- kills it (and every process of its uid) when it outlives `wall_s`;
- at the end, kills what it started and every process of its uid, and removes its cgroups.

Unsandboxed (the teaching assistant's explicit --unsafe-no-sandbox) it runs with a clean
environment and a private home, and still dies with the grader (PR_SET_PDEATHSIG).
"""
import os
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from grader.kernel import sandbox
from grader.rubric.schema import Limits

if TYPE_CHECKING:
    from grader.kernel.zygote import _Factory

CODE_ROOT = "/opt/grader"  # where a sandboxed process finds the `packages` it is given
CONNECTION_FILE = "kernel.json"  # a warm kernel's connection file, in its shared folder
# An unsandboxed process's first instructions: die with the grader (whatever killed it), then run.
_DIE_WITH_PARENT = ("import ctypes, os, sys\n"
                    "ctypes.CDLL(None).prctl(1, 9, 0, 0, 0)  # PR_SET_PDEATHSIG, SIGKILL\n"
                    "if os.getppid() != int(sys.argv[1]): os._exit(1)  # the grader died before that\n"
                    "os.execvp(sys.argv[2], sys.argv[2:])")


@dataclass(frozen=True)
class SandboxSpec:
    """Everything that differs between two sandboxed processes; all the rest is the lifecycle's."""

    program: tuple[str, ...]      # the argv run inside (for a kernel, `{connection_file}` is filled in later)
    submission: Path              # the grader's private copy of the student's files: ~/work starts as a copy
    limits: Limits                # memory and tasks (cgroup), rlimits, home and /tmp sizes
    sandboxed: bool = True        # False only at the teaching assistant's explicit request
    env: Mapping[str, str] = field(default_factory=dict)  # on top of the few variables every sandbox sets
    shared: bool = False          # a folder shared with the grader, at the same path inside, owned by the
                                  # process's uid (a kernel's connection file and IPC sockets); else pipes only
    gpu: bool = False             # the NVIDIA device nodes are bound in
    ro_binds: tuple[tuple[str, str], ...] = ()  # (outside, inside) read-only, e.g. a dataset's training files
    packages: tuple[str, ...] = ()  # importable packages, bound read-only under CODE_ROOT
    hidden: tuple[str, ...] = ()  # folders to cover, besides the grader's own, its course's and its data folder
    python: str = sys.executable
    wall_s: float | None = None   # past this (from the start) the process and its uid's are killed
    warm: "_Factory | None" = None  # a zygote to fork it from (an ipykernel); else started cold


class SandboxedProcess:
    """A process ready to start (by `popen`, or handed to jupyter_client as argv, env and cwd)."""

    def __init__(self, spec: SandboxSpec, argv: list[str], env: dict[str, str], cwd: Path, uid: int | None,
                 shared: Path | None):
        self.spec, self.argv, self.env, self.cwd, self.uid, self.shared = spec, argv, env, cwd, uid, shared
        self.deadline = time.monotonic() + spec.wall_s if spec.wall_s is not None else float("inf")
        self.expired = False  # killed for outliving `wall_s`
        self.proc: subprocess.Popen[bytes] | None = None
        self._lock = threading.Lock()

    def popen(self, **pipes: Any) -> "subprocess.Popen[bytes]":
        """Start it (once), with these pipes; it is killed with the lifecycle's end."""
        with self._lock:
            if self.proc is not None or self.expired:
                raise RuntimeError("a sandboxed process starts once, and not after its time")
            self.proc = subprocess.Popen(self.argv, env=self.env, cwd=str(self.cwd), **pipes)
            return self.proc

    def kill(self, wait_s: float = 0) -> None:
        """Kill the process this started and every process of its uid (cgroups removed once empty)."""
        with self._lock:
            if self.proc is not None and self.proc.poll() is None:
                if self.uid is not None:  # bubblewrap's
                    sandbox.kill_inside_first(self.proc)
                if self.proc.poll() is None:
                    self.proc.kill()
        if self.uid is not None:
            sandbox.kill_all(self.uid, wait_s=wait_s)

    def _expire(self) -> None:
        self.expired = True
        self.kill()


def _readable(root: Path) -> None:
    """Let the process's uid read the private copy it starts from, whatever modes the student shipped."""
    for path in [root, *root.rglob("*")]:
        if not path.is_symlink():
            os.chmod(path, 0o755 if path.is_dir() else 0o644)


def _package_parent(name: str) -> Path:
    return sandbox.package_dir(name).parent


def _clean_env(spec: SandboxSpec, home: Path) -> dict[str, str]:
    """What an unsandboxed process sees: no CI tokens or grader settings, only the basics."""
    keep = {k: os.environ[k] for k in ("PATH", "LANG", "LC_ALL", "TZ") if k in os.environ}
    code = {"PYTHONPATH": os.pathsep.join(dict.fromkeys(str(_package_parent(p)) for p in spec.packages))}
    return {**keep, "HOME": str(home), "USER": "student", "IPYTHONDIR": str(home / ".ipython"),
            "MPLCONFIGDIR": str(home / ".mpl"), **(code if spec.packages else {}), **spec.env}


def prepare(spec: SandboxSpec, folder: Path) -> SandboxedProcess:
    """The process's argv, environment and uid; `folder` (the grader's: inside a zygote's exchange for a
    warm kernel) holds what it needs outside the box, and is or holds its shared folder. Leases the
    uid; starts nothing."""
    # a cold kernel's shared folder is `folder` itself: bubblewrap would make a parent below /tmp 0700,
    # closed to the uid; a warm kernel's lies beside its request, in the zygote's exchange
    shared = (folder / "ipc" if spec.warm is not None and spec.sandboxed else folder) if spec.shared else None
    if shared is not None and shared != folder:
        shared.mkdir()
    if not spec.sandboxed:
        home = folder / "home"
        home.mkdir()
        argv = [sys.executable, "-I", "-S", "-c", _DIE_WITH_PARENT, str(os.getpid()), *spec.program]
        return SandboxedProcess(spec, argv, _clean_env(spec, home), spec.submission, None, shared)
    uid = sandbox.uid_for_this_process()
    if spec.warm is not None:
        if shared is None:
            raise ValueError("a warm kernel talks over its shared folder")
        argv = spec.warm.request(folder, spec.submission, shared, shared / CONNECTION_FILE, spec.limits,
                                 dict(spec.env), uid)
    else:
        _readable(spec.submission)
        env = {**({"PYTHONPATH": CODE_ROOT} if spec.packages else {}), **spec.env}
        binds = tuple((str(sandbox.package_dir(p)), f"{CODE_ROOT}/{p}") for p in sorted(spec.packages))
        box = sandbox.KernelBox(submission=spec.submission, ipc_dir=shared, limits=spec.limits, python=spec.python,
                                gpu_devices=sandbox.gpu_device_nodes() if spec.gpu else (), env=env, uid=uid,
                                hidden=sandbox.hidden_folders(spec.hidden), ro_binds=(*spec.ro_binds, *binds))
        argv = sandbox.command(box, list(spec.program))
    if shared is not None:
        os.chown(shared, uid, uid)
    return SandboxedProcess(spec, argv, {"PATH": os.environ.get("PATH", "/usr/bin:/bin")}, folder, uid, shared)


@contextmanager
def spawn_sandboxed(spec: SandboxSpec) -> Iterator[SandboxedProcess]:
    """A process of `spec`, ready to start, for the length of the block: before it, every process
    its uid still had is killed; past `spec.wall_s` and at the end, it and every process of its
    uid are killed and their cgroups removed (in the background, once empty); its folders go."""
    where = spec.warm.exchange if spec.warm is not None and spec.sandboxed else Path("/tmp")
    with tempfile.TemporaryDirectory(prefix="grader-ipc-" if spec.shared else "grader-box-", dir=where) as tmp:
        process = prepare(spec, Path(tmp))
        if process.uid is not None:
            sandbox.kill_all(process.uid)  # the last process's, killed when it ended, are gone
        timer = None
        if spec.wall_s is not None:
            timer = threading.Timer(spec.wall_s, process._expire)
            timer.daemon = True
            timer.start()
        try:
            yield process
        finally:
            if timer is not None:
                timer.cancel()
            process.kill()
            if process.proc is not None:
                process.proc.wait()
