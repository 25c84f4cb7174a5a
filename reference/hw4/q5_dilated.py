"""Question 5a: output shapes and parameter counts of a dilated CNN on a 256x256x3 image.

The network is built as a real Keras model and every shape and count comes from Keras.
Keras refuses `strides > 1` together with `dilation_rate > 1`, so a strided dilated
convolution is built as the same convolution with stride 1 followed by taking every
`stride`-th pixel (MaxPooling2D with pool size 1): the kept windows, and so the output,
are exactly those of the strided convolution.
"""

from __future__ import annotations

import keras
from keras import layers

INPUT = (256, 256, 3)
COLUMNS = ["layer", "type", "output", "params"]
# Filters of each block's (conv 3x3, dilated conv 5x5). The third block's (256, 128) follow the
# student's computations, its dilation is a parameter: the document's label (4, copied from
# block 2) needs a 17x17 window on an 11x11 input, which Keras rejects.
BLOCKS = ((64, 32), (128, 64), (256, 128))
DILATIONS = (2, 4, 2)


def layer_specs(dilations: tuple[int, int, int] = DILATIONS) -> list[dict]:
    """The nine layers, three blocks of conv 3x3 'same', dilated conv 5x5 'valid' stride 2, max-pool."""
    specs = []
    for (conv, dilated), d in zip(BLOCKS, dilations):
        specs += [
            {"kind": "conv", "filters": conv, "kernel": 3, "stride": 1, "dilation": 1, "padding": "same"},
            {"kind": "dilated_conv", "filters": dilated, "kernel": 5, "stride": 2, "dilation": d, "padding": "valid"},
            {"kind": "maxpool", "kernel": 2, "stride": 2},
        ]
    return specs


def describe(spec: dict) -> str:
    """How the table's `type` column names a layer, e.g. 'Dilated-Conv(32, 5x5, s=2, d=2, valid)'."""
    k, s = spec["kernel"], spec["stride"]
    if spec["kind"] == "maxpool":
        return f"Max-pool({k}x{k}, s={s})"
    if spec["kind"] == "dilated_conv":
        return f"Dilated-Conv({spec['filters']}, {k}x{k}, s={s}, d={spec['dilation']}, {spec['padding']})"
    return f"Conv({spec['filters']}, {k}x{k}, s={s}, {spec['padding']})"


def build_rows(specs: list[dict]) -> list[tuple[keras.layers.Layer, keras.layers.Layer]]:
    """Per table row, (the layer holding its parameters, the layer giving its output), wired up.

    Calling a layer raises ValueError where its input is smaller than its dilated kernel.
    """
    x = keras.Input(INPUT)
    rows = []
    for i, spec in enumerate(specs, start=1):
        if spec["kind"] == "maxpool":
            main = last = layers.MaxPooling2D(spec["kernel"], strides=spec["stride"], name=f"r{i}")
            x = main(x)
            rows.append((main, last))
            continue
        main = layers.Conv2D(spec["filters"], spec["kernel"], dilation_rate=spec["dilation"],
                             padding=spec["padding"], name=f"r{i}")
        x = main(x)
        last = main
        if spec["stride"] > 1:  # Keras: no stride with dilation; subsample the stride-1 output
            last = layers.MaxPooling2D(1, strides=spec["stride"], name=f"r{i}_stride")
            x = last(x)
        rows.append((main, last))
    return rows


def table(dilations: tuple[int, int, int] = DILATIONS, bias_twice: bool = False) -> dict:
    """The filled table (H, W, C shapes, Keras parameter counts) with a `total` row.

    `bias_twice` adds each convolution's biases once more, a known wrong count (the rubric's
    diagnoses); dilations of 1 give the shapes of a student who ignored the dilation.
    """
    specs = layer_specs(tuple(dilations))
    rows = []
    for i, (spec, (main, last)) in enumerate(zip(specs, build_rows(specs)), start=1):
        params = main.count_params() + (spec.get("filters", 0) if bias_twice else 0)
        rows.append([i, describe(spec), list(last.output.shape[1:]), params])
    rows.append(["total", "", None, sum(r[3] for r in rows)])
    ask = [[i, col] for i in range(len(specs)) for col in ("output", "params")] + [[len(specs), "params"]]
    return {"columns": COLUMNS, "rows": rows, "key": "layer", "ask": ask}
