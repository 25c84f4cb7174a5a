"""What confines a kernel besides its namespaces, cold and warm alike: one cgroup for its whole
process tree (memory and tasks), no capability anywhere in its namespace, a seccomp filter, and a
uid no other grading process or system user has."""
import fcntl
import json
import os
import platform
import pwd
import re
import subprocess
import sys
import threading
import time
from contextlib import contextmanager
from pathlib import Path

import nbformat
import pytest

from grader.kernel import sandbox
from grader.kernel.execute import execute
from grader.kernel.probe import Request
from grader.rubric.schema import KernelOptions, Limits
from tests.support.paths import ROOT

pytestmark = [pytest.mark.sandbox, pytest.mark.skipif(sandbox.unavailable_reason() is not None, reason="no sandbox")]
needs_cgroups = pytest.mark.skipif(sandbox.cgroups() is None, reason="no cgroup can be made here")

KERNELS = {"warm": KernelOptions(preload=["numpy"]), "cold": KernelOptions(warm=False)}
LIMITS = Limits(cell_timeout_s=60, total_timeout_s=120, memory_gib=1, max_processes=64)
LIMIT_FILES = ("memory.limit_in_bytes", "memory.memsw.limit_in_bytes", "memory.max", "memory.swap.max", "pids.max")


def _run(tmp_path: Path, source: str, keys: list[str], kernel: KernelOptions, limits: Limits = LIMITS) -> dict:
    work = tmp_path / "work"
    work.mkdir(exist_ok=True)
    nb = nbformat.v4.new_notebook(cells=[nbformat.v4.new_code_cell(source)])
    ex = execute(nb, work, [Request(key=k, name=k) for k in keys], limits=limits, use_sandbox=True, kernel=kernel)
    assert ex.failures == [] and all(r.status == "ok" for r in ex.replies.values()), ex
    return {k: ex.replies[k].value for k in keys}


@contextmanager
def _watching_cgroups():
    """Every cgroup of this process's kernels seen while the block runs, with its limits as last read."""
    uid = sandbox.uid_for_this_process()
    deadline = time.monotonic() + 10
    while sandbox._cgroup_folders(uid) and time.monotonic() < deadline:  # an earlier kernel's, being removed
        time.sleep(0.01)
    seen: dict[str, dict[str, str]] = {}
    stop = threading.Event()

    def watch() -> None:
        while not stop.is_set():
            for folder in sandbox._cgroup_folders(uid):  # read again until gone: the shell writes after mkdir
                for name in LIMIT_FILES:  # one file at a time: a folder being removed loses its files
                    try:
                        seen.setdefault(folder, {})[name] = Path(folder, name).read_text().strip()
                    except OSError:
                        pass
            stop.wait(0.005)

    watcher = threading.Thread(target=watch)
    watcher.start()
    try:
        yield seen
    finally:
        stop.set()
        watcher.join()


def _gone_within(folders, seconds: float) -> bool:
    deadline = time.monotonic() + seconds
    while any(os.path.exists(f) for f in folders):
        if time.monotonic() > deadline:
            return False
        time.sleep(0.01)
    return True


def _expected_limits(limits: Limits) -> dict[str, str]:
    found = sandbox.cgroups()
    return {name: str(value) for _, name, value in found.settings(limits)}


TREE = r"""
import os, subprocess, sys, time
HOLD = "import os, sys, time\ntry:\n    block = b'\\x01' * (700 * 2**20)\nexcept MemoryError:\n    sys.exit(3)\n" \
       "os.write(1, b'h')\ntime.sleep(60)"
children = [subprocess.Popen([sys.executable, "-c", HOLD], stdout=subprocess.PIPE) for _ in range(3)]
for child in children:
    os.set_blocking(child.stdout.fileno(), False)
held = set()
deadline = time.monotonic() + 40
while time.monotonic() < deadline and any(i not in held and c.poll() is None for i, c in enumerate(children)):
    for i, child in enumerate(children):
        if child.stdout.read():
            held.add(i)
    time.sleep(0.01)
time.sleep(0.5)  # a victim chosen as the last child allocated is dead by now
outcome = []
for child in children:
    if child.poll() is None:
        outcome.append("held")
        child.kill()
    elif child.returncode < 0:
        outcome.append("killed by signal %d" % -child.returncode)
    else:
        outcome.append("MemoryError" if child.returncode == 3 else "exit %d" % child.returncode)
    child.wait()
outcome.sort()
"""

