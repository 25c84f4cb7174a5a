"""The sandbox a student's kernel runs in: bubblewrap namespaces, a cgroup, a seccomp filter, an
unprivileged uid of its own, rlimits.

Inside it the kernel sees read-only system and Python folders, a size-limited private home
(`/home/student/work` holds a copy of that student's files only), a private /tmp, no network
(it talks to the grader over IPC sockets in a folder bound in for that kernel alone), no
environment variables but the few it needs, and GPU device nodes only when given a slot; never
the grader's code, the course's rubrics and reference code, or its data folder.
Its whole process tree shares one cgroup that caps its memory and its number of tasks; it
holds no capability, and a seccomp filter refuses the system calls that reach beyond the box
(new namespaces, mounts, ptrace, keyrings, BPF, modules...).

These are the primitives; `grader.kernel.sandboxed` is the one lifecycle built from them, for
kernels and model processes alike.
"""
import atexit
import ctypes
import fcntl
import functools
import hashlib
import json
import os
import platform
import shlex
import shutil
import signal
import struct
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path

from grader.core import atomic
from grader.rubric.schema import Limits

# Kernel uids and gids: 70000-73999. Above 65535 (so clear of systemd's dynamic users, 61184-65519,
# of nobody and of the 16-bit -1), below login.defs' first subordinate id (SUB_UID_MIN, 100000) and
# systemd's container ranges (524288 on): no user or service of the machine has one. A grading
# process holds one at a time, by a lock file, so concurrent runs never share a uid.
UID_BASE, UID_COUNT = 70000, 4000
STATE_DIR = Path("/run/grader")  # uid lock files and the compiled seccomp filter; never visible to a kernel
CGROUP_PREFIX = "grader-u"       # a kernel's cgroup: grader-u<uid>-<pid of its first process>
HOME = "/home/student"
WORK = f"{HOME}/work"
SUBMISSION = "/submission"
_TOOLS = ("bwrap", "prlimit", "setpriv")
# what setpriv needs to drop a cold kernel to its uid with no capabilities
COLD_CAPS = ("CAP_SETUID", "CAP_SETGID", "CAP_SETPCAP")
# what the zygote needs to unshare and mount, bring up each kernel's loopback, copy a student's files
# in as their owner, and drop to a uid
ZYGOTE_CAPS = ("CAP_SYS_ADMIN", "CAP_NET_ADMIN", "CAP_SETUID", "CAP_SETGID", "CAP_SETPCAP", "CAP_CHOWN",
               "CAP_FOWNER", "CAP_DAC_OVERRIDE", "CAP_KILL")


@dataclass(frozen=True)
class KernelBox:
    """The bubblewrap command line of one sandboxed process (see `sandboxed.SandboxSpec`)."""

    submission: Path           # the grader's private copy of the student's files (bound read-only)
    ipc_dir: Path | None       # a folder shared with the grader (same path inside): a kernel's connection
                               # file and IPC sockets; None for a process that talks over pipes
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
        return uid_for_this_process()


@dataclass(frozen=True)
class UidLease:
    """A kernel uid held through an exclusive flock on its lock file: no other holder on this
    machine until it is released or its holder dies (the kernel drops the lock with the last fd)."""

    uid: int
    fd: int

    def release(self) -> None:
        fcntl.flock(self.fd, fcntl.LOCK_UN)  # explicitly: a forked child's copy of the fd must not keep it
        os.close(self.fd)


def _try_lease(uid: int) -> UidLease | None:
    folder = STATE_DIR / "uids"
    folder.mkdir(parents=True, exist_ok=True)
    fd = os.open(folder / f"{uid}.lock", os.O_RDWR | os.O_CREAT | os.O_CLOEXEC, 0o600)
    try:
        fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except BlockingIOError:
        os.close(fd)
        return None
    return UidLease(uid, fd)


def lease_uid() -> UidLease:
    """The first free uid of the range, looked for from a point that differs between processes;
    on the way, the cgroups that grading processes killed before cleaning up left behind go."""
    start = os.getpid() % UID_COUNT
    for i in range(UID_COUNT):
        if lease := _try_lease(UID_BASE + (start + i) % UID_COUNT):
            _remove_abandoned_cgroups()
            return lease
    raise RuntimeError(f"all {UID_COUNT} kernel uids from {UID_BASE} are held by other grading processes")


