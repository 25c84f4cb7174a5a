"""Warm kernels: forked from one zygote per grading process, yet nothing of one student reaches the next.

The zygote runs student code only in children that have their own sandbox; these tests grade
two students in a row from the same zygote and look for every trace the first could leave.
"""
import os
import resource
import time
from pathlib import Path

import nbformat
import pytest
import yaml
from pydantic import ValidationError

from grader.kernel import sandbox, zygote
from grader.kernel.execute import execute
from grader.kernel.probe import Request
from grader.rubric.schema import KernelOptions, Limits, Rubric

pytestmark = [pytest.mark.sandbox, pytest.mark.skipif(sandbox.unavailable_reason() is not None, reason="no sandbox")]

LIMITS = Limits(cell_timeout_s=60, total_timeout_s=120)
WARM = KernelOptions(preload=["numpy", "torch"])

FIRST = r"""
import os, subprocess, sys, time
preloaded = sorted(m for m in ("numpy", "torch") if m in sys.modules)
import numpy, torch
numpy.allclose = lambda *a, **k: True           # a student who patches the libraries the grader asks about
torch.Tensor.sum = lambda self, *a, **k: 42
secret_global = "from student 1"
open("/tmp/x", "w").write("student 1 was here")
open("/dev/shm/x", "w").write("student 1 was here")  # a warm kernel has a private /dev/shm
open(os.path.expanduser("~/work/left.txt"), "w").write("student 1 was here")
subprocess.Popen(["sleep", "1000"], start_new_session=True)
if os.fork() == 0:
    os.setsid()
    time.sleep(1000)
    os._exit(0)
marked = []
for top, dirs, _ in os.walk("/"):
    if top.startswith(("/proc", "/sys")) or os.statvfs(top).f_flag & os.ST_RDONLY:
        dirs[:] = []  # read-only mounts (system, Python) hold nothing writable
        continue
    if os.access(top, os.W_OK):
        try:
            open(os.path.join(top, "student1-marker"), "w").close()
            marked.append(top)
        except OSError:
            pass
uid = os.getuid()
"""

SECOND = r"""
import os, sys, json
preloaded = sorted(m for m in ("numpy", "torch") if m in sys.modules)
import numpy, torch
seen = {
    "allclose": bool(numpy.allclose([1.0], [2.0])),
    "tensor_sum": float(torch.ones(3).sum()),
    "json": json.dumps({"a": 1}),
    "global": "secret_global" in globals(),
    "tmp": sorted(os.listdir("/tmp")),
    "shm": os.listdir("/dev/shm"),
    "work": sorted(os.listdir(".")),
    "pids": sorted(int(p) for p in os.listdir("/proc") if p.isdigit()),
    "markers": [],
}
for top, dirs, files in os.walk("/"):
    if top.startswith(("/proc", "/sys")) or os.statvfs(top).f_flag & os.ST_RDONLY:
        dirs[:] = []
    elif "student1-marker" in files:
        seen["markers"].append(top)
"""


def _run(tmp_path: Path, name: str, source: str, keys: list[str], kernel: KernelOptions = WARM):
    work = tmp_path / name
    work.mkdir()
    (work / f"{name}.txt").write_text(name)
    nb = nbformat.v4.new_notebook(cells=[nbformat.v4.new_code_cell(source)])
    ex = execute(nb, work, [Request(key=k, name=k) for k in keys], limits=LIMITS, use_sandbox=True, kernel=kernel)
    assert ex.failures == [] and all(r.status == "ok" for r in ex.replies.values()), ex
    assert set(ex.replies) == set(keys), ex
    return {k: ex.replies[k].value for k in keys}


def _gone_within(uid: int, seconds: float) -> bool:
    """The kernel's processes are killed as it ends and die while the grader checks the answers
    (tens of milliseconds for a process holding torch), so they are looked for a little after."""
    deadline = time.monotonic() + seconds
    while sandbox._pids_of(uid):
        if time.monotonic() > deadline:
            return False
        time.sleep(0.01)
    return True


