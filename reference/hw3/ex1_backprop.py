"""Exercise 1: one SGD step and one Adam step on a small 3-2-1 network, backward pass by hand.

The statement's figure is lost, so which weight joins which pair of nodes is an assumption
(``DEFAULT_EDGES``). Every function takes the edges, weights, inputs, target and loss as
parameters so a grader can recompute the answer under another reading of the figure.
The chain rule is written out explicitly (no autograd) because that is what the exercise asks
the student to do; the tests check it against torch autograd.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Mapping, Sequence

WEIGHTS: tuple[float, ...] = (0.9, 0.8, 0.7, 0.6, 0.5, 0.4, 0.3, -0.4)  # table 1: w1..w8
X: tuple[float, ...] = (1.5, 1.0, 1.0)  # table 2: x1..x3 (target o = 0)
DEFAULT_EDGES: dict[str, tuple[str, str]] = {
    "w1": ("x1", "h1"),
    "w2": ("x2", "h1"),
    "w3": ("x3", "h1"),
    "w4": ("x1", "h2"),
    "w5": ("x2", "h2"),
    "w6": ("x3", "h2"),
    "w7": ("h1", "o"),
    "w8": ("h2", "o"),
}
INPUTS = ("x1", "x2", "x3")
NODES = INPUTS + ("h1", "h2", "o")  # topological order; edges must point forward in it
LEAKY_SLOPE = 0.2


def _sigmoid(z: float) -> float:
    return 1.0 / (1.0 + math.exp(-z))


# Table 3: activation of each node, as (f(z), f'(z)) of the pre-activation z.
ACTIVATIONS: dict[str, tuple[Callable[[float], float], Callable[[float], float]]] = {
    "h1": (math.tanh, lambda z: 1.0 - math.tanh(z) ** 2),
    "h2": (lambda z: z if z > 0 else LEAKY_SLOPE * z, lambda z: 1.0 if z > 0 else LEAKY_SLOPE),
    "o": (_sigmoid, lambda z: _sigmoid(z) * (1.0 - _sigmoid(z))),
}

# Loss as (L(o, t), dL/do).
LOSSES: dict[str, tuple[Callable[[float, float], float], Callable[[float, float], float]]] = {
    "half_squared_error": (lambda o, t: 0.5 * (o - t) ** 2, lambda o, t: o - t),
    "binary_cross_entropy": (
        lambda o, t: -(t * math.log(o) + (1.0 - t) * math.log(1.0 - o)),
        lambda o, t: (o - t) / (o * (1.0 - o)),
    ),
}


def _edge_list(edges: Mapping[str, tuple[str, str]], n: int) -> list[tuple[str, str]]:
    """Edges in weight order w1..wn, checked to point forward through ``NODES``."""
    out = [edges[f"w{i}"] for i in range(1, n + 1)]
    for src, dst in out:
        if NODES.index(src) >= NODES.index(dst) or dst in INPUTS:
            raise ValueError(f"edge {src}->{dst} does not point forward through {NODES}")
    return out


def _forward(
    edges: Mapping[str, tuple[str, str]], weights: Sequence[float], x: Sequence[float]
) -> tuple[dict[str, float], dict[str, float]]:
    """Pre-activations z and activations a of every node."""
    a = dict(zip(INPUTS, map(float, x), strict=True))
    z: dict[str, float] = {}
    pairs = list(zip(_edge_list(edges, len(weights)), weights))
    for node in NODES[len(INPUTS):]:
        z[node] = sum(w * a[src] for (src, dst), w in pairs if dst == node)
        a[node] = ACTIVATIONS[node][0](z[node])
    return z, a


def forward_values(
    edges: Mapping[str, tuple[str, str]] = DEFAULT_EDGES,
    weights: Sequence[float] = WEIGHTS,
    x: Sequence[float] = X,
    target: float = 0.0,
    loss: str = "half_squared_error",
) -> dict[str, float]:
    """Activations h1, h2, o and the loss before the update."""
    _, a = _forward(edges, weights, x)
    return {"h1": a["h1"], "h2": a["h2"], "o": a["o"], "loss": LOSSES[loss][0](a["o"], target)}


def gradients(
    edges: Mapping[str, tuple[str, str]] = DEFAULT_EDGES,
    weights: Sequence[float] = WEIGHTS,
    x: Sequence[float] = X,
    target: float = 0.0,
    loss: str = "half_squared_error",
) -> list[float]:
    """dL/dw1..dL/dwn by the chain rule, walking the nodes in reverse topological order."""
    z, a = _forward(edges, weights, x)
    pairs = list(zip(_edge_list(edges, len(weights)), weights))
    upstream = dict.fromkeys(NODES, 0.0)  # dL/da for every node
    upstream["o"] = LOSSES[loss][1](a["o"], target)
    grads = [0.0] * len(weights)
    for node in reversed(NODES[len(INPUTS):]):
        delta = upstream[node] * ACTIVATIONS[node][1](z[node])  # dL/dz of this node
        for i, ((src, dst), w) in enumerate(pairs):
            if dst == node:
                grads[i] = delta * a[src]
                upstream[src] += delta * w
    return grads


def sgd_step(
    edges: Mapping[str, tuple[str, str]] = DEFAULT_EDGES,
    weights: Sequence[float] = WEIGHTS,
    x: Sequence[float] = X,
    target: float = 0.0,
    loss: str = "half_squared_error",
    lr: float = 0.1,
    ascent: bool = False,
) -> list[float]:
    """Weights after one plain SGD step w <- w - lr * g; `ascent` flips the sign, a known wrong step
    (the rubric's diagnoses)."""
    g = gradients(edges, weights, x, target, loss)
    return [w + lr * gi if ascent else w - lr * gi for w, gi in zip(weights, g)]


def adam_step(
    edges: Mapping[str, tuple[str, str]] = DEFAULT_EDGES,
    weights: Sequence[float] = WEIGHTS,
    x: Sequence[float] = X,
    target: float = 0.0,
    loss: str = "half_squared_error",
    lr: float = 0.1,
    betas: tuple[float, float] = (0.9, 0.999),
    eps: float = 1e-8,
    bias_correction: bool = True,
) -> list[float]:
    """Weights after Adam's first step from zero moments, in torch.optim.Adam's operation order.

    With bias correction the first step is close to w - lr * sign(g); the exact order of
    operations is kept so the result matches torch to the last bits. `bias_correction=False`
    divides neither moment by 1 - beta^t, a known wrong step (the rubric's diagnoses).
    """
    beta1, beta2 = betas
    c1, c2 = (1.0 - beta1, 1.0 - beta2) if bias_correction else (1.0, 1.0)
    out = []
    for w, g in zip(weights, gradients(edges, weights, x, target, loss)):
        m, v = (1.0 - beta1) * g, (1.0 - beta2) * g * g
        denom = math.sqrt(v) / math.sqrt(c2) + eps
        out.append(w - lr / c1 * m / denom)
    return out
