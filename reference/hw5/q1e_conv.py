"""Question 1(E): a 3x3 input convolved by hand with a 3x3 kernel and zero padding 1.

"Convolution" is meant as in CNN layers (torch.nn.Conv2d, Keras Conv2D): the kernel slides
over the padded input without being flipped (cross-correlation). The loops spell out the
sum of products the student writes for each output cell; the test compares them with torch.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

IMAGE = ((1, 3, 1), (0, -1, 1), (2, 2, -1))  # the input matrix of the answer document
KERNEL = ((-2, -2, 1), (-2, 0, 1), (1, 1, 1))
PADDING = 1
STRIDE = 1


def padded(image: Sequence[Sequence[float]] = IMAGE, padding: int = PADDING) -> list[list[float]]:
    """The input with `padding` rows and columns of zeros on every side."""
    x = np.asarray(image, dtype=float)
    out = np.zeros((x.shape[0] + 2 * padding, x.shape[1] + 2 * padding))
    out[padding : padding + x.shape[0], padding : padding + x.shape[1]] = x
    return out.tolist()


def output(
    image: Sequence[Sequence[float]] = IMAGE,
    kernel: Sequence[Sequence[float]] = KERNEL,
    padding: int = PADDING,
    stride: int = STRIDE,
    flipped: bool = False,
) -> list[list[float]]:
    """The output feature map: each cell is the sum of the kernel times the window under it.

    `flipped` turns the kernel by 180° first (the convolution of signal processing), a known wrong
    reading of a CNN layer (the rubric's diagnoses)."""
    x, w = np.asarray(padded(image, padding)), np.asarray(kernel, dtype=float)
    w = np.flip(w) if flipped else w
    kh, kw = w.shape
    rows = (x.shape[0] - kh) // stride + 1
    cols = (x.shape[1] - kw) // stride + 1
    out = np.zeros((rows, cols))
    for i in range(rows):
        for j in range(cols):
            window = x[i * stride : i * stride + kh, j * stride : j * stride + kw]
            out[i, j] = float(np.sum(window * w))
    return out.tolist()
