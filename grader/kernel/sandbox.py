"""The sandbox a student's kernel runs in: bubblewrap namespaces, an unprivileged uid, rlimits.

Inside it the kernel sees read-only system and Python folders, a size-limited private home
(`/home/student/work` holds a copy of that student's files only), a private /tmp, no network
(it talks to the grader over IPC sockets in a folder bound in for that kernel alone), no
environment variables but the few it needs, and GPU device nodes only when given a slot.
"""
import functools
import json
import os
import shutil
import signal
import subprocess
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path

from grader.rubric.schema import Limits

UID_BASE = 61000  # kernels run under a real unprivileged uid of their own, so RLIMIT_NPROC binds per kernel
HOME = "/home/student"
WORK = f"{HOME}/work"
SUBMISSION = "/submission"
_TOOLS = ("bwrap", "prlimit", "setpriv")
# what the zygote needs to unshare and mount, copy a student's files in as their owner, and drop to a uid
ZYGOTE_CAPS = ("CAP_SYS_ADMIN", "CAP_SETUID", "CAP_SETGID", "CAP_SETPCAP", "CAP_CHOWN", "CAP_FOWNER",
               "CAP_DAC_OVERRIDE", "CAP_KILL")


@dataclass(frozen=True)
class KernelBox:
    """Everything that differs between two sandboxed kernels."""

    submission: Path           # the grader's private copy of the student's files (bound read-only)
    ipc_dir: Path              # where the connection file and IPC sockets live (same path inside)
    limits: Limits
    python: str = sys.executable
    gpu_devices: tuple[str, ...] = ()
    env: dict[str, str] = field(default_factory=dict)
    uid: int = UID_BASE
    hidden: tuple[str, ...] = ()  # folders inside the bound system to cover with an empty tmpfs
    ro_binds: tuple[tuple[str, str], ...] = ()  # (outside, inside) extra read-only folders, e.g. datasets

    @staticmethod
    def uid_for_this_process() -> int:
        """One uid per grading process: kernels that run side by side never share a process quota."""
        return UID_BASE + os.getpid() % 4000


def _system_binds() -> list[str]:
    args = ["--ro-bind", "/usr", "/usr", "--ro-bind", "/etc", "/etc"]
    for top in ("/bin", "/sbin", "/lib", "/lib32", "/lib64", "/libx32"):
        if os.path.islink(top):
            args += ["--symlink", os.readlink(top), top]
        elif os.path.isdir(top):
            args += ["--ro-bind", top, top]
    return args


def _python_binds(python: str) -> list[str]:
    """Bind the interpreter's prefix read-only, with traversable parents (e.g. under /root)."""
    prefix = Path(os.path.realpath(python)).parents[1]
    args: list[str] = []
    if not str(prefix).startswith("/usr/"):
        for parent in reversed(prefix.parents[:-1]):
            args += ["--perms", "0755", "--dir", str(parent)]
        args += ["--ro-bind", str(prefix), str(prefix)]
    return args


def rlimits(limits: Limits, gpu: bool) -> dict[str, int]:
    """A kernel's rlimits by prlimit's names (the zygote sets the same ones itself)."""
    gib = 2**30
    values = {"nproc": limits.max_processes, "nofile": limits.max_open_files,
              "fsize": int(limits.max_file_gib * gib), "cpu": int(limits.total_timeout_s + 60)}
    if not gpu:  # CUDA reserves far more address space than it uses; GPU kernels rely on the card's memory
        values["as"] = int(limits.memory_gib * gib)
    return values


def _limits(limits: Limits, gpu: bool) -> list[str]:
    return [f"--{name}={value}" for name, value in rlimits(limits, gpu).items()]


def kernel_env(extra: dict[str, str]) -> dict[str, str]:
    """The only environment variables a sandboxed kernel sees."""
    return {"HOME": HOME, "USER": "student", "LOGNAME": "student", "PATH": "/usr/local/bin:/usr/bin:/bin",
            "LANG": "C.UTF-8",
            "IPYTHONDIR": f"{HOME}/.ipython", "JUPYTER_RUNTIME_DIR": "/tmp/jupyter", "MPLCONFIGDIR": "/tmp/mpl",
            **extra}


