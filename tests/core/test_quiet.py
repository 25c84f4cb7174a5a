"""Start-up noise of the frameworks is kept off the terminal; everything else still reaches it."""
from __future__ import annotations

import os
import subprocess
import sys
import textwrap

import pytest

from grader.core.quiet import drop_noise, native_stderr_filtered

ABSL = [b"WARNING: All log messages before absl::InitializeLog() is called are written to STDERR\n",
        b"I0000 00:00:1796226271.504937   13375 port.cc:153] oneDNN custom operations are on. You may see ...\n",
        b"I0000 00:00:1796226271.506121   13375 cudart_stub.cc:31] Could not find cuda drivers on your machine\n",
        b"W0000 00:00:1796226271.506121   13375 gpu_device.cc:2344] Cannot dlopen some GPU libraries.\n"]
KEPT = [b"E0000 00:00:1796226271.506121   13375 cuda_dnn.cc:8579] Unable to register cuDNN factory\n",
        b"Traceback (most recent call last):\n", b"I0000 is how a student might start a line\n",
        b"grader: q10d (zero_model): dataset mnist (test): expected /data/mnist\n"]


def test_only_the_log_lines_of_start_up_are_dropped() -> None:
    assert drop_noise(b"".join(ABSL + KEPT + ABSL)) == b"".join(KEPT)
    assert drop_noise(b"no newline at the end") == b"no newline at the end"


def test_descriptor_2_is_filtered_for_the_block_and_restored(capfd: pytest.CaptureFixture[str]) -> None:
    with native_stderr_filtered():
        os.write(2, b"".join(ABSL))
        with native_stderr_filtered():  # nested: the outer block filters
            os.write(2, KEPT[0])
        os.write(2, b"a later line\n")
    os.write(2, b"after\n")
    assert capfd.readouterr().err == KEPT[0].decode() + "a later line\nafter\n"


def test_what_the_block_wrote_reaches_the_terminal_when_it_raises(capfd: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(ValueError), native_stderr_filtered():
        os.write(2, ABSL[1] + b"before the error\n")
        raise ValueError
    assert capfd.readouterr().err == "before the error\n"


def test_the_resource_tracker_does_not_warn_of_what_an_interrupted_worker_held():
    """A worker stopped by Ctrl-C leaves a semaphore registered; the tracker (one of the run's helpers)
    unlinks it at the end without a warning after the run's last line."""
    code = textwrap.dedent("""
        from grader.core.quiet import quiet_process
        quiet_process()
        from multiprocessing import resource_tracker
        resource_tracker.register("/grader-test-left-by-a-worker", "semaphore")
        resource_tracker._resource_tracker._stop()
        print("stopped")
    """)
    run = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=60)
    assert run.returncode == 0 and run.stdout == "stopped\n", run.stderr
    assert run.stderr == ""