_lease: tuple[int, UidLease] | None = None  # (holder's pid, lease): a forked child leases its own


def uid_for_this_process() -> int:
    """This process's kernel uid, leased on first use and released at exit with its kernels' processes."""
    global _lease
    if _lease is None or _lease[0] != os.getpid():
        _lease = (os.getpid(), lease_uid())
        atexit.register(_release, *_lease)
    return _lease[1].uid


def _release(pid: int, lease: UidLease) -> None:
    if os.getpid() == pid:  # atexit handlers are inherited by forked children
        kill_all(lease.uid, wait_s=5.0)
        lease.release()


@dataclass(frozen=True)
class Cgroups:
    """Where kernels' cgroups are made: under the grader's own cgroup, one folder per controller
    on cgroup v1, one folder for both on v2."""

    version: int
    memory: str  # the parent folder of kernels' memory cgroups
    pids: str    # of their pids cgroups (the same folder on v2)
    swap: bool   # swap can be capped too (memory.memsw.limit_in_bytes / memory.swap.max)

    def folders(self, name: str) -> tuple[str, ...]:
        return tuple(dict.fromkeys(os.path.join(parent, name) for parent in (self.memory, self.pids)))

    def settings(self, limits: Limits) -> list[tuple[str, str, int]]:
        """(parent, file, value) for a kernel's limits, in the order they must be written."""
        memory = int(limits.memory_gib * 2**30)
        if self.version == 2:
            return [(self.memory, "memory.max", memory), *([(self.memory, "memory.swap.max", 0)] if self.swap else []),
                    (self.pids, "pids.max", limits.max_processes)]
        return [(self.memory, "memory.limit_in_bytes", memory),  # before memsw, which may not be below it
                *([(self.memory, "memory.memsw.limit_in_bytes", memory)] if self.swap else []),
                (self.pids, "pids.max", limits.max_processes)]


def _read(*parts: str) -> str:
    with open(os.path.join(*parts), encoding="ascii") as f:
        return f.read()


def _write(path: str, text: str) -> None:
    with open(path, "w", encoding="ascii") as f:
        f.write(text)


def _v2_parent(mount: str, own: str) -> str:
    """The grader's own cgroup where it already hands both controllers down; else one beside the
    system's at the top (the root cgroup may have processes and enable controllers below it)."""
    here = os.path.normpath(os.path.join(mount, own.lstrip("/")))
    if {"memory", "pids"} <= set(_read(here, "cgroup.subtree_control").split()):
        return here
    if not {"memory", "pids"} <= set(_read(mount, "cgroup.subtree_control").split()):
        raise OSError("the memory and pids controllers are not enabled below the root cgroup")
    top = os.path.join(mount, "grader")
    os.makedirs(top, exist_ok=True)
    _write(os.path.join(top, "cgroup.subtree_control"), "+memory +pids")
    return top


def _find_cgroups() -> Cgroups:
    """cgroup v2 where it is mounted with both controllers, else v1's memory and pids hierarchies."""
    mounts = [line.split()[1:4] for line in _read("/proc/self/mounts").splitlines()]
    own = {}  # controller ("" on v2) -> this process's cgroup
    for line in _read("/proc/self/cgroup").splitlines():
        _, controllers, path = line.split(":", 2)
        own.update(dict.fromkeys(controllers.split(","), path))
    for mount, kind, _ in mounts:
        if kind == "cgroup2" and {"memory", "pids"} <= set(_read(mount, "cgroup.controllers").split()):
            parent = _v2_parent(mount, own[""])
            return Cgroups(2, parent, parent, os.path.exists(os.path.join(parent, "memory.swap.max")))
    parents = {}
    for mount, kind, options in mounts:
        if kind == "cgroup":
            for controller in {"memory", "pids"} & set(options.split(",")):
                parents[controller] = os.path.normpath(os.path.join(mount, own[controller].lstrip("/")))
    if len(parents) < 2:
        raise OSError("neither cgroup v2 nor v1 memory and pids hierarchies are mounted")
    swap = os.path.exists(os.path.join(parents["memory"], "memory.memsw.limit_in_bytes"))
    return Cgroups(1, parents["memory"], parents["pids"], swap)


