"""hw11 experiment references: the word2vec pairs against offsets and a closed form, the embedding run."""
import json

import numpy as np
import pytest

from reference.hw4 import q7_grad_cam
from reference.hw11 import q2_pairs, q3_grad_cam


def test_pairs_follow_the_tutorial_order():
    assert q2_pairs.context_pairs([1, 2, 3], 2) == [[1, 2], [1, 3], [2, 3], [2, 1], [3, 2], [3, 1]]
    assert q2_pairs.context_pairs([5], 2) == []


@pytest.mark.parametrize("seed", range(6))
def test_pairs_are_every_offset_within_the_window(seed):
    args = q2_pairs.draw(seed, seed % 3)
    s, w = np.asarray(args["sentence"]), args["window"]
    expected = sorted((int(s[i]), int(s[i + d])) for d in range(-w, w + 1) if d
                      for i in range(len(s)) if 0 <= i + d < len(s))
    pairs = q2_pairs.context_pairs(s, w)
    assert sorted(map(tuple, pairs)) == expected
    n = len(s)
    assert len(pairs) == q2_pairs.pair_count(n, w) == 2 * (n * w - w * (w + 1) // 2)  # n > w here


def test_grad_cam_is_homework_4s():
    for seed in (0, 1):
        drawn = q3_grad_cam.draw(seed, trial=seed)
        assert drawn.keys() == q7_grad_cam.draw(seed, trial=seed).keys()
        assert q3_grad_cam.grad_cam(**drawn) == q7_grad_cam.grad_cam(**drawn)


def test_embedding_run_logs_the_loss_and_two_dimensional_vectors(tmp_path):
    pytest.importorskip("keras")
    from reference.hw11 import train_q2_embeddings

    text = tmp_path / "news.txt"
    text.write_text("Iraq and Kuwait pump 3 mln barrels of crude oil.\nOil and gas prices rose, said OPEC.\n"
                    "Kuwait sells gas and crude oil to Japan.\n", encoding="utf-8")
    record = train_q2_embeddings.main(["--data", str(text), "--epochs", "3", "--out", str(tmp_path / "out")])
    assert len(record["loss"]) == 3 and record["loss"][-1] < record["loss"][0]
    assert "mln" not in record["vectors"] and "and" not in record["vectors"] and "3" not in record["vectors"]
    assert {"oil", "gas", "iraq", "kuwait"} <= set(record["vectors"])
    assert all(len(v) == 2 for v in record["vectors"].values())
    assert json.loads((tmp_path / "out" / "embeddings.json").read_text())["seed"] == 0
    assert (tmp_path / "out" / "words.png").read_bytes()[:4] == b"\x89PNG"
