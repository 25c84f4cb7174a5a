"""Exercise 15: the gradients of a 1-D convolution are themselves convolutions.

For z = h ⋆ w (valid cross-correlation, as torch's conv1d), dL/dw = h ⋆ g (valid) and
dL/dh = g * w (full convolution, i.e. correlation with the flipped kernel over a zero-padded
g). The expected values here come from autograd; the test checks the convolution forms.
"""
import numpy as np
import torch
import torch.nn.functional as F


def draw(seed: int) -> dict:
    """A layer k of length 6, a kernel of length 3 and dL/dz of length 4."""
    rng = np.random.default_rng(seed)
    return {"h": rng.normal(size=6).tolist(), "w": rng.normal(size=3).tolist(), "g": rng.normal(size=4).tolist()}


def conv1d_grads(h, w, g) -> dict:
    """dL/dh and dL/dw for L = Σ g ⊙ (h ⋆ w)."""
    h, w, g = (torch.as_tensor(np.asarray(v, dtype=np.float64)).requires_grad_() for v in (h, w, g))
    (F.conv1d(h[None, None], w[None, None])[0, 0] * g).sum().backward()
    return {"h": h.grad.tolist(), "w": w.grad.tolist()}