@functools.cache
def _cgroups_or_reason() -> Cgroups | str:
    """The cgroups kernels get, tried once per process by making one with limits and removing it."""
    try:
        found = _find_cgroups()
        probe = f"grader-probe-{os.getpid()}"
        folders = found.folders(probe)
        try:
            for folder in folders:
                os.mkdir(folder)
            for parent, name, value in found.settings(Limits()):
                _write(os.path.join(parent, probe, name), str(value))
        finally:
            for folder in folders:
                if os.path.isdir(folder):
                    os.rmdir(folder)
        return found
    except (OSError, KeyError, ValueError) as exc:
        return str(exc)


def cgroups() -> Cgroups | None:
    """Where kernels' cgroups are made; None where none can be (RLIMIT_AS stands in, per process)."""
    found = _cgroups_or_reason()
    return found if isinstance(found, Cgroups) else None


def _cgroup_folders(uid: int) -> list[str]:
    """The cgroups of this uid's kernels that still exist."""
    found = cgroups()
    if found is None:
        return []
    prefix = f"{CGROUP_PREFIX}{uid}-"
    return [os.path.join(parent, name) for parent in dict.fromkeys((found.memory, found.pids))
            for name in os.listdir(parent) if name.startswith(prefix)]


def _remove_abandoned_cgroups() -> None:
    """Kernels' cgroups of uids no process holds: their grading process died (SIGKILL, say)."""
    found = cgroups()
    for parent in dict.fromkeys((found.memory, found.pids)) if found else ():
        for name in os.listdir(parent):
            uid = name.removeprefix(CGROUP_PREFIX).split("-")[0]
            if name.startswith(CGROUP_PREFIX) and uid.isdigit() and (lease := _try_lease(int(uid))):
                _kill_and_remove([os.path.join(parent, name)])
                lease.release()


def _cgroup_pids(folder: str) -> list[int]:
    try:
        return [int(pid) for pid in _read(folder, "cgroup.procs").split()]
    except OSError:  # removed meanwhile (ENOENT, or ENODEV while it goes)
        return []


def kernel_start(uid: int, limits: Limits, *, warm: bool) -> list[str]:
    """The argv prefix that starts a kernel's first process, outside the box: a shell that makes the
    kernel's cgroups (named after its own pid, which it keeps by exec) with their limits, then for a
    cold kernel joins them and opens the seccomp filter on fd 3 for bubblewrap; a warm kernel's
    client gets the cgroups' `cgroup.procs` files as extra arguments, to hand to the zygote, which
    moves the kernel in before it runs anything. Nothing to make for a warm kernel without cgroups."""
    found = cgroups()
    lines = ["set -e"]
    procs: list[str] = []
    if found is not None:
        where = {parent: f"d{i}" for i, parent in enumerate(dict.fromkeys((found.memory, found.pids)))}
        lines += [f"{var}={shlex.quote(parent)}/{CGROUP_PREFIX}{uid}-$$" for parent, var in where.items()]
        lines.append("mkdir " + " ".join(f'"${var}"' for var in where.values()))
        lines += [f'echo {value} > "${where[parent]}/{name}"' for parent, name, value in found.settings(limits)]
        procs = [f'"${var}/cgroup.procs"' for var in where.values()]
    elif warm:
        return []
    if warm:
        lines.append('exec "$@" ' + " ".join(procs))
    else:
        lines += [f"echo $$ > {p}" for p in procs]
        lines += [f"exec 3< {shlex.quote(seccomp_file())}", 'exec "$@"']
    return ["/bin/sh", "-c", "\n".join(lines), "sh"]