def test_nothing_of_one_student_reaches_the_next(tmp_path):
    first = _run(tmp_path, "student1", FIRST, ["preloaded", "marked", "uid"])
    assert first["preloaded"] == ["numpy", "torch"]  # it was forked warm, not started cold
    assert "/tmp" in first["marked"] and any(m.startswith("/home/student") for m in first["marked"])
    assert _gone_within(first["uid"], 5.0)  # the background processes died with the kernel

    second = _run(tmp_path, "student2", SECOND, ["preloaded", "seen"])
    assert second["preloaded"] == ["numpy", "torch"]
    seen = second["seen"]
    assert seen["allclose"] is False and seen["tensor_sum"] == 3.0 and seen["json"] == '{"a": 1}'
    assert seen["global"] is False
    assert "x" not in seen["tmp"] and seen["shm"] == []
    assert seen["work"] == ["student2.txt"]
    assert seen["pids"] == [1, 2]  # its own init and itself: no process of student 1 in sight
    assert seen["markers"] == []


IDENTITY = r"""
import os, socket
status = {l.split(":")[0]: l.split(":", 1)[1].strip() for l in open("/proc/self/status").read().splitlines()}
caps = {k: status[k] for k in ("CapInh", "CapPrm", "CapEff", "CapBnd", "CapAmb", "NoNewPrivs")}
ids = [os.getuid(), os.geteuid(), os.getgid(), os.getgroups()]
env = sorted(os.environ)
net = []
for addr in [("127.0.0.1", 9), ("1.1.1.1", 80)]:
    s = socket.socket(); s.settimeout(2)
    try:
        s.connect(addr); net.append("connected")
    except OSError as e:
        net.append(type(e).__name__)
here = os.getcwd()
beside_ipc = [os.path.relpath(os.path.join(top, d), "/tmp") for top, dirs, _ in os.walk("/tmp") for d in dirs]
"""


def test_a_warm_kernel_has_no_privileges_and_no_view_out(tmp_path):
    got = _run(tmp_path, "who", IDENTITY, ["caps", "ids", "env", "net", "here", "beside_ipc"])
    assert set(got["caps"].values()) == {"0000000000000000", "1"} and got["caps"]["NoNewPrivs"] == "1"
    uid = sandbox.KernelBox.uid_for_this_process()
    assert got["ids"] == [uid, uid, uid, []]
    cold = _run(tmp_path, "cold", IDENTITY, ["env"], kernel=KernelOptions(warm=False))
    assert set(got["env"]) <= set(cold["env"])  # no variable a cold kernel lacks (it has the shell's PWD too)
    assert "connected" not in got["net"]
    assert got["here"] == sandbox.WORK
    # of the exchange folder only this kernel's IPC folder is there (no other kernel, no request, no copy)
    exchange, kernel, ipc = sorted(got["beside_ipc"])[:3]
    assert exchange.startswith("grader-zygote-") and os.path.basename(kernel).startswith("grader-ipc-")
    assert ipc == f"{kernel}/ipc" and len(got["beside_ipc"]) == 3 or got["beside_ipc"][3:] == ["jupyter"]


def test_limits_hold_in_a_warm_kernel(tmp_path):
    source = ("import resource\nlimits = {n: resource.getrlimit(getattr(resource, 'RLIMIT_' + n.upper()))[0]"
              " for n in ('nproc', 'nofile', 'fsize', 'cpu', 'as')}\n"
              "import os\nhome = os.statvfs(os.path.expanduser('~'))\nhome = home.f_blocks * home.f_frsize")
    got = _run(tmp_path, "limits", source, ["limits", "home"])
    # memory is the kernel cgroup's (tests/kernel/test_confinement.py); RLIMIT_AS only where there is none
    assert got["limits"] == {"as": resource.RLIM_INFINITY, **sandbox.rlimits(LIMITS, gpu=False)}
    assert got["home"] == LIMITS.disk_gib * 2**30