def _namespaces(python: str) -> list[str]:
    """bwrap with new PID, network, IPC and UTS namespaces, read-only system and Python, /proc, /dev."""
    return ["bwrap", "--die-with-parent", "--new-session", "--unshare-pid", "--unshare-net", "--unshare-ipc",
            "--unshare-uts", "--unshare-cgroup-try", "--hostname", "sandbox", *_system_binds(),
            *_python_binds(python), "--proc", "/proc", "--dev", "/dev"]


def kernel_program(python: str) -> list[str]:
    """ipykernel's argv (`{connection_file}` is filled in by jupyter)."""
    return [python, "-m", "ipykernel_launcher", "-f", "{connection_file}"]


def ro_bind_args(binds: tuple[tuple[str, str], ...]) -> list[str]:
    """Read-only binds, in order: a folder, or a file outside the folders bound before it (a
    dataset's training file under /data), gets traversable parents (bwrap would make them 0700,
    closed to the kernel's uid); a file bound over a file inside an earlier folder hides that file."""
    args: list[str] = []
    folders: list[Path] = []
    for outside, inside in binds:
        if os.path.isdir(outside) or not any(Path(inside).is_relative_to(f) for f in folders):
            for parent in reversed(Path(inside).parents[:-1]):
                args += ["--perms", "0755", "--dir", str(parent)]
        if os.path.isdir(outside):
            folders.append(Path(inside))
        args += ["--ro-bind", outside, inside]
    return args


def command(box: KernelBox, program: list[str] | None = None) -> list[str]:
    """The argv that runs `program` (default: an ipykernel) in the sandbox, in a copy of the submission."""
    gib = 2**30
    env = kernel_env(box.env)
    argv = [*_namespaces(box.python),
            "--perms", "1777", "--size", str(int(box.limits.tmp_gib * gib)), "--tmpfs", "/tmp",
            "--perms", "0777", "--size", str(int(box.limits.disk_gib * gib)), "--tmpfs", HOME,
            "--ro-bind", str(box.submission), SUBMISSION, "--bind", str(box.ipc_dir), str(box.ipc_dir)]
    for path in box.hidden:
        argv += ["--tmpfs", path]
    argv += ro_bind_args(box.ro_binds)
    for dev in box.gpu_devices:
        argv += ["--dev-bind", dev, dev]
    argv += ["--chdir", HOME, "--clearenv"]
    for key, value in env.items():
        argv += ["--setenv", key, value]
    drop = (["setpriv", f"--reuid={box.uid}", f"--regid={box.uid}", "--clear-groups",
             "--inh-caps=-all", "--bounding-set=-all", "--no-new-privs"] if os.geteuid() == 0 else [])
    start = f"mkdir -p {WORK} && cp -r {SUBMISSION}/. {WORK}/ && cd {WORK} && exec \"$@\""
    return [*argv, "--", "prlimit", *_limits(box.limits, bool(box.gpu_devices)), "--", *drop,
            "/bin/sh", "-c", start, "sh", *(program or kernel_program(box.python))]


def zygote_command(python: str, exchange: Path, hidden: tuple[str, ...], gpu_devices: tuple[str, ...],
                   env: dict[str, str], preload: tuple[str, ...],
                   ro_binds: tuple[tuple[str, str], ...] = (), spares: int = 1) -> list[str]:
    """The argv of a warm kernel factory (`zygote_main.py`): the kernel's box, but root inside with the
    capabilities it needs to build each kernel's own namespaces and drop to its uid; `exchange` (the
    requests, copies of submissions and IPC folders) is the only folder shared with the grader.
    It keeps `spares` kernels forked ahead of need: one per grading process it serves."""
    argv = [*_namespaces(python), "--tmpfs", "/tmp", "--dir", HOME, "--bind", str(exchange), str(exchange)]
    for path in hidden:
        argv += ["--tmpfs", path]
    argv += ro_bind_args(ro_binds)
    for dev in gpu_devices:
        argv += ["--dev-bind", dev, dev]
    for cap in ZYGOTE_CAPS:
        argv += ["--cap-add", cap]
    argv += ["--chdir", "/", "--clearenv"]
    for key, value in kernel_env(env).items():
        argv += ["--setenv", key, value]
    source = (Path(__file__).parent / "zygote_main.py").read_text(encoding="utf-8")
    return [*argv, "--", python, "-c", source, str(exchange), json.dumps(list(preload)), str(spares)]


