"""Reference run for question 5: a U-Net on a MobileNetV2 encoder, as in TensorFlow's segmentation tutorial.

`python -m reference.hw5v.train_q5_unet --data DIR [--classes 3] [--weights imagenet|none] [--epochs 5]`
reads `DIR/images/NAME.(png|jpg)` and `DIR/masks/NAME.png` (mask pixels are class indices, as in
the Oxford-IIIT Pet trimaps once 1 is subtracted: pass `--mask-offset 1`), resizes to 128×128,
scales images to [0, 1], splits 80/20, and trains `q5_unet.encoder` (frozen) with a decoder of
Conv2DTranspose(·, 3, stride 2) + batch norm + ReLU blocks of 512, 256, 128, 64 filters,
each concatenated with the matching skip, and a last Conv2DTranspose to `--classes` logits
(sparse cross-entropy, Adam). It writes the history, the pixel accuracy and mean IoU on the
held-out 20 %, with seed, device and time. The data set is not bundled, so the rubric checks the
encoder's skip shapes (`q5_unet.table`), not a saved model.
"""
import argparse
import json
import time
from pathlib import Path

import numpy as np

from reference.hw5v.q5_unet import INPUT, SKIPS


def load(folder: Path, offset: int) -> tuple[np.ndarray, np.ndarray]:
    import tensorflow as tf

    images, masks = [], []
    for image_path in sorted((folder / "images").iterdir()):
        mask_path = folder / "masks" / f"{image_path.stem}.png"
        if not mask_path.is_file():
            continue
        image = tf.image.decode_image(image_path.read_bytes(), channels=3, expand_animations=False)
        mask = tf.image.decode_png(mask_path.read_bytes(), channels=1)
        images.append(tf.image.resize(image, INPUT[:2]).numpy() / 255.0)
        masks.append(tf.image.resize(mask, INPUT[:2], method="nearest").numpy().astype("int32") - offset)
    return np.stack(images).astype("float32"), np.stack(masks)


def unet(classes: int, weights: str | None):
    import keras
    from keras import layers

    base = keras.applications.MobileNetV2(input_shape=INPUT, include_top=False, weights=weights)
    down = keras.Model(base.input, [base.get_layer(name).output for name in SKIPS])
    down.trainable = False
    inputs = keras.Input(INPUT)
    *skips, x = down(inputs)
    for filters, skip in zip((512, 256, 128, 64), reversed(skips)):
        x = layers.Conv2DTranspose(filters, 3, strides=2, padding="same", use_bias=False)(x)
        x = layers.ReLU()(layers.BatchNormalization()(x))
        x = layers.Concatenate()([x, skip])
    outputs = layers.Conv2DTranspose(classes, 3, strides=2, padding="same")(x)
    return keras.Model(inputs, outputs)


def mean_iou(predicted: np.ndarray, truth: np.ndarray, classes: int) -> float:
    ious = []
    for c in range(classes):
        union = np.logical_or(predicted == c, truth == c).sum()
        if union:
            ious.append(np.logical_and(predicted == c, truth == c).sum() / union)
    return float(np.mean(ious))


def main(argv: list[str] | None = None) -> dict:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data", type=Path, required=True, help="folder with images/ and masks/")
    parser.add_argument("--classes", type=int, default=3)
    parser.add_argument("--mask-offset", type=int, default=0)
    parser.add_argument("--weights", default="imagenet", help="imagenet, none, or a weights file")
    parser.add_argument("--epochs", type=int, default=5)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--out", type=Path, default=Path("q5_unet.json"))
    args = parser.parse_args(argv)
    import keras
    import tensorflow as tf

    x, y = load(args.data, args.mask_offset)
    keras.utils.set_random_seed(args.seed)
    order = np.random.default_rng(args.seed).permutation(len(x))
    cut = int(0.8 * len(x))
    train, test = order[:cut], order[cut:]
    model = unet(args.classes, None if args.weights == "none" else args.weights)
    model.compile(optimizer="adam", loss=keras.losses.SparseCategoricalCrossentropy(from_logits=True),
                  metrics=["accuracy"])
    start = time.monotonic()
    history = model.fit(x[train], y[train], validation_data=(x[test], y[test]), epochs=args.epochs,
                        batch_size=16, verbose=0)
    predicted = model.predict(x[test], verbose=0).argmax(-1)
    truth = y[test][..., 0]
    record = {"history": {k: [float(v) for v in vals] for k, vals in history.history.items()},
              "pixel_accuracy": float((predicted == truth).mean()),
              "mean_iou": mean_iou(predicted, truth, args.classes), "images": len(x), "seed": args.seed,
              "epochs": args.epochs, "weights": args.weights, "seconds": round(time.monotonic() - start, 2),
              "device": "gpu" if tf.config.list_physical_devices("GPU") else "cpu", "keras": keras.__version__}
    args.out.write_text(json.dumps(record, indent=1))
    return record


if __name__ == "__main__":
    result = main()
    print(result["pixel_accuracy"], result["mean_iou"])
