"""One lifecycle for kernels and the model process (`grader.kernel.sandboxed`): the same box for
both, the differences as parameters, nothing outliving its time or the grader."""
import os
import subprocess
import sys
import textwrap
import time
from pathlib import Path

import pytest

from grader.kernel import sandbox, sandboxed
from grader.kernel.sandboxed import SandboxSpec, spawn_sandboxed
from grader.models.runner import Runtime, model_spec
from grader.rubric.schema import Limits

needs_sandbox = pytest.mark.skipif(sandbox.unavailable_reason() is not None, reason="no sandbox")
CONFINEMENT = ("--die-with-parent", "--new-session", "--unshare-pid", "--unshare-net", "--unshare-ipc", "--unshare-uts",
               "--unshare-cgroup-try", "--clearenv", "--cap-drop", "--seccomp", "--clear-groups", "--inh-caps=-all",
               "--bounding-set=-all", "--no-new-privs")


def _kernel_spec(tmp_path: Path, **kw) -> SandboxSpec:
    return SandboxSpec(program=tuple(sandbox.kernel_program(sys.executable)), submission=tmp_path / "sub",
                       limits=Limits(memory_gib=2, max_processes=100), shared=True, **kw)


def _flags(argv: list[str]) -> list[str]:
    return [a for a in argv if a.startswith("--")]


def test_the_kernel_and_the_model_process_get_the_same_box(tmp_path):
    """Every namespace, the seccomp filter, the capability drop, the uid, the rlimits and the cgroup
    shell: one command line for both, differing only where their specs differ."""
    (tmp_path / "sub").mkdir()
    (tmp_path / "k").mkdir()
    (tmp_path / "m").mkdir()
    kernel = sandboxed.prepare(_kernel_spec(tmp_path), tmp_path / "k")
    model = sandboxed.prepare(model_spec(["python3", "-m", "grader.models.serve", "{}"], tmp_path / "sub",
                                         Runtime(Limits(memory_gib=2, max_processes=100), env={"CUDA_VISIBLE_DEVICES": ""}),
                                         {"grader"}, None),
                              tmp_path / "m")
    for argv in (kernel.argv, model.argv):
        assert set(CONFINEMENT) <= set(argv) and f"--reuid={kernel.uid}" in argv
        assert argv[2] == kernel.argv[2]  # the same cgroup limits and seccomp file
        assert _flags(argv[argv.index("prlimit"):]) == _flags(kernel.argv[kernel.argv.index("prlimit"):])
    assert model.uid == kernel.uid and kernel.env == model.env == {"PATH": os.environ.get("PATH", "/usr/bin:/bin")}
    assert "--bind" in kernel.argv and "--bind" not in model.argv  # the model process talks over pipes only
    assert kernel.shared is not None and kernel.shared.stat().st_uid == kernel.uid and model.shared is None
    assert f"{sandboxed.CODE_ROOT}/grader" in model.argv and f"{sandboxed.CODE_ROOT}/grader" not in kernel.argv


def test_a_data_folder_inside_the_system_folders_is_covered_for_kernels_too(monkeypatch):
    """The model process always covered it; a kernel (and the zygote) now do as well."""
    from grader.core.settings import Course

    course = Course.load()
    monkeypatch.setattr("grader.references.active_course", lambda: Course(course.root, course.rubrics,
                                                                          course.references, Path("/usr/share"),
                                                                          course.reports))
    assert "/usr/share" in sandbox.grader_folders() and "/usr/share" in sandbox.hidden_folders()


def test_an_unsandboxed_process_gets_a_clean_environment_and_dies_with_the_grader(tmp_path):
    """Without the sandbox (the teaching assistant's explicit choice) there is no bubblewrap to die with
    its parent: PR_SET_PDEATHSIG stands in, so a grader killed with SIGKILL leaves nothing behind."""
    pid_file = tmp_path / "pid"
    grader = textwrap.dedent(f"""
        import subprocess, sys, time
        from pathlib import Path
        from grader.kernel.sandboxed import SandboxSpec, spawn_sandboxed
        from grader.rubric.schema import Limits
        spec = SandboxSpec(program=("sleep", "300"), submission=Path({str(tmp_path)!r}), limits=Limits(),
                           sandboxed=False, env={{"EXTRA": "1"}})
        with spawn_sandboxed(spec) as process:
            assert "GRADER_CI_TOKEN" not in process.env and process.env["EXTRA"] == "1", process.env
            proc = process.popen()
            Path({str(pid_file)!r}).write_text(str(proc.pid))
            time.sleep(300)
    """)
    env = {**os.environ, "GRADER_CI_TOKEN": "secret"}
    parent = subprocess.Popen([sys.executable, "-c", grader], env=env, stderr=subprocess.PIPE)
    deadline = time.monotonic() + 60
    while not pid_file.exists() and time.monotonic() < deadline and parent.poll() is None:
        time.sleep(0.05)
    assert pid_file.exists(), parent.stderr.read().decode() if parent.poll() is not None else "no child"
    child = int(pid_file.read_text())
    time.sleep(0.5)  # the trampoline has set PDEATHSIG and exec'd sleep
    assert Path(f"/proc/{child}/cmdline").read_bytes().split(b"\0")[0] == b"sleep"
    parent.kill()
    parent.wait()
    deadline = time.monotonic() + 10
    while Path(f"/proc/{child}").exists() and b"Z" not in _state(child) and time.monotonic() < deadline:
        time.sleep(0.05)
    assert not Path(f"/proc/{child}").exists() or b"Z" in _state(child)