# The seccomp filter, a classic BPF program over struct seccomp_data (nr at 0, arch at 4, args
# from 16). Student code needs none of these calls; each reaches kernel code far beyond the box.
AUDIT_ARCH = {"x86_64": 0xC000003E, "aarch64": 0xC00000B7}
SYSCALLS = {  # name: (x86_64, aarch64) numbers
    "unshare": (272, 97), "clone": (56, 220), "clone3": (435, 435), "setns": (308, 268),
    "mount": (165, 40), "umount2": (166, 39), "pivot_root": (155, 41), "open_tree": (428, 428),
    "move_mount": (429, 429), "fsopen": (430, 430), "fsconfig": (431, 431), "fsmount": (432, 432),
    "fspick": (433, 433), "mount_setattr": (442, 442), "keyctl": (250, 219), "add_key": (248, 217),
    "request_key": (249, 218), "bpf": (321, 280), "perf_event_open": (298, 241), "ptrace": (101, 117),
    "process_vm_readv": (310, 270), "process_vm_writev": (311, 271), "kexec_load": (246, 104),
    "kexec_file_load": (320, 294), "init_module": (175, 105), "finit_module": (313, 273),
    "delete_module": (176, 106), "open_by_handle_at": (304, 265), "userfaultfd": (323, 282),
    "swapon": (167, 224), "swapoff": (168, 225), "reboot": (169, 142), "acct": (163, 89),
    "syslog": (103, 116), "io_uring_setup": (425, 425), "io_uring_enter": (426, 426),
    "io_uring_register": (427, 427),
}
EPERM, ENOSYS = 1, 38
# clone3 (its flags sit in a struct the filter cannot read) and io_uring: "not implemented", so that
# glibc falls back to clone for threads and libraries to plain system calls
NOT_IMPLEMENTED = ("clone3", "io_uring_setup", "io_uring_enter", "io_uring_register")
CLONE_NEW_NAMESPACES = 0x7E020000  # CLONE_NEWNS, NEWCGROUP, NEWUTS, NEWIPC, NEWUSER, NEWPID, NEWNET
CLONE_NEWTIME = 0x80               # unshare only: in clone's flags these bits are the exit signal
FLAGGED = {"unshare": CLONE_NEW_NAMESPACES | CLONE_NEWTIME, "clone": CLONE_NEW_NAMESPACES}
_LD_W_ABS, _JEQ, _JGE, _JSET, _RET = 0x20, 0x15, 0x35, 0x45, 0x06
_ALLOW, _ERRNO = 0x7FFF0000, 0x00050000
X32_SYSCALL_BIT = 0x40000000


def _insn(code: int, k: int, jt: int = 0, jf: int = 0) -> bytes:
    return struct.pack("=HBBI", code, jt, jf, k)


@functools.cache
def seccomp_program(machine: str = platform.machine()) -> bytes:
    """The filter for this machine's architecture: other ABIs (i386 through int 0x80, x32) get
    ENOSYS for every call, the calls above EPERM (or ENOSYS), unshare and clone EPERM when asked
    for a new namespace; everything else is allowed."""
    if machine not in AUDIT_ARCH:
        raise OSError(f"no seccomp filter for the {machine} architecture")
    column = list(AUDIT_ARCH).index(machine)
    other_abi = _insn(_RET, _ERRNO | ENOSYS)
    prog = [_insn(_LD_W_ABS, 4), _insn(_JEQ, AUDIT_ARCH[machine], 1, 0), other_abi, _insn(_LD_W_ABS, 0)]
    if machine == "x86_64":
        prog += [_insn(_JGE, X32_SYSCALL_BIT, 0, 1), other_abi]
    for name, numbers in SYSCALLS.items():
        if name not in FLAGGED:
            errno = ENOSYS if name in NOT_IMPLEMENTED else EPERM
            prog += [_insn(_JEQ, numbers[column], 0, 1), _insn(_RET, _ERRNO | errno)]
    for name, flags in FLAGGED.items():  # each block returns on every path: the flags load clobbers nr
        prog += [_insn(_JEQ, SYSCALLS[name][column], 0, 4), _insn(_LD_W_ABS, 16), _insn(_JSET, flags, 0, 1),
                 _insn(_RET, _ERRNO | EPERM), _insn(_RET, _ALLOW)]
    return b"".join([*prog, _insn(_RET, _ALLOW)])


@functools.cache
def seccomp_file() -> str:
    """The compiled filter in a root-owned file that a cold kernel's shell opens for bubblewrap."""
    program = seccomp_program()
    path = STATE_DIR / f"seccomp-{hashlib.sha256(program).hexdigest()[:16]}.bpf"
    if not path.exists():  # read by the kernel's shell, which runs as another user
        atomic.write_bytes(path, program, mode=0o644)
    return str(path)