def test_cold_kernels_when_the_zygote_cannot_start(tmp_path, monkeypatch, capsys):
    monkeypatch.setattr(sandbox, "zygote_command", lambda *a, **k: ["false"])
    monkeypatch.setattr(zygote, "READY_TIMEOUT_S", 10.0)
    got = _run(tmp_path, "cold", "import sys\npreloaded = 'numpy' in sys.modules\nimport os\nuid = os.getuid()",
               ["preloaded", "uid"], kernel=KernelOptions(preload=["json"]))
    assert got == {"preloaded": False, "uid": sandbox.KernelBox.uid_for_this_process()}
    assert "warm kernels unavailable" in capsys.readouterr().err


def test_rubric_names_the_modules_to_preload():
    base = {"assignment": "t", "title": {"fa": "ت", "en": "t"}, "course": {"fa": "د", "en": "c"}, "reference": "r",
            "questions": [{"id": "q1", "title": {"fa": "س", "en": "q"}, "points": 1, "answers": [
                {"name": "a", "check": "numeric", "points": 1, "prompt": {"fa": "پ", "en": "p"}}]}]}
    assert Rubric.model_validate(base).kernel == KernelOptions(preload=["numpy"], warm=True)
    chosen = yaml.safe_load("kernel: {preload: [numpy, torch, tensorflow.keras], warm: false}")
    assert Rubric.model_validate({**base, **chosen}).kernel == KernelOptions(
        preload=["numpy", "torch", "tensorflow.keras"], warm=False)
    with pytest.raises(ValidationError, match="not a module name"):
        Rubric.model_validate({**base, "kernel": {"preload": ["os; rm -rf /"]}})


@pytest.mark.skipif(not sandbox.gpu_device_nodes(), reason="no NVIDIA GPU on this machine")
def test_cuda_in_a_kernel_forked_from_a_zygote_that_imported_torch(tmp_path):
    """The zygote imports torch but never starts CUDA; each forked kernel starts its own."""
    work = tmp_path / "gpu"
    work.mkdir()
    nb = nbformat.v4.new_notebook(cells=[nbformat.v4.new_code_cell(
        "import sys\npreloaded = 'torch' in sys.modules\nimport torch\n"
        "x = float((torch.ones(256, 256, device='cuda') @ torch.ones(256, 256, device='cuda')).sum())")])
    ex = execute(nb, work, [Request(key="preloaded", name="preloaded"), Request(key="x", name="x")],
                 limits=LIMITS, use_sandbox=True, gpu=True, kernel=WARM)
    assert ex.replies["preloaded"].value is True and ex.replies["x"].value == 256.0 ** 3, ex.failures


def test_a_bad_request_or_a_vanished_client_leaves_the_zygote_serving(tmp_path):
    import socket

    assert _run(tmp_path, "before", "import os\nuid = os.getuid()", ["uid"])
    (warm,) = zygote._current.values()
    for payload in (b"not json\n", b'{"kernel": "../../etc"}\n', b'{"kernel": "no-such-kernel"}\n', b""):
        with socket.socket(socket.AF_UNIX) as conn:
            conn.connect(str(warm.control))
            conn.sendall(payload)
    assert warm.alive()
    assert _run(tmp_path, "after", "x = 1", ["x"]) == {"x": 1}
    assert zygote._current == {next(iter(zygote._current)): warm}  # the same zygote, not a new one


def test_a_warm_kernel_imports_the_students_own_modules(tmp_path):
    work = tmp_path / "modules"
    work.mkdir()
    (work / "helpers.py").write_text("def double(x):\n    return 2 * x\n")
    nb = nbformat.v4.new_notebook(cells=[nbformat.v4.new_code_cell("from helpers import double\ny = double(21)")])
    ex = execute(nb, work, [Request(key="y", name="y")], limits=LIMITS, use_sandbox=True, kernel=WARM)
    assert ex.replies["y"].value == 42, ex.failures


TOKEN = "import os, sys\npreloaded = 'torch' in sys.modules\nzygote_object = hex(id(sys.modules.get('numpy')))\nuid = os.getuid()"


