"""A run killed with SIGKILL and started again ends with the same files as an uninterrupted run."""
import os
import signal
import time
from pathlib import Path

import pytest

from grader.kernel.sandbox import unavailable_reason
from tests.support.runs import comparable, crash_class, descendants, start_grading

pytestmark = [
    pytest.mark.sandbox,
    pytest.mark.slow,
    pytest.mark.e2e,
    pytest.mark.skipif(unavailable_reason() is not None, reason="no sandbox"),
]


def test_kill_9_then_rerun_matches_an_uninterrupted_run(tmp_path):
    paths = crash_class(tmp_path)
    straight = tmp_path / "straight"
    assert start_grading(paths, straight).wait(timeout=600) == 0

    resumed = tmp_path / "resumed"
    proc = start_grading(paths, resumed)
    deadline = time.monotonic() + 300
    while len(list((resumed / "results").glob("*.json"))) < 2 and time.monotonic() < deadline:
        time.sleep(0.2)
    workers = descendants(proc.pid)
    assert len(workers) >= 4  # the forkserver, two workers, the zygote and more
    os.kill(proc.pid, signal.SIGKILL)
    proc.wait()
    deadline = time.monotonic() + 30  # they die with the grader, taking their kernels and zygotes along
    while any(Path(f"/proc/{pid}").exists() for pid in workers) and time.monotonic() < deadline:
        time.sleep(0.2)
    assert not [pid for pid in workers if Path(f"/proc/{pid}").exists()]
    done_before = len(list((resumed / "results").glob("*.json")))
    assert 2 <= done_before < 9

    rerun = start_grading(paths, resumed)
    out, err = rerun.communicate(timeout=600)
    assert rerun.returncode == 0, err[-2000:]
    assert "unchanged" in out
    assert comparable(resumed) == comparable(straight)