def _system_binds() -> list[str]:
    args = ["--ro-bind", "/usr", "/usr", "--ro-bind", "/etc", "/etc"]
    for top in ("/bin", "/sbin", "/lib", "/lib32", "/lib64", "/libx32"):
        if os.path.islink(top):
            args += ["--symlink", os.readlink(top), top]
        elif os.path.isdir(top):
            args += ["--ro-bind", top, top]
    return args


def python_prefixes(python: str) -> list[Path]:
    """The folders an interpreter runs from: its installation's prefix and, for a virtual environment's
    interpreter (a pyvenv.cfg above its bin/), the environment's own, where its packages are and by
    whose path the kernel is started."""
    real = Path(os.path.realpath(python)).parents[1]
    env = Path(os.path.abspath(python)).parents[1]
    return [real, env] if env != real and (env / "pyvenv.cfg").is_file() else [real]


def _python_binds(python: str) -> list[str]:
    """Bind the interpreter's prefixes read-only, with traversable parents (e.g. under /root)."""
    args: list[str] = []
    for prefix in python_prefixes(python):
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
    # RLIMIT_AS, per process, only where no cgroup holds the kernel's whole tree; never for a GPU kernel:
    # CUDA reserves far more address space than it uses
    if cgroups() is None and not gpu:
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


def _namespaces(python: str, caps: tuple[str, ...], cgroup_namespace: bool = True) -> list[str]:
    """bwrap with new PID, network, IPC, UTS (and cgroup) namespaces, read-only system and Python,
    /proc, /dev, and only `caps` of root's capabilities (bwrap run by root keeps them all otherwise)."""
    return ["bwrap", "--die-with-parent", "--new-session", "--unshare-pid", "--unshare-net", "--unshare-ipc",
            "--unshare-uts", *(["--unshare-cgroup-try"] if cgroup_namespace else []), "--hostname", "sandbox",
            *_system_binds(), *_python_binds(python), "--proc", "/proc", "--dev", "/dev", "--cap-drop", "ALL",
            *(arg for cap in caps for arg in ("--cap-add", cap))]


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
    """The argv that runs `program` (default: an ipykernel) in the sandbox, in a copy of the submission,
    in a cgroup of its own (see `kernel_start`) and under the seccomp filter."""
    gib = 2**30
    env = kernel_env(box.env)
    argv = [*kernel_start(box.uid, box.limits, warm=False), *_namespaces(box.python, COLD_CAPS), "--seccomp", "3",
            "--perms", "1777", "--size", str(int(box.limits.tmp_gib * gib)), "--tmpfs", "/tmp",
            "--perms", "0777", "--size", str(int(box.limits.disk_gib * gib)), "--tmpfs", HOME,
            "--ro-bind", str(box.submission), SUBMISSION,
            *(["--bind", str(box.ipc_dir), str(box.ipc_dir)] if box.ipc_dir is not None else [])]
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
    """The argv of a warm kernel factory (`zygote_main.py`): the kernel's box, but root inside with
    only the capabilities it needs to build each kernel's own namespaces and drop to its uid, and
    with the seccomp filter to install in each kernel; `exchange` (the requests, copies of
    submissions and IPC folders) is the only folder shared with the grader. It keeps `spares`
    kernels forked ahead of need: one per grading process it serves. It stays in the grader's
    cgroup namespace: the cgroup it moves a kernel into lies outside its own (on v2, writing there
    needs both in view); each kernel gets a cgroup namespace of its own once moved."""
    argv = [*_namespaces(python, ZYGOTE_CAPS, cgroup_namespace=False), "--tmpfs", "/tmp", "--dir", HOME,
            "--bind", str(exchange), str(exchange)]
    for path in hidden:
        argv += ["--tmpfs", path]
    argv += ro_bind_args(ro_binds)
    for dev in gpu_devices:
        argv += ["--dev-bind", dev, dev]
    argv += ["--chdir", "/", "--clearenv"]
    for key, value in kernel_env(env).items():
        argv += ["--setenv", key, value]
    source = (Path(__file__).parent / "zygote_main.py").read_text(encoding="utf-8")
    return [*argv, "--", python, "-c", source, str(exchange), json.dumps(list(preload)), str(spares),
            seccomp_program().hex()]


