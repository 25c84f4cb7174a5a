"""How far right float32 answers to the function checks fall from the references, in units of eps.

For every function answer of hw3, hw4 and hw11, the float32 student implementations of
`tests/float32_answers.py` are called, as the kernel calls them, on at least `--draws` inputs of
the answer's own draw function, and measured in the form the grader's tolerance takes
(grader/checks/tolerance.py): the smallest k with |found − expected| ≤ k·eps·(scale + |expected|)
for every value, scale being the answer's largest |expected|. The constant K in force must be
at least 4 times the worst k. The per-array column takes each part of a dict answer at its
own scale instead, which cancellation inside one gradient makes far worse. The float16 column
is the grader's form for the PyTorch answers computed in float16.

Usage: python bench/float32_tolerance.py [--draws 500]
"""
from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

import numpy as np
import torch

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from grader.checks import tolerance  # noqa: E402
from grader.checks.values import as_array, as_mapping  # noqa: E402
from tests.support.float32_answers import ANSWERS, IMPLEMENTATIONS, function_check, handed_in, kernel_args  # noqa: E402

def needed_k(found, expected, eps: float, per_array: bool = False) -> float:
    """The smallest K at which `found` passes, for an array or a dict of arrays.

    `per_array` measures each part of a dict against its own scale instead of the answer's.
    """
    if not isinstance(expected, dict):
        return _needed_k(found, expected, eps, None)
    parts = as_mapping(found, list(expected))
    whole = None if per_array else max(tolerance.scale(as_array(v)) for v in expected.values())
    return max(_needed_k(parts[key], value, eps, whole) for key, value in expected.items())


def _needed_k(found, expected, eps: float, answer_scale: float | None) -> float:
    e = as_array(expected)
    f = as_array(found).reshape(e.shape)
    allowed = eps * ((tolerance.scale(e) if answer_scale is None else answer_scale) + np.abs(e))
    gap = np.abs(f - e)
    if np.any((gap > 0) & (allowed == 0)):
        return float("inf")
    return float(np.max(np.divide(gap, allowed, out=np.zeros_like(gap), where=allowed > 0), initial=0.0))


def worst(assignment: str, name: str, draws: int, seed0: int, dtype: torch.dtype) -> tuple[float, float, int]:
    """The worst k over at least `draws` drawn inputs (by the grader's form, and with per-array
    scales), and how many were drawn."""
    check, implementation = function_check(assignment, name), IMPLEMENTATIONS[name]
    extra = {} if name == "grad_cam" else {"dtype": dtype}  # Keras builds the network in float32
    eps = float(torch.finfo(dtype).eps)
    k, k_array, n, seed = 0.0, 0.0, 0, seed0
    while n < draws:
        check.prepare(np.random.default_rng(seed))
        for _, args, expected in kernel_args(check):
            found = handed_in(implementation(**args, **extra))
            k = max(k, needed_k(found, expected, eps))
            k_array = max(k_array, needed_k(found, expected, eps, per_array=True))
            n += 1
        seed += 1
    return k, k_array, n


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--draws", type=int, default=500)
    draws = parser.parse_args().draws
    print(f"K in force: {tolerance.K}\n")
    print(f"{'answer':<24}{'draws':>7}{'float32':>10}{'per-array':>11}{'float16':>10}{'s':>7}   (worst k, in eps)")
    overall = 0.0
    for index, (assignment, name) in enumerate((a, n) for a, names in ANSWERS.items() for n in names):
        start = time.perf_counter()
        k32, k_array, n = worst(assignment, name, draws, 10_000 * index, torch.float32)
        k16 = f"{worst(assignment, name, draws, 10_000 * index, torch.float16)[0]:.2f}" if name != "grad_cam" else "-"
        overall = max(overall, k32)
        print(f"{assignment + '.' + name:<24}{n:>7}{k32:>10.2f}{k_array:>11.2f}{k16:>10}"
              f"{time.perf_counter() - start:>7.1f}", flush=True)
    verdict = "ok" if tolerance.K >= 4 * overall else "TOO SMALL"
    print(f"\nworst float32: {overall:.3f} eps; K = {tolerance.K} is {tolerance.K / overall:.1f}x that ({verdict}, "
          "at least 4x needed)")


if __name__ == "__main__":
    main()
