"""hw5v experiment references: ResNet50 and MobileNetV2 against published counts and strides, scripts run."""
import json

import numpy as np
import pytest

from grader.models import datasets

keras = pytest.importorskip("keras")

RESNET50_WITH_TOP = 25_636_712  # keras.applications' table: ResNet50, 25.6M parameters with its 1000-way top


@pytest.mark.slow
def test_frozen_resnet_counts_match_the_published_total():
    from reference.hw5v import q3d_resnet

    p = q3d_resnet.params()
    assert p["trainable"] == 2048 * 10 + 10  # only the Dense head trains
    assert p["non_trainable"] == RESNET50_WITH_TOP - (2048 * 1000 + 1000)
    assert p["total"] == p["trainable"] + p["non_trainable"]


def test_mobilenet_skip_shapes_follow_its_strides_and_expansions():
    from reference.hw5v import q5_unet

    # MobileNetV2: expansion 6 of the block's input channels (16, 24, 32, 96); block_16 projects to 320
    expected = [[64, 64, 6 * 16], [32, 32, 6 * 24], [16, 16, 6 * 32], [8, 8, 6 * 96], [4, 4, 320]]
    assert [row[1] for row in q5_unet.table()["rows"]] == expected


@pytest.mark.slow
def test_cifar_history_has_the_four_curves(tmp_path):
    from reference.hw5v import train_q3_cifar

    rng = np.random.default_rng(0)
    for split, n in (("train", 32), ("test", 16)):
        datasets.write_cifar10(tmp_path, split, rng.integers(0, 256, (n, 32, 32, 3)), np.arange(n) % 10)
    out = tmp_path / "h.json"
    record = train_q3_cifar.main(["--data", str(tmp_path), "--augment", "--epochs", "2", "--out", str(out)])
    assert {k: len(v) for k, v in record["history"].items()} == dict.fromkeys(train_q3_cifar.KEYS, 2)
    assert json.loads(out.read_text())["augment"] is True


@pytest.mark.slow
def test_unet_trains_on_images_and_masks(tmp_path):
    import tensorflow as tf

    from reference.hw5v import train_q5_unet

    rng = np.random.default_rng(0)
    for folder in ("images", "masks"):
        (tmp_path / folder).mkdir()
    for i in range(5):
        mask = np.zeros((40, 40, 1), np.uint8)
        mask[10:30, 10:30] = 1
        image = (rng.random((40, 40, 3)) * 80 + 120 * mask).astype(np.uint8)
        (tmp_path / "images" / f"{i}.png").write_bytes(tf.io.encode_png(image).numpy())
        (tmp_path / "masks" / f"{i}.png").write_bytes(tf.io.encode_png(mask).numpy())
    out = tmp_path / "unet.json"
    record = train_q5_unet.main(["--data", str(tmp_path), "--classes", "2", "--weights", "none", "--epochs", "1",
                                 "--out", str(out)])
    assert record["images"] == 5 and 0 <= record["pixel_accuracy"] <= 1 and 0 <= record["mean_iou"] <= 1
    assert train_q5_unet.mean_iou(np.array([0, 1, 1]), np.array([0, 1, 0]), 2) == pytest.approx((1 / 2 + 1 / 2) / 2)