def package_dir(name: str) -> Path:
    """The folder of an importable package (a sandboxed process may be given it read-only)."""
    import importlib.util

    spec = importlib.util.find_spec(name)
    if spec is None or not spec.submodule_search_locations:
        raise ModuleNotFoundError(f"no package {name}")
    return Path(os.path.realpath(list(spec.submodule_search_locations)[0]))


def hidden_folders(extra: tuple[str, ...] = ()) -> tuple[str, ...]:
    """What a sandboxed process must not see of the bound system and Python folders: `grader_folders`
    and `extra` (say, the data folder a model is evaluated on), those that lie inside them."""
    return tuple(dict.fromkeys([*grader_folders(), *_bound(tuple(extra))]))


def grader_folders(packages: tuple[str, ...] = ("grader",)) -> tuple[str, ...]:
    """The grader's own code, and the course's references, rubrics and data folder: hidden in case they
    sit inside a bound folder (a course kept under /usr, an installed reference package). The course is
    the one whose reference code this process imports (`grader.references.use`), else the working
    directory's. (A kernel sees the data it may read bound at /data, file by file, from outside.)"""
    import importlib.util

    from grader.core.settings import Course
    from grader.references import active_course

    course = active_course() or Course.load()
    found = [str(course.rubrics), *([str(course.references)] if course.references else []),
             *([str(course.data)] if course.data else [])]
    for name in [*packages, *([] if course.references else ["reference"])]:
        spec = importlib.util.find_spec(name)
        found += [str(p) for p in (spec.submodule_search_locations or [])] if spec else []
    return _bound(tuple(found))


@functools.cache
def _bound(found: tuple[str, ...]) -> tuple[str, ...]:
    bound = ("/usr/", "/etc/", *(f"{prefix}/" for prefix in python_prefixes(sys.executable)))
    real = [os.path.realpath(p) for p in found]
    return tuple(p for p in dict.fromkeys(real) if os.path.isdir(p) and p.startswith(bound))


def _pids_of(uid: int) -> list[int]:
    pids = []
    for status in Path("/proc").glob("[0-9]*/status"):
        try:
            line = next(x for x in status.read_text().splitlines() if x.startswith("Uid:"))
        except (OSError, StopIteration):
            continue
        if int(line.split()[1]) == uid:
            pids.append(int(status.parent.name))
    return pids


def _kill_and_remove(folders: list[str]) -> list[str]:
    """Kill what is left in these cgroups and remove the ones it has left; return those still there."""
    left = []
    for folder in folders:
        for pid in _cgroup_pids(folder):
            try:
                os.kill(pid, signal.SIGKILL)
            except OSError:
                pass
        try:
            os.rmdir(folder)
        except FileNotFoundError:
            pass
        except OSError:  # EBUSY: processes still dying
            left.append(folder)
    return left


def _remove_when_empty(folders: list[str], wait_s: float = 60.0) -> None:
    """In the background: remove these cgroups as soon as their processes are gone."""
    def reap() -> None:
        left, deadline = folders, time.monotonic() + wait_s
        while left and time.monotonic() < deadline:
            time.sleep(0.01)
            left = _kill_and_remove(left)

    threading.Thread(target=reap, daemon=True, name="cgroup-reaper").start()


def kill_all(uid: int, wait_s: float = 10.0) -> None:
    """Kill every process of a kernel's uid (a fork bomb's children, say): those in its kernels'
    cgroups, where there are cgroups, else those running under the uid, and remove the cgroups.
    Waits up to `wait_s` until they are gone. Called with a wait before a kernel or evaluator
    starts, so it has its uid's whole quota, and without one after a kernel, whose teardown (tens
    of milliseconds for a process holding torch and TensorFlow) then overlaps the checks, its
    cgroups removed in the background once empty."""
    deadline = time.monotonic() + wait_s
    while True:
        if cgroups() is not None:
            left = _kill_and_remove(_cgroup_folders(uid))
        else:
            left = _pids_of(uid)
            for pid in left:
                try:
                    os.kill(pid, signal.SIGKILL)
                except OSError:
                    pass
        if not left:
            return
        if time.monotonic() >= deadline:
            break
        time.sleep(0.005)
    if cgroups() is not None:
        _remove_when_empty(left)