def _state(pid: int) -> bytes:
    try:
        return Path(f"/proc/{pid}/stat").read_bytes().rsplit(b")", 1)[1].split()[0]
    except OSError:
        return b"Z"


@pytest.mark.sandbox
@needs_sandbox
def test_a_process_past_its_time_is_killed_with_its_whole_uid(tmp_path):
    (tmp_path / "sub").mkdir()
    program = (sys.executable, "-c", "import subprocess, time; subprocess.Popen(['sleep', '300']); time.sleep(300)")
    spec = SandboxSpec(program=program, submission=tmp_path / "sub", limits=Limits(), wall_s=3)
    start = time.monotonic()
    with spawn_sandboxed(spec) as process:
        proc = process.popen(stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        assert proc.wait(timeout=60) != 0
        assert process.expired and 2.5 < time.monotonic() - start < 30
        uid = process.uid
    deadline = time.monotonic() + 10
    while sandbox._pids_of(uid) and time.monotonic() < deadline:
        time.sleep(0.05)
    assert sandbox._pids_of(uid) == []


@pytest.mark.sandbox
@needs_sandbox
def test_the_end_of_the_block_kills_what_is_left(tmp_path):
    (tmp_path / "sub").mkdir()
    spec = SandboxSpec(program=("sleep", "300"), submission=tmp_path / "sub", limits=Limits())
    with spawn_sandboxed(spec) as process:
        proc = process.popen(stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        time.sleep(1)
        assert proc.poll() is None and sandbox._pids_of(process.uid)
    assert proc.returncode is not None
    deadline = time.monotonic() + 10
    while sandbox._pids_of(process.uid) and time.monotonic() < deadline:
        time.sleep(0.05)
    assert sandbox._pids_of(process.uid) == []


_BOX_KILLED = """
import sys, time
from pathlib import Path
sub = Path(sys.argv[1])
if sys.argv[2] == "kernel":
    import asyncio
    from grader.kernel.launch import kernel_manager
    from grader.rubric.schema import KernelOptions, Limits

    async def once():
        with kernel_manager(sub, Limits(), use_sandbox=True, env={}, kernel=KernelOptions(warm=False)) as (km, kw):
            await km.start_kernel(**kw)
            client = km.client()
            client.start_channels()
            await client.wait_for_ready(timeout=60)
            client.stop_channels()
            await km.shutdown_kernel(now=True)
    asyncio.run(once())
else:
    from grader.kernel.sandboxed import SandboxSpec, spawn_sandboxed
    from grader.rubric.schema import Limits
    with spawn_sandboxed(SandboxSpec(program=("sleep", "300"), submission=sub, limits=Limits())) as process:
        process.popen()
        time.sleep(1)
"""


@pytest.mark.sandbox
@needs_sandbox
@pytest.mark.parametrize("started_by", ["kernel", "popen"])
def test_a_killed_box_leaves_no_process_to_init(tmp_path, started_by):
    """bubblewrap's process in the box's PID namespace is killed before bubblewrap, which reaps it: a
    container's init need not reap a zombie for `grader run` to leave nothing behind. Run under a
    subreaper, which would inherit that orphan."""
    (tmp_path / "sub").mkdir()
    subreaper = Path(__file__).parents[1] / "support" / "subreaper.py"
    run = subprocess.run([sys.executable, str(subreaper), sys.executable, "-c", _BOX_KILLED, str(tmp_path / "sub"),
                          started_by], capture_output=True, text=True, timeout=180)
    assert run.returncode == 0, run.stderr[-2000:]
    assert run.stdout.strip().splitlines()[-1] == "0 left: []", run.stdout
