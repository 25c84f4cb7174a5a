"""Question 2b: two 3x3 layers, convolutional or locally connected in the second layer.

The student's counts (448 and 4640) fix the first model: Conv2D(16, 3) on a 3-channel input,
then Conv2D(32, 3). The second model replaces the second layer by a locally connected layer
(Keras 2's LocallyConnected2D: one 3x3x16 filter bank and one bias per output position). Keras 3
dropped that layer, so its count is the formula below on the output size Keras gives the same
Conv2D; tests/reference/test_reference_hw5v.py checks it against a torch implementation built on unfold.
"""
from __future__ import annotations

import keras

from reference.hw5v import receptive

SIZE = 32  # the input size is not in the answers; a CIFAR-sized 32x32x3 image is assumed
IN_CHANNELS = 3
FILTERS = (16, 32)
KERNEL = 3
COLUMNS = ["model", "params_1", "params_2", "params", "rf"]


def conv_model(size: int = SIZE, in_channels: int = IN_CHANNELS) -> keras.Sequential:
    """Two 'valid' 3x3 convolutions, stride 1, as Keras builds them."""
    return keras.Sequential([
        keras.Input((size, size, in_channels)),
        keras.layers.Conv2D(FILTERS[0], KERNEL, name="l1"),
        keras.layers.Conv2D(FILTERS[1], KERNEL, name="l2"),
    ])


def local_params(out_h: int, out_w: int, in_channels: int, filters: int, kernel: int) -> int:
    """LocallyConnected2D with bias: unshared weights and bias at every output position."""
    return out_h * out_w * (kernel * kernel * in_channels * filters + filters)


def table(size: int = SIZE, in_channels: int = IN_CHANNELS, last_layer_field: bool = False) -> dict:
    """Per model: the two layers' parameters, their sum and the output's receptive field.

    `last_layer_field` gives the field of the second layer alone, a known wrong answer (the
    rubric's diagnoses): its window on the first layer's output, not on the input."""
    model = conv_model(size, in_channels)
    l1, l2 = model.get_layer("l1"), model.get_layer("l2")
    field = receptive.INPUT
    for layer in (l2,) if last_layer_field else (l1, l2):  # the locally connected layer slides the same window
        field = receptive.step(field, layer.kernel_size[0], layer.strides[0], layer.dilation_rate[0])
    rf = [field[0], field[0]]
    _, out_h, out_w, _ = l2.output.shape
    first, second = l1.count_params(), l2.count_params()
    local = local_params(out_h, out_w, l1.filters, l2.filters, l2.kernel_size[0])
    rows = [["conv", first, second, first + second, rf], ["local", first, local, first + local, rf]]
    ask = [[i, c] for i in range(len(rows)) for c in COLUMNS[1:]]
    return {"columns": COLUMNS, "rows": rows, "key": "model", "ask": ask}
