"""Reference run for questions 3a–3b: a Keras CNN on CIFAR-10 for 10 epochs, without or with augmentation.

`python -m reference.hw5v.train_q3_cifar --data DIR [--augment] [--epochs 10] [--limit N] [--out FILE]`
trains Conv(32)·Conv(32)·Pool → Conv(64)·Conv(64)·Pool (3×3, same, ReLU, batch norm) → Dense(128)
→ Dense(10, softmax) with Adam and categorical cross-entropy on the data folder's CIFAR-10
(`cifar-10-batches-py`), validating on the test split; `--augment` puts RandomFlip("horizontal")
and RandomRotation(0.1) after the input, which act in training only. It writes the Keras history
(accuracy, val_accuracy, loss, val_loss per epoch) with seed, device and time: the four runs the
rubric's experiment checks ask the notebook to log. CIFAR-10 is not bundled, so no model check.
"""
import argparse
import json
import time
from pathlib import Path

from grader.models import datasets

KEYS = ("accuracy", "val_accuracy", "loss", "val_loss")


def build(augment: bool):
    import keras
    from keras import layers

    def block(filters: int) -> list:
        return [layers.Conv2D(filters, 3, padding="same", activation="relu"), layers.BatchNormalization(),
                layers.Conv2D(filters, 3, padding="same", activation="relu"), layers.BatchNormalization(),
                layers.MaxPooling2D(2)]

    extra = [layers.RandomFlip("horizontal"), layers.RandomRotation(0.1)] if augment else []
    model = keras.Sequential([keras.Input((32, 32, 3)), *extra, *block(32), *block(64), layers.Flatten(),
                              layers.Dense(128, activation="relu"), layers.Dropout(0.3),
                              layers.Dense(10, activation="softmax")])
    model.compile(optimizer="adam", loss="categorical_crossentropy", metrics=["accuracy"])
    return model


def main(argv: list[str] | None = None) -> dict:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data", type=Path, required=True, help="folder holding cifar-10-batches-py")
    parser.add_argument("--augment", action="store_true")
    parser.add_argument("--epochs", type=int, default=10)
    parser.add_argument("--limit", type=int, default=None, help="use only the first N images of each split")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--out", type=Path, default=None)
    args = parser.parse_args(argv)
    import keras
    import numpy as np
    import tensorflow as tf

    def arrays(split):
        s = datasets.load("cifar10", split, args.data)
        return s.x[: args.limit].astype("float32") / 255.0, np.eye(10, dtype="float32")[s.y[: args.limit]]

    train, test = arrays("train"), arrays("test")
    keras.utils.set_random_seed(args.seed)
    start = time.monotonic()
    history = build(args.augment).fit(*train, validation_data=test, epochs=args.epochs, batch_size=64, verbose=0)
    record = {"history": {k: [float(v) for v in history.history[k]] for k in KEYS}, "augment": args.augment,
              "seed": args.seed, "epochs": args.epochs, "seconds": round(time.monotonic() - start, 2),
              "device": "gpu" if tf.config.list_physical_devices("GPU") else "cpu", "keras": keras.__version__}
    out = args.out or Path(f"q3_cifar{'_augmented' if args.augment else ''}.json")
    out.write_text(json.dumps(record, indent=1))
    return record


if __name__ == "__main__":
    print(main()["history"]["val_accuracy"])
