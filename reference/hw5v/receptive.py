"""Receptive fields by the standard recursion r_out = r_in + (k - 1) * j_in, j_out = j_in * s.

Kept apart from the networks so that every question uses one rule, and so that the tests can
check the rule itself against the support of an autograd gradient.
"""
from __future__ import annotations

Field = tuple[int, int]  # (receptive field side r, jump j) on the input grid

INPUT: Field = (1, 1)


def step(field: Field, kernel: int, stride: int = 1, dilation: int = 1) -> Field:
    """The field after one sliding-window layer (dilation widens the kernel to d*(k-1)+1)."""
    r, j = field
    return r + dilation * (kernel - 1) * j, j * stride


def merge(fields: list[Field]) -> Field:
    """The field of a concatenation or sum: the widest branch (the branches must share a jump)."""
    jumps = {j for _, j in fields}
    if len(jumps) != 1:
        raise ValueError(f"branches with different jumps {sorted(jumps)} cannot be merged")
    return max(r for r, _ in fields), jumps.pop()
