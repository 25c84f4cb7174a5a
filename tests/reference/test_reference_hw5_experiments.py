"""hw5 experiment references: the networks' sizes against hand formulas, and the training scripts run."""
import json
from pathlib import Path

import numpy as np
import pytest
import yaml

from grader.models import datasets
from reference.hw5 import q3_networks, train_q3a_cifar

ROOT = Path(__file__).resolve().parents[2]


def _conv_pool(n: int, convs: int) -> int:
    for _ in range(convs):
        n = (n - 3 + 1) // 2  # valid 3x3 convolution, then 2x2 pooling with stride 2
    return n


def test_fc1_input_is_what_the_convolutions_leave():
    assert q3_networks.cifar_flatten_features() == 256 * _conv_pool(32, 3) ** 2 == 1024


def test_network_parameter_counts_match_the_formula():
    conv = lambda k, c, f: k * k * c * f + f  # noqa: E731
    dense = lambda i, o: i * o + o  # noqa: E731
    cifar = conv(3, 3, 64) + conv(3, 64, 128) + conv(3, 128, 256) + dense(1024, 128) + dense(128, 256) + dense(256, 10)
    assert sum(p.numel() for p in q3_networks.CifarNet(0.2).parameters()) == cifar
    mnist = conv(3, 1, 32) + conv(3, 32, 64) + dense(14 * 14 * 64, 128) + dense(128, 10)
    assert sum(p.numel() for p in q3_networks.MnistNet().parameters()) == mnist


def test_mnist_record_uses_the_rubrics_input_convention():
    record = json.loads((ROOT / "reference/hw5/records/q3b_mnist.json").read_text())
    rubric = yaml.safe_load((ROOT / "rubrics/hw5.yaml").read_text(encoding="utf-8"))
    options = next(a["options"] for q in rubric["questions"] for a in q["answers"] if a.get("name") == "q3b_model")
    assert record["job"]["input"] == options["input"] and record["job"]["format"] == options["format"]
    assert {"seed", "device", "seconds", "epochs"} <= set(record) and record["metrics"]["accuracy"] > 0.9


def test_augmentation_flips_and_crops_within_the_padding():
    import torch

    x = torch.arange(2 * 3 * 32 * 32, dtype=torch.float32).reshape(2, 3, 32, 32)
    out = train_q3a_cifar.augment(x, torch.Generator().manual_seed(0))
    assert out.shape == x.shape
    for image, source in zip(out, x):
        inside = image[image != 0]  # zero padding aside, every value comes from the image
        assert torch.isin(inside, source).all()


@pytest.fixture
def fake_cifar(tmp_path):
    rng = np.random.default_rng(0)
    for split, n in (("train", 40), ("test", 20)):
        datasets.write_cifar10(tmp_path, split, rng.integers(0, 256, (n, 32, 32, 3)), np.arange(n) % 10)
    return tmp_path


@pytest.mark.slow
def test_cifar_runs_log_loss_and_accuracy_per_epoch(fake_cifar, tmp_path):
    record = train_q3a_cifar.main(["--data", str(fake_cifar), "--epochs", "2", "--batch", "8",
                                   "--out", str(tmp_path / "runs.json")])
    assert set(record["runs"]) == {"no_dropout", "dropout"}
    for log in record["runs"].values():
        assert len(log["loss"]) == len(log["test_accuracy"]) == 2
        assert all(0 <= a <= 1 for a in log["test_accuracy"])
    assert json.loads((tmp_path / "runs.json").read_text())["device"] in ("cpu", "cuda")


@pytest.mark.slow
def test_transfer_runs_freeze_the_first_five_layers(fake_cifar, tmp_path):
    pytest.importorskip("keras")
    from reference.hw5 import q4_transfer, train_q4_transfer

    record = train_q4_transfer.main(["--data", str(fake_cifar), "--epochs", "2", "--out", str(tmp_path / "q4.json")])
    assert [len(record["runs"][k]["val_accuracy"]) for k in ("first", "second")] == [2, 2]
    assert record["frozen"] == q4_transfer.frozen_params()
    flat = q4_transfer.table()["rows"][4][2][0]  # the flatten layer's width
    assert record["trainable"] == flat * 128 + 128 + 128 * 5 + 5
