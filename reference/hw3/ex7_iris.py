"""Exercise 7, function check: gradients of the IRIS network for the student's manual backward.

Network: Linear(4,5) LeakyReLU(0.2) Linear(5,5) LeakyReLU(0.2) Linear(5,5) LeakyReLU(0.2)
Linear(5,3), softmax output and mean cross-entropy (``F.cross_entropy`` on the logits is
log-softmax followed by the negative log-likelihood, i.e. exactly softmax + cross-entropy).
Parameters follow torch's Linear convention: ``W{i}`` is out x in, ``b{i}`` has length out.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from functools import lru_cache

import numpy as np
import torch
from sklearn.datasets import load_iris

LAYER_SIZES = (4, 5, 5, 5, 3)
N_LAYERS = len(LAYER_SIZES) - 1
KEYS = tuple(f"{kind}{i}" for i in range(1, N_LAYERS + 1) for kind in ("W", "b"))
NEGATIVE_SLOPE = 0.2
INIT_SCALE = 0.5
NOISE_STD = 0.05


@lru_cache(maxsize=1)
def _iris() -> tuple[np.ndarray, np.ndarray]:
    data = load_iris()
    return data.data, data.target


def draw_inputs(seed: int, n: int = 8) -> dict:
    """Random parameters and a mini-batch of n noisy IRIS rows, deterministic for a seed.

    The statement initialises weights from Uniform(0, 1); with all-positive weights and the
    positive IRIS features every pre-activation is positive, so the LeakyReLU's negative branch
    is never exercised and the logits grow large enough to saturate the softmax. Uniform(-1, 1)
    scaled by 0.5 tests both branches and keeps the gradients well away from zero.
    """
    rng = np.random.default_rng(seed)
    params = {}
    for i, (fan_in, fan_out) in enumerate(zip(LAYER_SIZES[:-1], LAYER_SIZES[1:]), start=1):
        params[f"W{i}"] = (INIT_SCALE * rng.uniform(-1.0, 1.0, (fan_out, fan_in))).tolist()
        params[f"b{i}"] = (INIT_SCALE * rng.uniform(-1.0, 1.0, fan_out)).tolist()
    features, target = _iris()
    rows = rng.choice(len(target), size=n, replace=False)
    x = features[rows] + rng.normal(0.0, NOISE_STD, (n, features.shape[1]))
    return {"params": params, "X": x.tolist(), "y": target[rows].tolist()}


def gradients(params: Mapping[str, Sequence], X: Sequence[Sequence[float]], y: Sequence[int]) -> dict:
    """d(mean cross-entropy)/d(parameter) for every parameter, by torch autograd in float64."""
    p = {k: torch.tensor(params[k], dtype=torch.float64, requires_grad=True) for k in KEYS}
    h = torch.tensor(X, dtype=torch.float64)
    for i in range(1, N_LAYERS + 1):
        h = torch.nn.functional.linear(h, p[f"W{i}"], p[f"b{i}"])
        if i < N_LAYERS:
            h = torch.nn.functional.leaky_relu(h, NEGATIVE_SLOPE)
    torch.nn.functional.cross_entropy(h, torch.tensor(list(y), dtype=torch.long)).backward()
    return {k: p[k].grad.tolist() for k in KEYS}


def manual_gradients(params: Mapping[str, Sequence], X: Sequence[Sequence[float]], y: Sequence[int]) -> dict:
    """The same gradients by hand in numpy, as a correct student's backward pass computes them."""
    w = {k: np.asarray(params[k], dtype=float) for k in KEYS}
    activations, pre = [np.asarray(X, dtype=float)], []
    for i in range(1, N_LAYERS + 1):
        pre.append(activations[-1] @ w[f"W{i}"].T + w[f"b{i}"])
        if i < N_LAYERS:
            activations.append(np.where(pre[-1] > 0, pre[-1], NEGATIVE_SLOPE * pre[-1]))
    logits = pre[-1]
    probs = np.exp(logits - logits.max(axis=1, keepdims=True))
    probs /= probs.sum(axis=1, keepdims=True)
    delta = (probs - np.eye(LAYER_SIZES[-1])[np.asarray(y)]) / len(y)  # dL/dlogits for softmax + CE
    grads = {}
    for i in range(N_LAYERS, 0, -1):
        grads[f"W{i}"] = (delta.T @ activations[i - 1]).tolist()
        grads[f"b{i}"] = delta.sum(axis=0).tolist()
        if i > 1:
            delta = (delta @ w[f"W{i}"]) * np.where(pre[i - 2] > 0, 1.0, NEGATIVE_SLOPE)
    return {k: grads[k] for k in KEYS}


def model() -> torch.nn.Sequential:
    """The network as an nn.Module, for grading the model a student trains in part a."""
    layers: list[torch.nn.Module] = []
    for i, (fan_in, fan_out) in enumerate(zip(LAYER_SIZES[:-1], LAYER_SIZES[1:]), start=1):
        layers.append(torch.nn.Linear(fan_in, fan_out))
        if i < N_LAYERS:
            layers.append(torch.nn.LeakyReLU(NEGATIVE_SLOPE))
    return torch.nn.Sequential(*layers)
