"""hw5 references against independent computations: torch/scipy for the convolution, closed-form
size and parameter formulas for the two layer tables, and the rubric's given cell."""

import math
from pathlib import Path

import numpy as np
import pytest
import torch
import torch.nn.functional as F
import yaml
from scipy.signal import convolve2d, correlate2d

from reference.hw5 import q1e_conv, q2e_lenet, q4_transfer

RUBRIC = yaml.safe_load((Path(__file__).resolve().parents[2] / "rubrics" / "hw5.yaml").read_text(encoding="utf-8"))


def _question(qid: str) -> dict:
    return next(q for q in RUBRIC["questions"] if q["id"] == qid)


def test_setup_cell_gives_the_reference_matrices():
    given: dict = {}
    exec(_question("q1e")["setup"], given)  # noqa: S102 - the rubric's own cell
    np.testing.assert_array_equal(given["image"], q1e_conv.IMAGE)
    np.testing.assert_array_equal(given["kernel"], q1e_conv.KERNEL)


def test_conv_matches_torch_and_scipy():
    x = torch.tensor(q1e_conv.IMAGE, dtype=torch.float64)[None, None]
    w = torch.tensor(q1e_conv.KERNEL, dtype=torch.float64)[None, None]
    expected = F.conv2d(x, w, padding=1)[0, 0].numpy()
    np.testing.assert_array_equal(q1e_conv.output(), expected)
    np.testing.assert_array_equal(q1e_conv.output(), correlate2d(q1e_conv.IMAGE, q1e_conv.KERNEL, mode="same"))
    assert q1e_conv.output() == [[2, -1, -6], [4, -3, -5], [1, -2, -4]]


def test_flipped_kernel_gives_another_answer():
    """The cross-correlation assumption matters: the textbook (flipped) convolution differs."""
    flipped = convolve2d(q1e_conv.IMAGE, q1e_conv.KERNEL, mode="same")
    assert not np.array_equal(flipped, q1e_conv.output())


@pytest.mark.parametrize("seed", range(3))
def test_conv_other_sizes_strides_and_paddings(seed):
    rng = np.random.default_rng(seed)
    image, kernel = rng.integers(-3, 4, (6, 5)), rng.integers(-3, 4, (3, 3))
    for padding, stride in [(0, 1), (1, 2), (2, 1)]:
        got = q1e_conv.output(image.tolist(), kernel.tolist(), padding=padding, stride=stride)
        want = F.conv2d(torch.tensor(image, dtype=torch.float64)[None, None],
                        torch.tensor(kernel, dtype=torch.float64)[None, None], stride=stride, padding=padding)
        np.testing.assert_array_equal(got, want[0, 0].numpy())


def _closed_form_lenet() -> list[tuple[list[int], int]]:
    """(H x W x C shape, params) per layer from out = (n + 2p - k)/s + 1 and (k*k*c_in + 1)*c_out."""
    n, c, rows = 32, 1, []
    for kind in ["conv", "pool", "conv", "pool"]:
        if kind == "conv":
            params, n, c = (5 * 5 * c + 1) * 10, (n + 2 * 2 - 5) // 1 + 1, 10
        else:
            params, n = 0, (n - 2) // 2 + 1
        rows.append(([n, n, c], params))
    rows.append(([10], (n * n * c + 1) * 10))
    return rows


def test_lenet_table_matches_closed_form():
    t = q2e_lenet.table()
    assert t["columns"] == ["layer", "name", "output", "memory", "params"] and t["key"] == "layer"
    rows = [dict(zip(t["columns"], r)) for r in t["rows"]]
    assert rows[0] == {"layer": 1, "name": "input", "output": [32, 32, 1], "memory": 1024, "params": 0}
    for row, (shape, params) in zip(rows[1:], _closed_form_lenet()):
        assert row["output"] == shape and row["memory"] == math.prod(shape) and row["params"] == params
    assert [r["params"] for r in rows] == [0, 260, 0, 2510, 0, 6410]
    assert [r["memory"] for r in rows] == [1024, 10240, 2560, 2560, 640, 10]


def test_lenet_asks_every_cell_but_the_given_input():
    t = q2e_lenet.table()
    assert len(t["ask"]) == 16 and [0, "memory"] in t["ask"]
    assert [0, "output"] not in t["ask"] and [0, "params"] not in t["ask"]


def test_keras_table_matches_closed_form():
    t = q4_transfer.table()
    rows = [dict(zip(t["columns"], r)) for r in t["rows"]]
    n, c = 32, 3
    n, conv1 = n - 4 + 1, (4 * 4 * c + 1) * 32
    assert (rows[0]["output"], rows[0]["params"]) == ([n, n, 32], conv1)
    n //= 2
    assert (rows[1]["output"], rows[1]["params"]) == ([n, n, 32], 0)
    n, conv2 = n - 4 + 1, (4 * 4 * 32 + 1) * 32
    assert (rows[2]["output"], rows[2]["params"]) == ([n, n, 32], conv2)
    n //= 2
    flat = n * n * 32
    assert (rows[3]["output"], rows[4]["output"]) == ([n, n, 32], [flat])
    assert (rows[5]["output"], rows[5]["params"]) == ([256], (flat + 1) * 256)
    assert (rows[6]["output"], rows[6]["params"]) == ([5], (256 + 1) * 5)
    assert flat == 800 and len(t["ask"]) == 14
    assert q4_transfer.frozen_params() == conv1 + conv2 == 17984
