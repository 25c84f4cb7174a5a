"""The sandbox's command line, its GPU path, and what happens without a sandbox."""
import subprocess
import sys
from pathlib import Path

import nbformat
import pytest

from grader.engine import class_run, local
from grader.kernel import sandbox
from grader.kernel.execute import execute
from grader.kernel.probe import Request
from grader.rubric.schema import Limits
from tests.support.hostile import corpus
from tests.support.paths import ROOT
from tests.support.runs import grader_env


def _box(**kw) -> sandbox.KernelBox:
    return sandbox.KernelBox(**{"submission": Path("/tmp/sub"), "ipc_dir": Path("/tmp/ipc"), "limits": Limits(),
                                "uid": 70123, **kw})


def test_command_isolates_and_drops_privileges():
    argv = sandbox.command(_box())
    joined = " ".join(argv)
    for flag in ("--unshare-pid", "--unshare-net", "--clearenv", "--die-with-parent", "--new-session"):
        assert flag in argv
    assert "--ro-bind /tmp/sub /submission" in joined and "--bind /tmp/ipc /tmp/ipc" in joined
    assert "--reuid=70123" in joined and "--bounding-set=-all" in joined and "--no-new-privs" in joined
    assert "--cap-drop ALL --cap-add CAP_SETUID --cap-add CAP_SETGID --cap-add CAP_SETPCAP --" in joined
    assert "--seccomp 3" in joined and f"exec 3< {sandbox.seccomp_file()}" in argv[2]
    assert "--dev-bind" not in argv and " /work " not in f" {joined} " and str(ROOT) not in joined


@pytest.mark.sandbox
@pytest.mark.skipif(sandbox.cgroups() is None, reason="no cgroup can be made here")
def test_command_starts_in_a_cgroup_of_its_own():
    """The shell that execs bubblewrap makes the kernel's cgroups (named after its pid) and joins them."""
    script = sandbox.command(_box(limits=Limits(memory_gib=1.5, max_processes=100)))[2]
    found = sandbox.cgroups()
    memory = "memory.max" if found.version == 2 else "memory.limit_in_bytes"
    assert f"{sandbox.CGROUP_PREFIX}70123-$$" in script and f"echo {int(1.5 * 2**30)} > " in script
    assert f'/{memory}"' in script and "echo 100 > " in script and '/pids.max"' in script
    assert "echo $$ > " in script and script.endswith('exec "$@"')
    assert "--as=" not in " ".join(sandbox.command(_box()))  # the cgroup holds the memory of the whole tree


@pytest.mark.sandbox
@pytest.mark.skipif(sandbox.unavailable_reason() is not None, reason="no sandbox")
def test_grader_code_inside_bound_folders_is_hidden(monkeypatch, tmp_path):
    """A non-editable install puts reference/ into site-packages, which the kernel can see."""
    import site
    import shutil

    fake = Path(site.getsitepackages()[0]) / "zz_grader_fake_reference"
    fake.mkdir()
    try:
        (fake / "__init__.py").write_text("SECRET = 'reference answer'\n")
        import importlib
        importlib.invalidate_caches()
        hidden = sandbox.grader_folders(("zz_grader_fake_reference",))
        assert hidden == (str(fake),)
        nb = nbformat.v4.new_notebook(cells=[nbformat.v4.new_code_cell(
            f"import os\nseen = os.listdir({str(fake)!r})")])
        monkeypatch.setattr(sandbox, "grader_folders", lambda: hidden)
        ex = execute(nb, tmp_path, [Request(key="seen", name="seen")],
                     limits=Limits(cell_timeout_s=60, total_timeout_s=120), use_sandbox=True)
        assert ex.replies["seen"].status == "ok" and ex.replies["seen"].value == []
    finally:
        shutil.rmtree(fake)


def test_gpu_device_nodes_only_with_a_slot():
    argv = sandbox.command(_box(gpu_devices=("/dev/nvidia0", "/dev/nvidiactl")))
    joined = " ".join(argv)
    assert "--dev-bind /dev/nvidia0 /dev/nvidia0" in joined and "--dev-bind /dev/nvidiactl /dev/nvidiactl" in joined
    assert "--as=" not in joined  # CUDA reserves more address space than it uses; the cgroup caps its memory


def _run_one(source: str, name: str, **kw):
    nb = nbformat.v4.new_notebook(cells=[nbformat.v4.new_code_cell(source)])
    return execute(nb, Path("/tmp"), [Request(key=name, name=name)],
                   limits=Limits(cell_timeout_s=60, total_timeout_s=120), **kw)


@pytest.mark.sandbox
@pytest.mark.skipif(not sandbox.gpu_device_nodes(), reason="no NVIDIA GPU on this machine")
def test_cuda_inside_the_sandbox():
    ex = _run_one("import torch\nx = float((torch.ones(256, 256, device='cuda') @ torch.ones(256, 256, device='cuda')).sum())",
                  "x", use_sandbox=True, gpu=True)
    assert ex.replies["x"].value == 256.0 ** 3, ex.failures


@pytest.mark.sandbox
def test_unsandboxed_kernel_still_gets_a_clean_environment(monkeypatch):
    monkeypatch.setenv("GRADER_CI_TOKEN", corpus.TOKEN)
    ex = _run_one("import os\nenv = dict(os.environ)", "env", use_sandbox=False)
    env = ex.replies["env"].value
    assert "GRADER_CI_TOKEN" not in env and env["USER"] == "student"


def test_no_sandbox_means_no_student_code_unless_asked(tmp_path, monkeypatch):
    paths = corpus.build(tmp_path, 9)
    monkeypatch.setattr(class_run.sandbox, "unavailable_reason", lambda: "bwrap missing")
    with pytest.raises(local.SandboxUnavailable, match="--unsafe-no-sandbox"):
        local.run(paths["subs"], paths["rubrics"] / "hostile.yaml", paths["out"])
    assert not paths["out"].exists()


@pytest.mark.e2e
@pytest.mark.sandbox
@pytest.mark.slow
def test_unsafe_run_says_so_in_the_report(tmp_path):
    paths = corpus.build(tmp_path, 9)
    subs = tmp_path / "one"
    subs.mkdir()
    (paths["subs"] / "honest").rename(subs / "honest")
    out = tmp_path / "o"
    proc = subprocess.run([sys.executable, "-m", "grader.apps.cli", "run", str(subs), "--assignment", "hostile",
                           "--out", str(out), "--unsafe-no-sandbox"], cwd=ROOT, env=grader_env(paths),
                          capture_output=True, text=True, timeout=300)
    assert proc.returncode == 0, proc.stderr[-2000:]
    text = subprocess.run(["pdftotext", str(out / "honest.pdf"), "-"], capture_output=True, text=True).stdout
    assert "without the sandbox" in text
