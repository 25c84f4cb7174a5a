"""Question 2(E): output shape, memory and learnable parameters of a LeNet-like network.

The network is Input 32x32x1 -> Conv5-10 -> Pool2 -> Conv5-10 -> Pool2 -> FC-10. It is built
as a torch model; shapes come from forward hooks and parameter counts from the modules.
Memory is the number of values a layer outputs (activations). The table writes shapes as
height x width x channels, the question's own notation; torch's (C, H, W) is reordered.
"""

from __future__ import annotations

import math

import torch
from torch import nn

INPUT = (1, 32, 32)  # (C, H, W), as torch takes it
COLUMNS = ["layer", "name", "output", "memory", "params"]
NAMES = ["input", "conv5-10", "pool2", "conv5-10", "pool2", "fc-10"]
CONV = {"kernel_size": 5, "stride": 1, "padding": 2}  # "same" padding: 32 -> 32, 16 -> 16
POOL = {"kernel_size": 2, "stride": 2}


def build_model() -> nn.Sequential:
    """The network, one child module per table row after the input."""
    return nn.Sequential(
        nn.Conv2d(INPUT[0], 10, **CONV),
        nn.MaxPool2d(**POOL),
        nn.Conv2d(10, 10, **CONV),
        nn.MaxPool2d(**POOL),
        nn.Sequential(nn.Flatten(), nn.Linear(10 * 8 * 8, 10)),
    )


def _hwc(shape: torch.Size) -> list[int]:
    """(C, H, W) -> [H, W, C]; a flat (N,) stays [N]."""
    return [shape[1], shape[2], shape[0]] if len(shape) == 3 else list(shape)


def table(bias: bool = True) -> dict:
    """The filled table; every cell but the input's shape and parameters is asked.

    `bias=False` leaves the biases out of the counts, a known wrong answer (the rubric's diagnoses)."""
    model = build_model()
    shapes: list[torch.Size] = []
    for child in model:
        child.register_forward_hook(lambda _m, _i, out: shapes.append(out.shape[1:]))
    with torch.no_grad():
        model(torch.zeros(1, *INPUT))
    rows = [[1, NAMES[0], _hwc(torch.Size(INPUT)), math.prod(INPUT), 0]]
    for layer, (child, shape) in enumerate(zip(model, shapes), start=2):
        params = sum(p.numel() for name, p in child.named_parameters()
                     if p.requires_grad and (bias or not name.endswith("bias")))
        rows.append([layer, NAMES[layer - 1], _hwc(shape), math.prod(shape), params])
    ask = [[0, "memory"]] + [[i, col] for i in range(1, len(rows)) for col in ("output", "memory", "params")]
    return {"columns": COLUMNS, "rows": rows, "key": "layer", "ask": ask}
