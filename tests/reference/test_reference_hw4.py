"""hw4 references against independent computations: PyTorch, closed forms and Keras' own layers."""

import numpy as np
import pytest
import torch

from reference.hw4 import q5_dilated, q6_batchnorm, q6_statements

keras = pytest.importorskip("keras")


def _torch_rows(dilations=q5_dilated.DILATIONS):
    """Each row's (H, W, C) output and parameter count from torch, which allows stride with dilation."""
    x, rows = torch.zeros(1, 3, 256, 256, device="meta"), []
    for spec in q5_dilated.layer_specs(dilations):
        if spec["kind"] == "maxpool":
            layer = torch.nn.MaxPool2d(spec["kernel"], stride=spec["stride"])
        else:
            padding = spec["kernel"] // 2 if spec["padding"] == "same" else 0  # odd k, stride 1: 'same'
            layer = torch.nn.Conv2d(x.shape[1], spec["filters"], spec["kernel"], stride=spec["stride"],
                                    dilation=spec["dilation"], padding=padding, device="meta")
        x = layer(x)
        rows.append(([x.shape[2], x.shape[3], x.shape[1]], sum(p.numel() for p in layer.parameters())))
    return rows


def test_dilated_table_matches_torch_and_closed_form():
    t = q5_dilated.table()
    rows = t["rows"]
    assert [r[2:] for r in rows[:-1]] == [list(r) for r in _torch_rows()]
    n, c = 256, 3
    for spec, row in zip(q5_dilated.layer_specs(), rows):
        k, s, d = spec["kernel"], spec["stride"], spec.get("dilation", 1)
        n = -(-n // s) if spec.get("padding") == "same" else (n - d * (k - 1) - 1) // s + 1
        params = 0 if spec["kind"] == "maxpool" else k * k * c * spec["filters"] + spec["filters"]
        c = c if spec["kind"] == "maxpool" else spec["filters"]
        assert row[2:] == [[n, n, c], params]
    assert rows[-1] == ["total", "", None, 1261920] == ["total", "", None, sum(r[3] for r in rows[:-1])]


def test_dilated_table_known_values_and_ask():
    rows = {r[0]: r for r in q5_dilated.table()["rows"]}
    assert rows[2][2:] == [[124, 124, 32], 51232]   # effective kernel 9: (256 - 9) // 2 + 1
    assert rows[5][2:] == [[23, 23, 64], 204864]    # effective kernel 17: (62 - 17) // 2 + 1
    assert rows[9][2] == [1, 1, 128]
    t = q5_dilated.table()
    assert len(t["ask"]) == 19 and [9, "params"] in t["ask"] and t["key"] == "layer"


def test_keras_semantics_stated_in_the_rubric_are_real():
    with pytest.raises(ValueError, match="dilation"):
        keras.Sequential([keras.Input((256, 256, 3)), keras.layers.Conv2D(32, 5, strides=2, dilation_rate=2)])
    with pytest.raises(ValueError):  # the document's label, dilation 4 in block 3, fits no 11x11 input
        q5_dilated.table((2, 4, 4))
    assert _torch_rows((2, 4, 1))[7][0] == [4, 4, 128]  # another reading still builds: it is a parameter


@pytest.mark.parametrize("seed", range(8))
def test_forward_batchnorm_matches_keras(seed):
    kw = q6_batchnorm.draw(seed)
    got = q6_batchnorm.forward_batchnorm(**kw)
    layer = keras.layers.BatchNormalization(momentum=kw["momentum"], epsilon=kw["eps"], dtype="float64")
    layer.build((None, len(kw["gamma"])))
    layer.set_weights([np.asarray(kw[k]) for k in ("gamma", "beta", "running_mean", "running_var")])
    out = np.asarray(layer(np.asarray(kw["x"]), training=kw["training"]))
    np.testing.assert_allclose(got["out"], out, rtol=1e-9, atol=1e-9)
    np.testing.assert_allclose(got["running_mean"], layer.moving_mean.numpy(), rtol=1e-12)
    np.testing.assert_allclose(got["running_var"], layer.moving_variance.numpy(), rtol=1e-12)
    if not kw["training"]:
        assert got["running_mean"] == kw["running_mean"] and got["running_var"] == kw["running_var"]


@pytest.mark.parametrize("training", [True, False])
def test_forward_batchnorm_matches_torch(training):
    kw = {**q6_batchnorm.draw(3), "training": training}
    got = q6_batchnorm.forward_batchnorm(**kw)
    t = {k: torch.tensor(kw[k], dtype=torch.float64) for k in ("x", "gamma", "beta", "running_mean", "running_var")}
    out = torch.nn.functional.batch_norm(t["x"], t["running_mean"], t["running_var"], t["gamma"], t["beta"],
                                         training=training, momentum=1 - kw["momentum"], eps=kw["eps"])
    np.testing.assert_allclose(got["out"], out.numpy(), rtol=1e-9, atol=1e-9)
    np.testing.assert_allclose(got["running_mean"], t["running_mean"].numpy(), rtol=1e-12)
    if training:  # torch keeps the unbiased batch variance, Keras (and the rubric) the biased one
        n, m, old = len(kw["x"]), kw["momentum"], np.asarray(kw["running_var"])
        unbiased = (t["running_var"].numpy() - m * old) / (1 - m)
        np.testing.assert_allclose(got["running_var"], m * old + (1 - m) * unbiased * (n - 1) / n, rtol=1e-9)


def test_draw_exercises_both_modes():
    assert [q6_batchnorm.draw(7, trial)["training"] for trial in range(4)] == [True, False, True, False]


def test_dense_batchnorm_params_match_torch_and_closed_form():
    got = q6_batchnorm.dense_batchnorm_params(10, 20)
    dense, norm = torch.nn.Linear(10, 20), torch.nn.BatchNorm1d(20)
    trainable = sum(p.numel() for m in (dense, norm) for p in m.parameters())
    non_trainable = norm.running_mean.numel() + norm.running_var.numel()
    assert got == {"dense": 10 * 20 + 20, "batchnorm": 4 * 20, "trainable": trainable,
                   "non_trainable": non_trainable, "total": trainable + non_trainable}
    assert got["total"] == 300 and got["trainable"] == 260


def _aten_ops(module: torch.nn.Module) -> int:
    """How many aten operators one training-mode batch of 32 runs through `module`."""
    with torch.profiler.profile(activities=[torch.profiler.ProfilerActivity.CPU]) as prof:
        module.train()(torch.randn(32, 10))
    return sum(e.name.startswith("aten::") for e in prof.events())


def test_statements_agree_with_torch_and_numpy():
    t = q6_statements.table()
    assert t["rows"] == [["s1", "false"], ["s2", "true"]] and t["key"] == "statement"
    dense = torch.nn.Linear(10, 20)
    # s1: a training batch through Linear + BatchNorm runs more kernels than through Linear alone
    assert _aten_ops(torch.nn.Sequential(dense, torch.nn.BatchNorm1d(20))) > _aten_ops(dense)
    # s2: standardizing each feature makes the per-feature spread equal
    x = np.random.default_rng(1).normal(0, np.logspace(-1, 2, 4), (500, 4))
    z = (x - x.mean(0)) / x.std(0)
    assert np.ptp(z.std(0)) < 1e-12 < np.ptp(x.std(0))