@functools.cache
def grader_folders(packages: tuple[str, ...] = ("grader", "reference")) -> tuple[str, ...]:
    """The grader's own code, references and rubrics: hidden in case they sit inside a bound
    folder (a non-editable install puts `reference/` into site-packages, which the kernel sees)."""
    import importlib.util

    from grader.rubric import rubric_dir

    found = [str(rubric_dir().resolve())]
    for name in packages:
        spec = importlib.util.find_spec(name)
        found += [os.path.realpath(p) for p in (spec.submodule_search_locations or [])] if spec else []
    bound = ("/usr/", "/etc/", str(Path(os.path.realpath(sys.executable)).parents[1]) + "/")
    return tuple(p for p in dict.fromkeys(found) if os.path.isdir(p) and p.startswith(bound))


def _pids_of(uid: int) -> list[int]:
    pids = []
    for status in Path("/proc").glob("[0-9]*/status"):
        try:
            line = next(l for l in status.read_text().splitlines() if l.startswith("Uid:"))
        except (OSError, StopIteration):
            continue
        if int(line.split()[1]) == uid:
            pids.append(int(status.parent.name))
    return pids


def kill_all(uid: int, wait_s: float = 10.0) -> None:
    """Kill every process left under a kernel's uid (a fork bomb's children, say) and wait up to
    `wait_s` until they are gone. Called with a wait before a kernel or evaluator starts, so it
    has its uid's whole quota, and without one after a kernel, whose teardown (tens of
    milliseconds for a process holding torch and TensorFlow) then overlaps the checks."""
    deadline = time.monotonic() + wait_s
    while pids := _pids_of(uid):
        for pid in pids:
            try:
                os.kill(pid, signal.SIGKILL)
            except OSError:
                pass
        if time.monotonic() >= deadline:
            return
        time.sleep(0.005)


def gpu_device_nodes() -> tuple[str, ...]:
    """The NVIDIA device files a kernel with a GPU slot needs (none on a machine without one)."""
    names = ["/dev/nvidiactl", "/dev/nvidia-uvm", "/dev/nvidia-uvm-tools", "/dev/nvidia-caps"]
    names += sorted(str(p) for p in Path("/dev").glob("nvidia[0-9]*"))
    return tuple(n for n in names if os.path.exists(n))


@functools.cache
def unavailable_reason() -> str | None:
    """Why no sandbox can be set up here, or None when one works (tried once per process)."""
    missing = [t for t in _TOOLS if shutil.which(t) is None]
    if missing:
        return f"missing {', '.join(missing)} (Debian packages bubblewrap and util-linux)"
    if os.geteuid() != 0:
        return "the grader must run as root to start kernels under an unprivileged uid"
    probe = ["bwrap", "--die-with-parent", "--unshare-pid", "--unshare-net", *_system_binds(),
             *_python_binds(sys.executable), "--proc", "/proc", "--dev", "/dev", "--",
             "setpriv", f"--reuid={UID_BASE}", f"--regid={UID_BASE}", "--clear-groups",
             sys.executable, "-c", "import os; print(os.getuid())"]
    try:
        out = subprocess.run(probe, capture_output=True, text=True, timeout=60)
    except (OSError, subprocess.TimeoutExpired) as exc:
        return f"bubblewrap failed to start: {exc}"
    if out.returncode != 0 or out.stdout.strip() != str(UID_BASE):
        return f"bubblewrap failed: {out.stderr.strip()[:300]}"
    return None
