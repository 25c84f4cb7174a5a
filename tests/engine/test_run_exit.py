"""Nothing of a `grader run` outlives its exit: no process of its session is left when it returns."""
import shutil
import subprocess
import sys
import time
from pathlib import Path

import pytest

from grader.kernel.sandbox import unavailable_reason
from tests.support.hostile import corpus
from tests.support.paths import ROOT
from tests.support.runs import descendants, grader_env

pytestmark = [
    pytest.mark.sandbox,
    pytest.mark.slow,
    pytest.mark.e2e,
    pytest.mark.skipif(unavailable_reason() is not None, reason="no sandbox"),
]


def _session_of(pid_dir: Path) -> int | None:
    try:
        fields = (pid_dir / "stat").read_text().rsplit(")", 1)[1].split()
    except (OSError, IndexError):
        return None
    return int(fields[3])  # state, ppid, pgrp, session


def _alive_in_session(sid: int) -> list[str]:
    found = []
    for pid_dir in Path("/proc").glob("[0-9]*"):
        if _session_of(pid_dir) == sid:
            try:
                found.append(f"{pid_dir.name} {(pid_dir / 'stat').read_text()[:60]} "
                             f"{(pid_dir / 'cmdline').read_bytes()[:200]!r}")
            except OSError:
                continue
    return found


def _class_of(tmp_path: Path, honest: int) -> dict[str, Path]:
    """The hostile corpus' course with `honest` copies of its honest notebook and nothing else."""
    paths = corpus.build(tmp_path, 9)
    subs = paths["subs"]
    for entry in list(subs.iterdir()):
        if entry.name != "honest":
            shutil.rmtree(entry) if entry.is_dir() else entry.unlink()
    for i in range(1, honest):
        shutil.copytree(subs / "honest", subs / f"honest{i}")
    return paths


def _cmdlines(pids: list[int]) -> list[bytes]:
    found = []
    for pid in pids:
        try:
            found.append(Path(f"/proc/{pid}/cmdline").read_bytes())
        except OSError:
            continue
    return found


@pytest.mark.parametrize("honest", [1, 3], ids=["one notebook, in process", "three, in a pool"])
def test_no_process_of_the_run_is_alive_after_it_exits(tmp_path, honest):
    """One notebook is graded in the run's own process (no forkserver, no warm-kernel factory);
    three in a pool with one factory. Either way nothing of the run is left when it returns."""
    paths = _class_of(tmp_path, honest)
    proc = subprocess.Popen([sys.executable, "-m", "grader.apps.cli", "run", str(paths["subs"]),
                             "--out", str(tmp_path / "out"), "--force"], cwd=ROOT, env=grader_env(paths),
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, start_new_session=True)
    seen: set[bytes] = set()
    while proc.poll() is None:
        seen.update(_cmdlines(descendants(proc.pid)))
        time.sleep(0.05)
    _, err = proc.communicate(timeout=600)
    assert proc.returncode == 0, err
    assert len(list((tmp_path / "out" / "results").glob("*.json"))) == honest
    assert _alive_in_session(proc.pid) == []  # a new session's id is its leader's pid
    helpers = {"forkserver": any(b"forkserver" in c for c in seen),
               "zygote": any(b"grader-zygote-" in c for c in seen)}
    assert helpers == ({"forkserver": False, "zygote": False} if honest == 1 else
                       {"forkserver": True, "zygote": True})
    assert any(b"ipykernel_launcher" in c or b"zygote_client" in c for c in seen)  # the scan saw the kernels


@pytest.mark.parametrize("honest", [1, 3], ids=["one notebook, in process", "three, in a pool"])
def test_the_run_reaps_what_bubblewrap_leaves(tmp_path, honest):
    """bubblewrap's monitor exits before its process in the box's PID namespace has ended, which is left
    to init: here a subreaper that never reaps stands in for a container's init. The run reaps them itself."""
    paths = _class_of(tmp_path, honest)
    argv = [sys.executable, "-m", "grader.apps.cli", "run", str(paths["subs"]), "--out", str(tmp_path / "out"),
            "--force"]
    run = subprocess.run([sys.executable, str(ROOT / "tests" / "support" / "subreaper.py"), *argv], cwd=ROOT,
                         env=grader_env(paths), capture_output=True, text=True, timeout=600)
    assert run.returncode == 0, run.stderr[-2000:]
    assert run.stdout.strip().splitlines()[-1] == "0 left: []", run.stdout
