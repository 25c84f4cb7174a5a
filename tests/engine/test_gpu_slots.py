"""GPU slots of the local engine: which devices `--gpus` names and how kernels share them."""
import os
import subprocess
import sys

import pytest

from grader.engine import gpus


def test_gpus_none_and_explicit_lists(monkeypatch):
    assert gpus.find_gpus("none") == []
    assert gpus.find_gpus("0,2") == ["0", "2"]
    monkeypatch.setenv("CUDA_VISIBLE_DEVICES", "1,3")
    assert gpus.find_gpus("auto") == ["1", "3"]
    monkeypatch.setenv("CUDA_VISIBLE_DEVICES", "")
    assert gpus.find_gpus("auto") == []


def test_slots_interleave_devices_and_a_kernel_without_a_slot_sees_no_gpu():
    assert gpus.slots(["0", "1"], 2) == ["0", "1", "0", "1"]
    assert gpus.slots([], 4) == []
    assert gpus.kernel_env("1") == {"CUDA_VISIBLE_DEVICES": "1"}
    assert gpus.kernel_env(None) == {"CUDA_VISIBLE_DEVICES": ""}


def _cuda() -> bool:
    try:
        import torch
        return torch.cuda.is_available()
    except ImportError:
        return False


@pytest.mark.skipif(not _cuda(), reason="needs a CUDA GPU (checked on the GPU machine)")
def test_auto_finds_the_machines_gpus():
    env = {k: v for k, v in os.environ.items() if k != "CUDA_VISIBLE_DEVICES"}
    out = subprocess.run([sys.executable, "-c", "from grader.engine.gpus import find_gpus; print(find_gpus('auto'))"],
                         env=env, capture_output=True, text=True, check=True)
    import torch
    assert len(eval(out.stdout)) == torch.cuda.device_count()
