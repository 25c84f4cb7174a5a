"""Hand-written backprop of hw3 exercise 3 against torch autograd and torch.optim.SGD."""

import numpy as np
import pytest
import torch

from reference.hw3 import ex3_conv_pool as ex3

RANDOM_WEIGHT = np.random.default_rng(3).normal(0.0, 0.1, (1, 2, 2)).tolist()
RANDOM_BIAS = np.random.default_rng(4).normal(0.0, 0.1, 1).tolist()


def _torch_step(pool: str, weight, bias, lr: float = 1e-4) -> dict:
    conv = torch.nn.Conv1d(2, 1, kernel_size=2, padding=0, stride=1).double()
    with torch.no_grad():
        conv.weight.copy_(torch.tensor(weight, dtype=torch.float64))
        conv.bias.copy_(torch.tensor(bias, dtype=torch.float64))
    pooling = torch.nn.AvgPool1d(2, stride=1) if pool == "avg" else torch.nn.MaxPool1d(2, stride=1)
    model = torch.nn.Sequential(conv, pooling)
    opt = torch.optim.SGD(model.parameters(), lr=lr)
    out1, out2 = (model(torch.tensor([d], dtype=torch.float64)) for d in (ex3.DATA1, ex3.DATA2))
    loss = torch.linalg.vector_norm(out2 - out1)
    opt.zero_grad()
    loss.backward()
    result = {
        "out1": out1.flatten().tolist(),
        "out2": out2.flatten().tolist(),
        "loss": loss.item(),
        "grad_weight": conv.weight.grad.tolist(),
        "grad_bias": conv.bias.grad.tolist(),
    }
    opt.step()
    return result | {"weight": conv.weight.tolist(), "bias": conv.bias.tolist()}


@pytest.mark.parametrize("pool", ["avg", "max"])
@pytest.mark.parametrize("weights", [(ex3.WEIGHT, ex3.BIAS), (RANDOM_WEIGHT, RANDOM_BIAS)])
def test_one_step_matches_torch(pool, weights):
    weight, bias = weights
    ours = ex3.one_step(pool, weight=weight, bias=bias)
    expected = _torch_step(pool, weight, bias)
    assert ours.keys() == expected.keys()
    for key, value in expected.items():
        assert np.allclose(ours[key], value, rtol=0, atol=1e-13), key
    assert len(ours["out1"]) == len(ours["out2"]) == 2


def test_pools_differ_and_step_moves_weights():
    avg, mx = ex3.one_step("avg"), ex3.one_step("max")
    assert avg["grad_weight"] != mx["grad_weight"]
    assert avg["weight"] != [[list(row) for row in ex3.WEIGHT[0]]]


def test_unknown_pool_is_rejected():
    with pytest.raises(ValueError):
        ex3.one_step("min")
