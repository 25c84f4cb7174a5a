"""Exercises 14-15: autograd references against the factorised and convolution formulas."""
import numpy as np
import pytest
from scipy.signal import correlate, correlate2d, convolve, convolve2d

from reference.hw3 import ex14_separable as ex14
from reference.hw3 import ex15_conv1d_grad as ex15

SEEDS = [0, 1, 7]


@pytest.mark.parametrize("seed", SEEDS)
def test_separable_is_depthwise_then_pointwise(seed):
    x = ex14.draw_separable(seed)
    H, D, P, B = (np.asarray(x[k]) for k in ("H", "depthwise", "pointwise", "bias"))
    depth = np.stack([correlate2d(H[j], D[j], mode="valid") for j in range(3)])
    expected = np.einsum("ij,jhw->ihw", P, depth) + B[:, None, None]
    assert np.allclose(ex14.separable_conv(**x), expected)


def rank1_by_formula(H, a, b, c, d, G):
    """Fewest operations: S = Σ_j b_j H_j, U = (S ⋆ c along rows) ⋆ d along columns, Z_i = a_i U."""
    S = np.einsum("j,jhw->hw", b, H)
    U = correlate2d(correlate2d(S, c[:, None], mode="valid"), d[None, :], mode="valid")
    Z = a[:, None, None] * U
    GU = np.einsum("i,ihw->hw", a, G)                          # dL/dU
    dS = convolve2d(convolve2d(GU, d[None, :]), c[:, None])    # full convolutions back through the 1-D filters
    grads = {"a": np.einsum("ihw,hw->i", G, U), "b": np.einsum("jhw,hw->j", H, dS),
             "H": b[:, None, None] * dS}
    Sc = correlate2d(S, d[None, :], mode="valid")              # S filtered along columns only
    grads["c"] = np.array([np.sum(GU * Sc[l:l + GU.shape[0]]) for l in range(len(c))])
    Sd = correlate2d(S, c[:, None], mode="valid")
    grads["d"] = np.array([np.sum(GU * Sd[:, k:k + GU.shape[1]]) for k in range(len(d))])
    return Z, grads


@pytest.mark.parametrize("seed", SEEDS)
def test_rank1_formula_matches_autograd(seed):
    x = {k: np.asarray(v) for k, v in ex14.draw_rank1(seed).items()}
    ref = ex14.rank1_conv(**x)
    Z, grads = rank1_by_formula(**x)
    assert np.allclose(ref["Z"], Z)
    for key, value in grads.items():
        assert np.allclose(ref[key], value), key


@pytest.mark.parametrize("seed", SEEDS)
def test_plain_conv_backward_by_correlation(seed):
    x = {k: np.asarray(v) for k, v in ex14.draw_conv(seed).items()}
    ref = ex14.conv_backward(**x)
    H, W, G = x["H"], x["W"], x["G"]
    dW = np.stack([np.stack([correlate2d(H[j], G[i], mode="valid") for j in range(2)]) for i in range(3)])
    dH = np.stack([sum(convolve2d(G[i], W[i, j]) for i in range(3)) for j in range(2)])
    assert np.allclose(ref["W"], dW) and np.allclose(ref["H"], dH)
    assert np.allclose(ref["bias"], G.sum(axis=(1, 2)))


@pytest.mark.parametrize("seed", SEEDS)
def test_conv1d_gradients_are_convolutions(seed):
    x = {k: np.asarray(v) for k, v in ex15.draw(seed).items()}
    ref = ex15.conv1d_grads(**x)
    assert np.allclose(ref["w"], correlate(x["h"], x["g"], mode="valid"))
    assert np.allclose(ref["h"], convolve(x["g"], x["w"], mode="full"))