def kill_inside_first(proc: "subprocess.Popen[bytes]", wait_s: float = 1.0) -> None:
    """SIGKILL the children of bubblewrap's process `proc` and give it up to `wait_s` to reap them and
    exit, as its monitor does when its child ends. Killed first, or with them in one process group,
    bubblewrap leaves its process of the box's PID namespace to the system's init as a zombie, which the
    init of a container may never reap: a process of the run alive after it exits. What still runs
    after `wait_s` is the caller's to kill."""
    try:
        children = Path(f"/proc/{proc.pid}/task/{proc.pid}/children").read_text().split()
    except OSError:  # gone already
        return
    for child in children:
        try:
            os.kill(int(child), signal.SIGKILL)
        except ProcessLookupError:
            continue
    if children:
        try:
            proc.wait(timeout=wait_s)
        except subprocess.TimeoutExpired:
            pass


_PR_SET_CHILD_SUBREAPER, _PR_GET_CHILD_SUBREAPER = 36, 37


@contextmanager
def boxes_reaped() -> Iterator[None]:
    """For the block, this process inherits its descendants' orphans (PR_SET_CHILD_SUBREAPER); at its
    end it reaps those that lived in a box's PID namespace. bubblewrap's monitor exits as soon as its
    process in the box's namespace has sent it the box's exit status, often before that process has
    ended, which is then left to the system's init: a zombie of the run after it exits, and one that
    the init of a container may never reap. Children this process started itself are left to their
    Popen, and nothing in this process's own PID namespace is reaped."""
    libc = ctypes.CDLL(None, use_errno=True)
    before = ctypes.c_int(0)
    libc.prctl(_PR_GET_CHILD_SUBREAPER, ctypes.byref(before), 0, 0, 0)
    libc.prctl(_PR_SET_CHILD_SUBREAPER, 1, 0, 0, 0)
    try:
        yield
    finally:
        libc.prctl(_PR_SET_CHILD_SUBREAPER, before.value, 0, 0, 0)
        _reap_box_children(deadline=time.monotonic() + 2.0)


def _reap_box_children(deadline: float) -> None:
    """Reap the children of this process that are in a nested PID namespace (bubblewrap's processes
    its monitor left behind, dying with it), waiting for them until `deadline`."""
    while left := _box_children():
        for pid in left:
            try:
                os.waitpid(pid, os.WNOHANG)
            except ChildProcessError:
                continue
        if time.monotonic() >= deadline:
            return
        time.sleep(0.005)


def _box_children() -> list[int]:
    mine, found = str(os.getpid()), []
    for status in Path("/proc").glob("[0-9]*/status"):
        try:
            fields = dict(line.split(":", 1) for line in status.read_text().splitlines() if ":" in line)
        except OSError:
            continue
        if fields.get("PPid", "").strip() == mine and len(fields.get("NSpid", "").split()) > 1:
            found.append(int(status.parent.name))
    return found


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
    try:
        seccomp = os.open(seccomp_file(), os.O_RDONLY)
    except OSError as exc:
        return f"no seccomp filter: {exc}"
    probe = ["bwrap", "--die-with-parent", "--unshare-pid", "--unshare-net", *_system_binds(),
             *_python_binds(sys.executable), "--proc", "/proc", "--dev", "/dev", "--cap-drop", "ALL",
             *(arg for cap in COLD_CAPS for arg in ("--cap-add", cap)), "--seccomp", str(seccomp), "--",
             "setpriv", f"--reuid={UID_BASE}", f"--regid={UID_BASE}", "--clear-groups",
             sys.executable, "-c", "import os; print(os.getuid())"]
    try:
        out = subprocess.run(probe, capture_output=True, text=True, timeout=60, pass_fds=(seccomp,))
    except (OSError, subprocess.TimeoutExpired) as exc:
        return f"bubblewrap failed to start: {exc}"
    finally:
        os.close(seccomp)
    if out.returncode != 0 or out.stdout.strip() != str(UID_BASE):
        return f"bubblewrap failed: {out.stderr.strip()[:300]}"
    if isinstance(reason := _cgroups_or_reason(), str):  # said once per run: only the run's parent asks
        print(f"grader: no cgroup can be made for kernels here ({reason}); each kernel process is limited to "
              "limits.memory_gib of address space (RLIMIT_AS) instead, and its processes by its uid's "
              "RLIMIT_NPROC only", file=sys.stderr)
    return None
