"""Exercise 3: one SGD step of Conv1d -> AvgPool1d / MaxPool1d on min ||out2 - out1||, by hand.

Both data samples pass through the same model, so the gradient reaches the convolution
through out1 and out2. Pooling is written as a routing matrix R (out = R @ y): average pooling
spreads the upstream gradient evenly over each window, max pooling sends it all to the
window's argmax (the first one on ties, as torch does). The statement draws the initial
weights from N(0, 0.1); the grader fixes them (``WEIGHT``, ``BIAS``) so answers are comparable.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

DATA1 = ((1.0, 2.0, -3.0, 2.0), (1.0, 2.0, -2.0, 1.0))  # 2 channels x length 4
DATA2 = ((4.0, 2.0, -2.0, 2.0), (3.0, 2.0, -7.0, 2.0))
WEIGHT = (((0.12, -0.05), (0.07, 0.15)),)  # out x in x k, as torch.nn.Conv1d.weight
BIAS = (0.02,)
POOL_KERNEL = 2  # pooling stride is 1, padding 0


def _conv(x: np.ndarray, weight: np.ndarray, bias: np.ndarray) -> np.ndarray:
    """Single-output-channel Conv1d (stride 1, no padding): a correlation summed over channels."""
    k = weight.shape[2]
    steps = x.shape[1] - k + 1
    return bias[0] + np.array([np.sum(weight[0] * x[:, t : t + k]) for t in range(steps)])


def _routing(y: np.ndarray, pool: str) -> np.ndarray:
    """Matrix R with pool(y) = R @ y; its transpose carries the gradient back."""
    steps = len(y) - POOL_KERNEL + 1
    r = np.zeros((steps, len(y)))
    for t in range(steps):
        if pool == "avg":
            r[t, t : t + POOL_KERNEL] = 1.0 / POOL_KERNEL
        elif pool == "max":
            r[t, t + int(np.argmax(y[t : t + POOL_KERNEL]))] = 1.0
        else:
            raise ValueError(f"pool must be 'avg' or 'max', not {pool!r}")
    return r


def one_step(
    pool: str = "avg",
    data1: Sequence[Sequence[float]] = DATA1,
    data2: Sequence[Sequence[float]] = DATA2,
    weight: Sequence[Sequence[Sequence[float]]] = WEIGHT,
    bias: Sequence[float] = BIAS,
    lr: float = 1e-4,
) -> dict:
    """Forward, hand-derived backward and one SGD step for the model with the given pooling.

    The bias gradient is always zero: the bias shifts out1 and out2 alike, so it cancels
    in out2 - out1.
    """
    w, b = np.asarray(weight, dtype=float), np.asarray(bias, dtype=float)
    xs = [np.asarray(data1, dtype=float), np.asarray(data2, dtype=float)]
    ys = [_conv(x, w, b) for x in xs]
    rs = [_routing(y, pool) for y in ys]
    out1, out2 = (r @ y for r, y in zip(rs, ys))
    diff = out2 - out1
    loss = float(np.linalg.norm(diff))
    g = diff / loss if loss > 0 else np.zeros_like(diff)  # d||d||/dd; 0 is torch's choice at d = 0
    grad_w, grad_b = np.zeros_like(w), np.zeros_like(b)
    for x, r, sign in zip(xs, rs, (-1.0, 1.0)):
        dy = r.T @ (sign * g)  # upstream gradient at the conv output
        grad_b[0] += dy.sum()
        for c in range(x.shape[0]):
            grad_w[0, c] += np.correlate(x[c], dy, mode="valid")
    return {
        "out1": out1.tolist(),
        "out2": out2.tolist(),
        "loss": loss,
        "grad_weight": grad_w.tolist(),
        "grad_bias": grad_b.tolist(),
        "weight": (w - lr * grad_w).tolist(),
        "bias": (b - lr * grad_b).tolist(),
    }
