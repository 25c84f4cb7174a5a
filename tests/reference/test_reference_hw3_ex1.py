"""Hand-written backprop of hw3 exercise 1 against torch autograd and torch.optim."""

import pytest
import torch

from reference.hw3 import ex1_backprop as ex1

SWAPPED_EDGES = {  # another reading of the lost figure: x1 feeds h2 first, h1 via w4..w6
    "w1": ("x1", "h2"),
    "w2": ("x2", "h2"),
    "w3": ("x3", "h2"),
    "w4": ("x1", "h1"),
    "w5": ("x2", "h1"),
    "w6": ("x3", "h1"),
    "w7": ("h2", "o"),
    "w8": ("h1", "o"),
}
CASES = [
    {},
    {"edges": SWAPPED_EDGES},
    {"loss": "binary_cross_entropy"},
    {"edges": SWAPPED_EDGES, "loss": "binary_cross_entropy", "target": 1.0},
    {"weights": [-0.9, 0.2, 0.1, -0.6, 0.3, -0.8, 0.5, 0.7], "x": [0.5, -1.0, 2.0]},
]


def _torch_loss(w: torch.Tensor, edges, x, target, loss) -> torch.Tensor:
    """The same network evaluated with torch ops, written independently of the module."""
    act = {
        "h1": torch.tanh,
        "h2": lambda z: torch.nn.functional.leaky_relu(z, 0.2),
        "o": torch.sigmoid,
    }
    value = {n: torch.tensor(float(v), dtype=torch.float64) for n, v in zip(("x1", "x2", "x3"), x)}
    ordered = [edges[f"w{i + 1}"] for i in range(len(w))]
    for node in ("h1", "h2", "o"):
        value[node] = act[node](sum(w[i] * value[src] for i, (src, dst) in enumerate(ordered) if dst == node))
    o, t = value["o"], torch.tensor(target, dtype=torch.float64)
    if loss == "half_squared_error":
        return 0.5 * (o - t) ** 2
    return torch.nn.functional.binary_cross_entropy(o, t)


def _args(case: dict) -> dict:
    return {
        "edges": case.get("edges", ex1.DEFAULT_EDGES),
        "weights": case.get("weights", list(ex1.WEIGHTS)),
        "x": case.get("x", list(ex1.X)),
        "target": case.get("target", 0.0),
        "loss": case.get("loss", "half_squared_error"),
    }


def _torch_step(case: dict, make_optimizer) -> tuple[list[float], list[float], float]:
    """Gradients, weights after one optimizer step, and the loss, all from torch."""
    a = _args(case)
    w = torch.tensor(a["weights"], dtype=torch.float64, requires_grad=True)
    opt = make_optimizer([w])
    opt.zero_grad()
    loss = _torch_loss(w, a["edges"], a["x"], a["target"], a["loss"])
    loss.backward()
    grads = w.grad.tolist()
    opt.step()
    return grads, w.detach().tolist(), loss.item()


@pytest.mark.parametrize("case", CASES)
def test_gradients_and_steps_match_torch(case):
    grads, sgd, loss = _torch_step(case, lambda p: torch.optim.SGD(p, lr=0.1))
    _, adam, _ = _torch_step(case, lambda p: torch.optim.Adam(p, lr=0.1, betas=(0.9, 0.999), eps=1e-8))
    assert ex1.gradients(**case) == pytest.approx(grads, abs=1e-14)
    assert ex1.forward_values(**case)["loss"] == pytest.approx(loss, abs=1e-14)
    assert ex1.sgd_step(**case) == pytest.approx(sgd, abs=1e-14)
    assert ex1.adam_step(**case) == pytest.approx(adam, abs=1e-14)


def test_parameters_change_the_answer():
    base = ex1.gradients()
    assert ex1.gradients(edges=SWAPPED_EDGES) != pytest.approx(base)
    assert ex1.gradients(loss="binary_cross_entropy") != pytest.approx(base)


def test_default_forward_values():
    v = ex1.forward_values()
    assert v["h2"] == pytest.approx(1.8)  # 0.6*1.5 + 0.5 + 0.4, positive so LeakyReLU is identity
    assert 0 < v["o"] < 1 and v["loss"] == pytest.approx(0.5 * v["o"] ** 2)


def test_backward_edge_is_rejected():
    with pytest.raises(ValueError):
        ex1.gradients(edges={**ex1.DEFAULT_EDGES, "w7": ("o", "h1")})
