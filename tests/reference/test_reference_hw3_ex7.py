"""hw3 exercise 7: autograd gradients agree with the hand-written numpy backward pass."""

import numpy as np
import pytest

from reference.hw3 import ex7_iris as ex7

SHAPES = {"W1": (5, 4), "b1": (5,), "W2": (5, 5), "b2": (5,), "W3": (5, 5), "b3": (5,), "W4": (3, 5), "b4": (3,)}


@pytest.mark.parametrize("seed", [0, 1, 2, 7, 42])
def test_autograd_matches_manual(seed):
    inputs = ex7.draw_inputs(seed)
    auto = ex7.gradients(inputs["params"], inputs["X"], inputs["y"])
    manual = ex7.manual_gradients(inputs["params"], inputs["X"], inputs["y"])
    assert list(auto) == list(manual) == list(SHAPES)
    for key, shape in SHAPES.items():
        assert np.shape(auto[key]) == np.shape(manual[key]) == shape
        assert np.allclose(auto[key], manual[key], rtol=0, atol=1e-10), key
    assert max(np.abs(auto[k]).max() for k in SHAPES) > 1e-3  # not a degenerate all-zero case


def test_draw_inputs_is_deterministic_and_seeded():
    a, b, c = ex7.draw_inputs(5), ex7.draw_inputs(5), ex7.draw_inputs(6)
    assert a == b
    assert a["params"] != c["params"] and a["X"] != c["X"]


def test_draw_inputs_shapes():
    inputs = ex7.draw_inputs(0, n=12)
    assert {k: np.shape(v) for k, v in inputs["params"].items()} == SHAPES
    assert np.shape(inputs["X"]) == (12, 4)
    assert len(inputs["y"]) == 12 and set(inputs["y"]) <= {0, 1, 2}
    assert all(isinstance(v, int) for v in inputs["y"])