OTHER_STUDENT = r"""
import json, sys
from pathlib import Path
import nbformat
from grader.kernel import sandbox
from grader.kernel.execute import execute
from grader.kernel.probe import Request
from grader.rubric.schema import KernelOptions, Limits
nb = nbformat.v4.new_notebook(cells=[nbformat.v4.new_code_cell(
    "import time\nblock = b'\\x01' * (600 * 2**20)\ntime.sleep(12)\nheld = len(block) // 2**20")])
ex = execute(nb, Path(sys.argv[1]), [Request(key="held", name="held")], use_sandbox=True,
             limits=Limits(cell_timeout_s=60, total_timeout_s=120, memory_gib=1), kernel=KernelOptions(warm=False))
print(json.dumps({"held": ex.replies["held"].value, "failures": len(ex.failures),
                  "uid": sandbox.uid_for_this_process()}))
"""


@pytest.mark.slow
@needs_cgroups
@pytest.mark.parametrize("mode", ["warm", "cold"])
def test_a_kernels_process_tree_holds_no_more_than_its_memory(tmp_path, mode):
    """Three fresh processes started by one kernel, 700 MiB each, under memory_gib 1: RLIMIT_AS,
    per process, let each hold its own; the kernel's cgroup holds one of them, the OOM killer takes
    the others and nothing else: the kernel answers, and another student graded meanwhile keeps
    600 MiB of their own."""
    (tmp_path / "other").mkdir()
    other = subprocess.Popen([sys.executable, "-c", OTHER_STUDENT, str(tmp_path / "other")], cwd=ROOT,
                             stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    with _watching_cgroups() as seen:
        got = _run(tmp_path, TREE, ["outcome"], KERNELS[mode])
    assert got["outcome"] == ["held", "killed by signal 9", "killed by signal 9"]
    out, err = other.communicate(timeout=120)
    assert other.returncode == 0, err[-2000:]
    theirs = json.loads(out.splitlines()[-1])
    assert theirs["held"] == 600 and theirs["failures"] == 0
    assert theirs["uid"] != sandbox.uid_for_this_process()
    assert len(seen) == (2 if sandbox.cgroups().version == 1 else 1)  # one kernel, one cgroup per hierarchy
    assert {k: v for limits in seen.values() for k, v in limits.items()} == _expected_limits(LIMITS)
    assert _gone_within(seen, 5.0)


@needs_cgroups
@pytest.mark.parametrize("mode", ["warm", "cold"])
def test_a_fork_bombs_children_die_with_the_kernels_cgroup(tmp_path, mode):
    """Stopped at max_processes (the cgroup's pids.max, and the uid's RLIMIT_NPROC); the sleeping
    children are killed and the cgroup removed once the notebook is done."""
    source = ("import os, time\nn = 0\ntry:\n    while True:\n        if os.fork() == 0:\n"
              "            time.sleep(3600)\n            os._exit(0)\n        n += 1\nexcept OSError as e:\n"
              "    stopped = e.errno")
    with _watching_cgroups() as seen:
        work = tmp_path / "work"
        work.mkdir()
        nb = nbformat.v4.new_notebook(cells=[nbformat.v4.new_code_cell(source)])
        ex = execute(nb, work, [Request(key="stopped", name="stopped"), Request(key="n", name="n")],
                     limits=LIMITS, use_sandbox=True, kernel=KERNELS[mode])
    assert ex.replies["stopped"].value == 11  # EAGAIN
    assert ex.replies["n"].value < LIMITS.max_processes
    assert seen and _gone_within(seen, 5.0)


CONFINED = r"""
import ctypes, errno, os, subprocess, threading
libc = ctypes.CDLL(None, use_errno=True)
NR = {numbers}

def status(path):
    fields = dict(line.split(":", 1) for line in open(path).read().splitlines())
    return {{k: fields[k].strip() for k in ("CapPrm", "CapEff", "CapBnd", "CapAmb", "NoNewPrivs", "Seccomp")}}

def call(name, *args, offset=0):
    ret = libc.syscall(ctypes.c_long(NR[name] + offset), *[ctypes.c_long(a) for a in args])
    if ret == 0 and name == "clone":
        os._exit(0)  # the child of a clone that should have been refused
    return "ok" if ret >= 0 else errno.errorcode[ctypes.get_errno()]

me, first = status("/proc/self/status"), status("/proc/1/status")  # the namespace's init
netns = os.open("/proc/self/ns/net", os.O_RDONLY)
calls = {{
    "unshare CLONE_NEWUSER": call("unshare", 0x10000000),
    "unshare CLONE_NEWNS": call("unshare", 0x20000),
    "unshare CLONE_NEWNET": call("unshare", 0x40000000),
    "clone CLONE_NEWUSER": call("clone", 0x10000000 | 17, 0, 0, 0, 0),
    "clone CLONE_NEWPID": call("clone", 0x20000000 | 17, 0, 0, 0, 0),
    "clone3": call("clone3", 0, 0),
    "setns": call("setns", netns, 0),
    "mount": call("mount", 0, 0, 0, 0, 0),
    "ptrace PTRACE_TRACEME": call("ptrace", 0, 0, 0, 0),
    "keyctl": call("keyctl", 0, -3, 0),
    "bpf": call("bpf", 0, 0, 0),
    "perf_event_open": call("perf_event_open", 0, 0, -1, -1, 0),
    "process_vm_readv": call("process_vm_readv", os.getpid(), 0, 0, 0, 0, 0),
    "userfaultfd": call("userfaultfd", 1),
    "io_uring_setup": call("io_uring_setup", 1, 0),
    "unshare CLONE_FILES": call("unshare", 0x400),  # no namespace: allowed
}}
if {x86_64}:
    calls["x32 unshare"] = call("unshare", 0x10000000, offset=0x40000000)
    calls["x32 getpid"] = call("getpid", offset=0x40000000)
tool = subprocess.run(["unshare", "-U", "true"], capture_output=True, text=True)
unshare_tool = [tool.returncode, "Operation not permitted" in tool.stderr]
seen_threads = []
thread = threading.Thread(target=lambda: seen_threads.append(threading.get_native_id()))
thread.start(); thread.join()
pid = os.fork()
if pid == 0:
    os._exit(7)
works = [len(seen_threads), os.waitstatus_to_exitcode(os.waitpid(pid, 0)[1]),
         subprocess.run(["true"]).returncode]
leaked = []
for fd in os.listdir("/proc/self/fd"):
    try:
        target = os.readlink("/proc/self/fd/" + fd)
    except FileNotFoundError:  # the listing's own
        continue
    if "seccomp" in target or "cgroup" in target or "grader" in target:
        leaked.append(target)
uid = os.getuid()
"""


def _confined_source() -> str:
    column = list(sandbox.AUDIT_ARCH).index(platform.machine())
    numbers = {name: nrs[column] for name, nrs in sandbox.SYSCALLS.items()}
    numbers["getpid"] = (39, 172)[column]
    return CONFINED.format(numbers=numbers, x86_64=platform.machine() == "x86_64")


ZERO = "0000000000000000"
REFUSED = {"unshare CLONE_NEWUSER": "EPERM", "unshare CLONE_NEWNS": "EPERM", "unshare CLONE_NEWNET": "EPERM",
           "clone CLONE_NEWUSER": "EPERM", "clone CLONE_NEWPID": "EPERM", "clone3": "ENOSYS", "setns": "EPERM",
           "mount": "EPERM", "ptrace PTRACE_TRACEME": "EPERM", "keyctl": "EPERM", "bpf": "EPERM",
           "perf_event_open": "EPERM", "process_vm_readv": "EPERM", "userfaultfd": "EPERM",
           "io_uring_setup": "ENOSYS", "unshare CLONE_FILES": "ok"}


@pytest.mark.parametrize("mode", ["warm", "cold"])
def test_a_kernel_holds_no_capability_and_cannot_leave_its_box(tmp_path, mode):
    got = _run(tmp_path, _confined_source(), ["me", "first", "calls", "unshare_tool", "works", "leaked", "uid"],
               KERNELS[mode])
    assert got["me"] == {"CapPrm": ZERO, "CapEff": ZERO, "CapBnd": ZERO, "CapAmb": ZERO, "NoNewPrivs": "1",
                         "Seccomp": "2"}
    # the namespace's first process: the zygote's init drops all (it runs no student code: no filter);
    # bubblewrap's keeps a bounding set it can never use (nothing permitted, no_new_privs, no exec)
    first = {k: v for k, v in got["first"].items() if mode == "warm" or k != "CapBnd"}
    assert first == {"CapPrm": ZERO, "CapEff": ZERO, "CapAmb": ZERO, "NoNewPrivs": "1",
                     **({"CapBnd": ZERO, "Seccomp": "0"} if mode == "warm" else {"Seccomp": "2"})}
    x32 = {"x32 unshare": "ENOSYS", "x32 getpid": "ENOSYS"} if platform.machine() == "x86_64" else {}
    assert got["calls"] == {**REFUSED, **x32}
    assert got["unshare_tool"] == [1, True]
    assert got["works"] == [1, 7, 0]  # threads (clone3 refused, glibc falls back to clone), fork, subprocesses
    assert got["leaked"] == []  # neither the filter's file nor a cgroup's is left open
    assert sandbox.UID_BASE <= got["uid"] < sandbox.UID_BASE + sandbox.UID_COUNT


@pytest.mark.slow
def test_numpy_torch_and_tensorflow_run_under_the_filter(tmp_path):
    source = ("import numpy, torch, tensorflow as tf\n"
              "sums = [float(numpy.ones((64, 64)).dot(numpy.ones(64)).sum()),"
              " float(torch.ones(64, 64).matmul(torch.ones(64)).sum()),"
              " float(tf.reduce_sum(tf.linalg.matvec(tf.ones((64, 64)), tf.ones(64))).numpy())]")
    got = _run(tmp_path, source, ["sums"], KernelOptions(warm=False), Limits(cell_timeout_s=120, total_timeout_s=180))
    assert got["sums"] == [4096.0, 4096.0, 4096.0]


def test_the_zygote_keeps_only_the_capabilities_it_needs(tmp_path):
    from grader.kernel import zygote

    _run(tmp_path, "x = 1", ["x"], KERNELS["warm"])
    (factory,) = zygote._current.values()
    wanted = sum(1 << CAPS[name] for name in sandbox.ZYGOTE_CAPS)
    found = None
    for status in Path("/proc").glob("[0-9]*/status"):
        try:
            text = status.read_text()
            cmdline = (status.parent / "cmdline").read_bytes()
            ppid = re.search(r"^PPid:\s+(\d+)$", text, re.M).group(1)
            parent = Path("/proc", ppid, "cmdline").read_bytes()
        except OSError:
            continue
        # the zygote is bubblewrap's child; its spares, the zygote's children, carry the same command line
        if cmdline.startswith(sys.executable.encode()) and str(factory.exchange).encode() in cmdline \
                and parent.startswith(b"bwrap"):
            found = {k: int(v, 16) for k, v in re.findall(r"^(Cap\w+):\s+(\w+)$", text, re.M)}
    assert found == {"CapInh": 0, "CapPrm": wanted, "CapEff": wanted, "CapBnd": wanted, "CapAmb": 0}


CAPS = {"CAP_CHOWN": 0, "CAP_DAC_OVERRIDE": 1, "CAP_FOWNER": 3, "CAP_KILL": 5, "CAP_SETGID": 6, "CAP_SETUID": 7,
        "CAP_SETPCAP": 8, "CAP_NET_ADMIN": 12, "CAP_SYS_ADMIN": 21}


def _defs() -> dict[str, int]:
    values = {"UID_MIN": 1000, "UID_MAX": 60000, "SUB_UID_MIN": 100000, "SUB_UID_MAX": 600100000,
              "SYS_UID_MAX": 999, "GID_MIN": 1000, "GID_MAX": 60000, "SUB_GID_MIN": 100000}
    if os.path.exists("/etc/login.defs"):
        for name, value in re.findall(r"^\s*(\w+)\s+(\d+)\s*$", Path("/etc/login.defs").read_text(), re.M):
            values[name] = int(value)
    return values


def test_kernel_uids_belong_to_nobody_else():
    first, last = sandbox.UID_BASE, sandbox.UID_BASE + sandbox.UID_COUNT - 1
    defs = _defs()
    assert 65535 < first and last < min(defs["SUB_UID_MIN"], defs["SUB_GID_MIN"], 524288)  # nspawn's from 524288
    assert defs["UID_MAX"] < first and defs["GID_MAX"] < first  # past 61184-65519, systemd's dynamic users
    assert not [u.pw_name for u in pwd.getpwall() if first <= u.pw_uid <= last or first <= u.pw_gid <= last]


def test_concurrent_grading_processes_never_share_a_uid():
    code = "from grader.kernel import sandbox\nprint(sandbox.uid_for_this_process(), flush=True)\ninput()"
    procs = [subprocess.Popen([sys.executable, "-c", code], cwd=ROOT, stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                              text=True) for _ in range(2)]
    uids = [int(p.stdout.readline()) for p in procs]
    held = sandbox.lease_uid()
    try:
        assert len({*uids, held.uid}) == 3
        assert all(sandbox.UID_BASE <= u < sandbox.UID_BASE + sandbox.UID_COUNT for u in [*uids, held.uid])
    finally:
        held.release()
    for p in procs:
        p.communicate("\n", timeout=30)
    for uid in uids:  # released when its process ended
        with open(sandbox.STATE_DIR / "uids" / f"{uid}.lock") as f:
            fcntl.flock(f, fcntl.LOCK_EX | fcntl.LOCK_NB)
    first = sandbox.lease_uid()
    first.release()
    again = sandbox.lease_uid()
    again.release()
    assert again.uid == first.uid


@needs_cgroups
def test_the_next_lease_removes_cgroups_a_killed_grading_process_left():
    found = sandbox.cgroups()
    held = sandbox.lease_uid()
    try:
        abandoned = sandbox.UID_BASE + (held.uid - sandbox.UID_BASE + sandbox.UID_COUNT // 2) % sandbox.UID_COUNT
        free = sandbox._try_lease(abandoned)
        assert free is not None
        free.release()
        left = [os.path.join(parent, f"{sandbox.CGROUP_PREFIX}{abandoned}-1")
                for parent in dict.fromkeys((found.memory, found.pids))]
        for folder in left:
            os.mkdir(folder)
        sandbox.lease_uid().release()
        assert not [folder for folder in left if os.path.exists(folder)]
    finally:
        held.release()


def test_without_cgroups_the_address_space_stands_in_and_the_run_says_so(monkeypatch, capsys):
    monkeypatch.setattr(sandbox, "_cgroups_or_reason", lambda: "no cgroup filesystem")
    assert sandbox.rlimits(LIMITS, gpu=False)["as"] == 2**30
    assert "as" not in sandbox.rlimits(LIMITS, gpu=True)
    box = sandbox.KernelBox(submission=Path("/tmp/sub"), ipc_dir=Path("/tmp/ipc"), limits=LIMITS, uid=70001)
    argv = sandbox.command(box)
    assert "--as=1073741824" in argv and "mkdir" not in argv[2] and "--seccomp" in argv
    assert sandbox.kernel_start(70001, LIMITS, warm=True) == []
    sandbox.unavailable_reason.__wrapped__()
    err = capsys.readouterr().err
    assert err.count("no cgroup can be made for kernels here (no cgroup filesystem)") == 1 and "RLIMIT_AS" in err


@pytest.mark.parametrize("mode", ["warm", "cold"])
def test_without_cgroups_kernels_still_start_under_the_filter(tmp_path, monkeypatch, mode):
    monkeypatch.setattr(sandbox, "_cgroups_or_reason", lambda: "no cgroup filesystem")
    source = ("import resource\naddress_space = resource.getrlimit(resource.RLIMIT_AS)[0]\n"
              "seccomp = [l.split()[1] for l in open('/proc/self/status') if l.startswith('Seccomp:')]")
    got = _run(tmp_path, source, ["address_space", "seccomp"], KERNELS[mode])
    assert got == {"address_space": 2**30, "seccomp": ["2"]}


def test_syscall_numbers_match_the_kernel_headers():
    headers = {"x86_64": "/usr/include/x86_64-linux-gnu/asm/unistd_64.h",
               "aarch64": "/usr/include/asm-generic/unistd.h"}  # arm64 takes the generic table
    for column, (arch, header) in enumerate(headers.items()):
        if not os.path.exists(header):
            continue
        text = Path(header).read_text()
        for name, numbers in sandbox.SYSCALLS.items():
            found = re.search(rf"^#define __NR(?:3264)?_{name}\s+(\d+)", text, re.M)
            assert found and int(found.group(1)) == numbers[column], (arch, name)
