"""Question 2a: parameter counts and receptive fields of the block network, built in Keras.

The figure is lost. The student's answer fixes its shape: three 1x1 blocks of 32 filters on
the input, two 3x3 blocks of 32 after two of them, one more 3x3 block of 32 after one of
those, and a last 1x1 block of 256 filters on the 96 concatenated channels (the layout of an
Inception-ResNet-A module). Counts come from the Keras layers; receptive fields from the
recursion in `receptive`, reading each layer's kernel and stride from Keras.
"""
from __future__ import annotations

import keras
import numpy as np

from reference.hw5v import receptive

IN_CHANNELS = 3  # the student's "1 * 3 * 32" for a 1x1 block reads the input as 3 channels
SIZE = 35  # any spatial size: counts and receptive fields do not depend on it
# block name: (layer, kernel, filters, parents); a block with several parents sees their concatenation
BLOCKS: dict[str, tuple[int, int, int, tuple[str, ...]]] = {
    "b1_1": (1, 1, 32, ("input",)),
    "b1_2": (1, 1, 32, ("input",)),
    "b1_3": (1, 1, 32, ("input",)),
    "b2_1": (2, 3, 32, ("b1_2",)),
    "b2_2": (2, 3, 32, ("b1_3",)),
    "b3_1": (3, 3, 32, ("b2_2",)),
    "b4_1": (4, 1, 256, ("b1_1", "b2_1", "b3_1")),
}
COLUMNS = ["layer", "blocks", "kernel", "params_per_block", "params", "rf"]
ASKED = ("params_per_block", "params", "rf")


def build_model(in_channels: int = IN_CHANNELS, size: int = SIZE, bias: bool = True) -> keras.Model:
    """The block network; 'same' padding keeps the branches' sizes equal for the concatenation."""
    tensors = {"input": keras.Input((size, size, in_channels), name="input")}
    for name, (_, kernel, filters, parents) in BLOCKS.items():
        x = [tensors[p] for p in parents]
        x = x[0] if len(x) == 1 else keras.layers.Concatenate(name=f"concat_{name}")(x)
        tensors[name] = keras.layers.Conv2D(filters, kernel, padding="same", use_bias=bias, name=name)(x)
    return keras.Model(tensors["input"], tensors["b4_1"])


def block_params(layer: keras.layers.Conv2D, filters_twice: bool = False) -> int:
    """A block's parameters as Keras counts them; `filters_twice` multiplies the kernel's weights by
    the number of filters once more, a known wrong count (the rubric's diagnoses)."""
    extra = int(np.prod(layer.kernel.shape)) * (layer.filters - 1) if filters_twice else 0
    return layer.count_params() + extra


def receptive_fields(model: keras.Model) -> dict[str, receptive.Field]:
    """(side, jump) of every block's output on the input grid."""
    fields = {"input": receptive.INPUT}
    for name, (*_, parents) in BLOCKS.items():
        layer = model.get_layer(name)
        field = receptive.merge([fields[p] for p in parents])
        fields[name] = receptive.step(field, layer.kernel_size[0], layer.strides[0], layer.dilation_rate[0])
    return fields


def table(in_channels: int = IN_CHANNELS, bias: bool = True, filters_twice: bool = False) -> dict:
    """One row per layer of blocks: blocks, kernel, parameters per block and in all, receptive field.

    `bias=False` and `filters_twice=True` give known wrong counts (see `block_params`)."""
    model = build_model(in_channels, bias=bias)
    fields = receptive_fields(model)
    rows = [["input", None, None, None, None, [1, 1]]]
    for layer in sorted({spec[0] for spec in BLOCKS.values()}):
        names = [n for n, spec in BLOCKS.items() if spec[0] == layer]
        counts = {block_params(model.get_layer(n), filters_twice) for n in names}
        sides = {fields[n][0] for n in names}
        kernels = {tuple(model.get_layer(n).kernel_size) for n in names}
        if len(counts) != 1 or len(sides) != 1 or len(kernels) != 1:
            raise ValueError(f"layer {layer}: its blocks differ ({counts}, {sides}, {kernels})")
        (count,), (side,), (kernel,) = counts, sides, kernels
        rows.append([layer, len(names), list(kernel), count, count * len(names), [side, side]])
    ask = [[0, "rf"]] + [[i, c] for i in range(1, len(rows)) for c in ASKED]
    return {"columns": COLUMNS, "rows": rows, "key": "layer", "ask": ask}


def total_params(in_channels: int = IN_CHANNELS, bias: bool = True, filters_twice: bool = False) -> int:
    """All trainable parameters of the network, as Keras counts them (the flags: see `table`)."""
    model = build_model(in_channels, bias=bias)
    return sum(block_params(model.get_layer(name), filters_twice) for name in BLOCKS)
