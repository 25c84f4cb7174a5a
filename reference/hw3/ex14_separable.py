"""Exercise 14: separable and rank-one convolutions, forward and gradients.

Conventions as torch's conv2d (cross-correlation, no padding, stride 1): H is (C, h, w),
a full kernel W is (N, C, L, K). The grader draws inputs per run; the expected values are
computed here with autograd on the plain (full-kernel) convolution, so they are independent
of the factorised formulas a student derives.
"""
import numpy as np
import torch
import torch.nn.functional as F


def _t(x) -> torch.Tensor:
    return torch.as_tensor(np.asarray(x, dtype=np.float64))


def draw_separable(seed: int) -> dict:
    """H (3, 6, 7), depth-wise kernels (3, 3, 3), point-wise weights (4, 3), bias (4,)."""
    rng = np.random.default_rng(seed)
    return {"H": rng.normal(size=(3, 6, 7)).tolist(), "depthwise": rng.normal(size=(3, 3, 3)).tolist(),
            "pointwise": rng.normal(size=(4, 3)).tolist(), "bias": rng.normal(size=4).tolist()}


def separable_conv(H, depthwise, pointwise, bias) -> list:
    """Z(i) = Σ_j P(i, j) · (D(j) ⋆ H(j)) + B(i): each channel filtered alone, then mixed by 1×1."""
    H, D, P, B = _t(H), _t(depthwise), _t(pointwise), _t(bias)
    depth = F.conv2d(H[None], D[:, None], groups=H.shape[0])
    return F.conv2d(depth, P[:, :, None, None], B)[0].tolist()


def draw_rank1(seed: int) -> dict:
    """H (3, 7, 6) and the factors a (4), b (3), c (3), d (2) of W = a ⊗ b ⊗ c ⊗ d, and dL/dZ."""
    rng = np.random.default_rng(seed)
    return {"H": rng.normal(size=(3, 7, 6)).tolist(), "a": rng.normal(size=4).tolist(),
            "b": rng.normal(size=3).tolist(), "c": rng.normal(size=3).tolist(), "d": rng.normal(size=2).tolist(),
            "G": rng.normal(size=(4, 5, 5)).tolist()}


def rank1_conv(H, a, b, c, d, G) -> dict:
    """Z for W_ijlk = a_i b_j c_l d_k, and the gradients of L = Σ G ⊙ Z w.r.t. a, b, c, d, H."""
    H, a, b, c, d, G = (_t(v).requires_grad_() for v in (H, a, b, c, d, G))
    W = torch.einsum("i,j,l,k->ijlk", a, b, c, d)
    Z = F.conv2d(H[None], W)[0]
    (Z * G).sum().backward()
    return {"Z": Z.detach().tolist(), "a": a.grad.tolist(), "b": b.grad.tolist(), "c": c.grad.tolist(),
            "d": d.grad.tolist(), "H": H.grad.tolist()}


def draw_conv(seed: int) -> dict:
    """H (2, 5, 5), W (3, 2, 3, 3), bias (3,) and dL/dZ (3, 3, 3)."""
    rng = np.random.default_rng(seed)
    return {"H": rng.normal(size=(2, 5, 5)).tolist(), "W": rng.normal(size=(3, 2, 3, 3)).tolist(),
            "bias": rng.normal(size=3).tolist(), "G": rng.normal(size=(3, 3, 3)).tolist()}


def conv_backward(H, W, bias, G) -> dict:
    """Gradients of L = Σ G ⊙ conv2d(H, W, bias) w.r.t. W, bias and H (part د)."""
    H, W, bias, G = (_t(v).requires_grad_() for v in (H, W, bias, G))
    (F.conv2d(H[None], W, bias)[0] * G).sum().backward()
    return {"W": W.grad.tolist(), "bias": bias.grad.tolist(), "H": H.grad.tolist()}