def _worker_kernel(shared: zygote.SharedZygote, work: str) -> dict:
    """A local engine worker's view: adopt the parent's zygote, then run one notebook."""
    zygote.adopt(shared)
    nb = nbformat.v4.new_notebook(cells=[nbformat.v4.new_code_cell(TOKEN)])
    keys = ["preloaded", "zygote_object", "uid"]
    ex = execute(nb, Path(work), [Request(key=k, name=k) for k in keys], limits=LIMITS, use_sandbox=True, kernel=WARM)
    assert ex.failures == [], ex.failures
    return {k: ex.replies[k].value for k in keys}


def _grade_in_workers(tmp_path: Path, shared: zygote.SharedZygote | None) -> list[dict]:
    import multiprocessing
    from concurrent.futures import ProcessPoolExecutor

    works = []
    for i in range(2):
        (tmp_path / f"w{i}").mkdir()
        works.append(str(tmp_path / f"w{i}"))
    with ProcessPoolExecutor(2, mp_context=multiprocessing.get_context("spawn")) as pool:
        return list(pool.map(_worker_kernel, [shared] * 2, works))


@pytest.mark.slow
def test_workers_take_their_kernels_from_the_parents_one_zygote(tmp_path):
    """The local engine's parent starts one zygote; every worker's kernels are forked from it
    (the same numpy module object, a copy of the one it imported), each under its worker's uid."""
    import sys

    shared = zygote.start_shared(sys.executable, tuple(WARM.preload), False, {}, (), spares=2)
    try:
        assert shared is not None
        got = _grade_in_workers(tmp_path, shared)
    finally:
        zygote.close_all()
    assert [g["preloaded"] for g in got] == [True, True]
    assert got[0]["zygote_object"] == got[1]["zygote_object"]
    assert got[0]["uid"] != got[1]["uid"]
    assert not shared.exchange.exists()  # closed with the run


@pytest.mark.slow
def test_workers_start_cold_kernels_when_the_parents_zygote_fails(tmp_path, monkeypatch):
    import sys

    monkeypatch.setattr(sandbox, "zygote_command", lambda *a, **k: ["false"])
    shared = zygote.start_shared(sys.executable, tuple(WARM.preload), False, {}, (), spares=2)
    try:
        assert shared is not None
        got = _grade_in_workers(tmp_path, shared)
        assert shared.failed_file.read_text().startswith("the zygote did not start")
    finally:
        zygote.close_all()
    assert [g["preloaded"] for g in got] == [False, False]


def test_a_kernel_is_ready_without_waiting_for_iopub_to_fall_silent():
    """jupyter_client's AsyncKernelClient binds wait_for_ready to its own coroutine: overriding the
    coroutine alone did nothing (0.2 s more per notebook)."""
    from grader.kernel.launch import _ReadyClient

    assert _ReadyClient.wait_for_ready is _ReadyClient._async_wait_for_ready


@pytest.mark.slow
@pytest.mark.e2e
def test_a_local_run_forks_every_kernel_from_one_zygote(tmp_path):
    """Every exchange folder seen while `grader run --jobs 2` grades is the parent's one zygote."""
    import re
    import time

    from tests.support.runs import crash_class, descendants, start_grading

    paths = crash_class(tmp_path)
    proc = start_grading(paths, tmp_path / "out")
    seen: set[bytes] = set()
    while proc.poll() is None:
        family = {proc.pid, *descendants(proc.pid)}
        for cmdline in Path("/proc").glob("[0-9]*/cmdline"):
            try:
                text = cmdline.read_bytes()
            except OSError:
                continue
            for folder, owner in re.findall(rb"/tmp/(grader-zygote-(\d+)-\w+)", text):
                if int(owner) in family:
                    seen.add(folder)
        time.sleep(0.05)
    assert proc.returncode == 0, proc.stderr.read()
    assert [folder.split(b"-")[2] for folder in seen] == [str(proc.pid).encode()]
