"""A grading process that dies costs only the submission it held.

The test plays the out-of-memory killer: it SIGKILLs the worker of whichever kernel has lived
longer than any honest notebook needs (the one grading `slow`), every time one appears. The
others are graded in full, `slow` gets a result saying the grader failed on it, and the run
exits 3 naming it.
"""
import json
import os
import signal
import subprocess
import sys
import threading
import time
from pathlib import Path

import nbformat
import pytest
from nbformat.v4 import new_code_cell, new_notebook

from grader.kernel.sandbox import unavailable_reason
from tests.support.answers_alone import HONEST, REFERENCE, RUBRIC
from tests.support.paths import ROOT

pytestmark = [
    pytest.mark.sandbox,
    pytest.mark.slow,
    pytest.mark.e2e,
    pytest.mark.skipif(unavailable_reason() is not None, reason=f"no sandbox: {unavailable_reason()}"),
]
OLD_S = 8  # no honest kernel lives this long; slow's sleeps for a minute


def _kernel_clients() -> list[tuple[int, float]]:
    """(parent pid, age in seconds) of every warm kernel's client process (a child of its worker)."""
    clock, now = os.sysconf("SC_CLK_TCK"), time.monotonic()
    found = []
    for pid in filter(str.isdigit, os.listdir("/proc")):
        try:
            cmdline = Path(f"/proc/{pid}/cmdline").read_bytes()
            stat = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        if b"zygote_client.py" in cmdline:
            found.append((int(stat[1]), now - int(stat[19]) / clock))
    return [(ppid, age) for ppid, age in found if _is_worker(ppid)]


def _is_worker(pid: int) -> bool:
    """A grading worker: forked by the run's forkserver (an orphaned client's parent is init)."""
    try:
        return pid > 1 and b"forkserver" in Path(f"/proc/{pid}/cmdline").read_bytes()
    except OSError:
        return False


def _kill_old_workers(proc: subprocess.Popen, killed: list[int]) -> None:
    while proc.poll() is None:
        for worker, age in _kernel_clients():
            if age > OLD_S and worker not in killed:
                killed.append(worker)
                os.kill(worker, signal.SIGKILL)
        time.sleep(0.5)


def test_a_killed_worker_costs_only_its_submission(tmp_path):
    ref = tmp_path / "refpkg" / "alone_ref"
    ref.mkdir(parents=True)
    (ref / "__init__.py").write_text(REFERENCE)
    (tmp_path / "rubrics").mkdir()
    (tmp_path / "rubrics" / "alone.yaml").write_text(RUBRIC)
    subs = tmp_path / "alone"
    for sid, first in {"quick1": "", "quick2": "", "quick3": "", "slow": "import time\ntime.sleep(60)"}.items():
        (subs / sid).mkdir(parents=True)
        nbformat.write(new_notebook(cells=[new_code_cell(first), new_code_cell(HONEST)]), subs / sid / "alone.ipynb")
    env = {**os.environ, "PYTHONPATH": str(tmp_path / "refpkg"), "GRADER_RUBRICS": str(tmp_path / "rubrics")}
    proc = subprocess.Popen([sys.executable, "-m", "grader.apps.cli", "run", str(subs), "--out", str(tmp_path / "out"),
                             "--jobs", "2"], cwd=ROOT, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    killed: list[int] = []
    killer = threading.Thread(target=_kill_old_workers, args=(proc, killed))
    killer.start()
    out, err = proc.communicate(timeout=600)
    killer.join()
    assert proc.returncode == 3, err[-2000:]
    assert len(killed) == 2  # slow's worker in the class's pool, then the one that graded it alone
    assert "not fully graded by a fault of the grader" in err and err.rstrip().endswith(": slow")
    results = {sid: json.loads((tmp_path / "out" / "results" / f"{sid}.json").read_text()) for sid in
               ("quick1", "quick2", "quick3", "slow")}
    assert [results[s]["total"] for s in ("quick1", "quick2", "quick3")] == [11, 11, 11]
    assert results["slow"]["total"] == 0 and results["slow"]["errors"][0]["kind"] == "internal_error"
    assert "died while grading slow" in results["slow"]["errors"][0]["detail"]
    assert all((tmp_path / "out" / f"{sid}.pdf").is_file() for sid in results)
