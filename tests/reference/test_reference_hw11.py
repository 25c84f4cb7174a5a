"""hw11 question 1: the Keras-built table against closed-form formulas and the student's right numbers."""

import math

import numpy as np
import pytest

from reference.hw11 import q1_two_branch as q1


def closed_form(image_size: int, seq_len: int, vocab: int) -> list[tuple[list[int], int]]:
    """(output shape, parameter count) of layers 1..14 from the formulas, without Keras.

    valid convolution: n - k + 1, params (k*k*c_in + 1) * filters; 2x2 pooling: n // 2;
    Dense: (n_in + 1) * units; Embedding: vocab * dim (no bias);
    SimpleRNN: units * (units + dim) + units (input, recurrent kernels and one bias).
    """
    rows, n, c = [], image_size, 1
    for filters, k in ((64, 7), (128, 5), (256, 3)):
        params, n, c = (k * k * c + 1) * filters, n - k + 1, filters
        rows.append(([n, n, c], params))
        n //= 2
        rows.append(([n, n, c], 0))
    flat = n * n * c
    rows += [([flat], 0), ([128], (flat + 1) * 128)]
    rows += [([seq_len, 256], vocab * 256), ([128], 128 * (128 + 256) + 128), ([128], (128 + 1) * 128)]
    rows += [([256], 0), ([128], (256 + 1) * 128), ([vocab], (128 + 1) * vocab)]
    return rows


@pytest.fixture(scope="module")
def table() -> dict:
    return q1.table()


def test_table_matches_closed_form(table):
    assert [r[0] for r in table["rows"]] == list(range(1, 15))
    assert [(r[2], r[3]) for r in table["rows"]] == closed_form(30, 100, 1000)


def test_counts_match_the_weights_keras_allocates():
    model = q1.build_model()
    for n in range(1, 15):
        layer = model.get_layer(f"l{n}")
        assert layer.count_params() == sum(math.prod(w.shape) for w in layer.weights)
    assert len(model.get_layer("l9").weights) == 1  # Embedding: the lookup table only, no bias
    assert sorted(np.shape(w) for w in model.get_layer("l10").get_weights()) == [(128,), (128, 128), (256, 128)]
    assert model.count_params() == sum(count for _, count in closed_form(30, 100, 1000)) == 1019880


def test_the_students_right_numbers(table):
    params = {r[0]: r[3] for r in table["rows"]}
    # the arithmetic of the answer document for the layers it gets right
    assert params[1] == ((7 * 7 * 1) + 1) * 64 == 3200
    assert params[3] == ((64 * 25) + 1) * 128 == 204928
    assert params[5] == ((128 * 9) + 1) * 256 == 295168
    assert params[8] == params[13] == (256 + 1) * 128 == 32896
    assert params[10] == 1 * (128 * (128 + 256) + 128) == 49280
    assert params[11] == (128 + 1) * 128 == 16512
    assert params[14] == (128 + 1) * 1000 == 129000
    # and where it is wrong: an Embedding has no bias and no hidden layer
    assert params[9] == 256000 != (1000 + 1) * 256 + (256 + 1) * 1000
    assert table["rows"][0][2] == [24, 24, 64] and table["rows"][8][2] == [100, 256]


def test_every_shape_and_count_is_asked(table):
    assert table["key"] == "layer" and table["columns"] == ["layer", "type", "output", "params"]
    assert sorted(map(tuple, table["ask"])) == sorted((i, c) for i in range(14) for c in ("output", "params"))


def test_parameters_move_only_what_they_should():
    other = q1.table(image_size=54, seq_len=20, vocab=500)
    assert [(r[2], r[3]) for r in other["rows"]] == closed_form(54, 20, 500)
    assert other["rows"][6][2] == [4 * 4 * 256] and other["rows"][8][2] == [20, 256]
