"""GPU slots for the local engine: which devices `--gpus` names, and one slot per kernel using one.

A worker process takes one slot for its lifetime, so at most `gpu_share` kernels (the rubric's
limit, 1 by default) use a device at a time. Kernels and model evaluators are processes of their
own: a device's memory is freed when the submission's processes exit.
"""
import os
from pathlib import Path


def find_gpus(gpus: str) -> list[str]:
    """Device ids for `--gpus auto|none|0,1`: auto takes CUDA_VISIBLE_DEVICES if set, else /dev/nvidiaN."""
    if gpus == "none":
        return []
    if gpus != "auto":
        return [g.strip() for g in gpus.split(",") if g.strip()]
    visible = os.environ.get("CUDA_VISIBLE_DEVICES")
    if visible is not None:
        return [g.strip() for g in visible.split(",") if g.strip() and g.strip() != "-1"]
    return sorted((p.name[len("nvidia"):] for p in Path("/dev").glob("nvidia[0-9]*")), key=int)


def slots(devices: list[str], share: int) -> list[str]:
    """Each device `share` times, interleaved so that consecutive workers land on different devices."""
    return [d for _ in range(share) for d in devices]


def kernel_env(slot: str | None) -> dict[str, str]:
    """The environment a kernel gets for its slot; without one it sees no GPU at all."""
    return {"CUDA_VISIBLE_DEVICES": slot if slot is not None else ""}
