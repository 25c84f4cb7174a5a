"""Reference run for question 4: transfer learning between the two halves of CIFAR-10 in Keras.

`python -m reference.hw5.train_q4_transfer --data DIR [--epochs 2] [--limit N] [--out q4_runs.json]`
trains `q4_transfer.build_model` (the statement's network) on classes 0–4, then freezes its first
five layers, replaces the two Dense layers with new Dense(128, relu) and Dense(5, softmax) and
trains on classes 5–9 (labels shifted to 0–4). Both runs use Adam and categorical cross-entropy
and hold out the test split's images of their classes for validation. It writes the validation
accuracy of every epoch and the training time of each run, the trainable and frozen parameter
counts of the second network, with seed, device and time. CIFAR-10 is not bundled, so the
rubric checks the two logged runs (an experiment check), not a saved model.
"""
import argparse
import json
import time
from pathlib import Path

import numpy as np

from grader.models import datasets
from reference.hw5.q4_transfer import FROZEN, N_CLASSES, build_model


def half(split, first: bool, limit: int | None) -> tuple[np.ndarray, np.ndarray]:
    keep = split.y < N_CLASSES if first else split.y >= N_CLASSES
    x, y = split.x[keep][:limit], split.y[keep][:limit] % N_CLASSES
    return x.astype("float32") / 255.0, np.eye(N_CLASSES, dtype="float32")[y]


def second_network(first):
    """The first network's five frozen layers under a new two-layer head."""
    import keras
    from keras import layers

    for layer in first.layers[:FROZEN]:
        layer.trainable = False
    return keras.Sequential([keras.Input(first.input_shape[1:]), *first.layers[:FROZEN],
                             layers.Dense(128, activation="relu"), layers.Dense(N_CLASSES, activation="softmax")])


def fit(model, train, test, epochs: int) -> dict:
    model.compile(optimizer="adam", loss="categorical_crossentropy", metrics=["accuracy"])
    start = time.monotonic()
    history = model.fit(*train, validation_data=test, epochs=epochs, batch_size=64, verbose=0)
    return {"val_accuracy": [float(v) for v in history.history["val_accuracy"]],
            "seconds": round(time.monotonic() - start, 2)}


def main(argv: list[str] | None = None) -> dict:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data", type=Path, required=True, help="folder holding cifar-10-batches-py")
    parser.add_argument("--epochs", type=int, default=2)
    parser.add_argument("--limit", type=int, default=None, help="use only the first N images of each half")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--out", type=Path, default=Path("q4_runs.json"))
    args = parser.parse_args(argv)
    import keras
    import tensorflow as tf

    train, test = datasets.load("cifar10", "train", args.data), datasets.load("cifar10", "test", args.data)
    keras.utils.set_random_seed(args.seed)
    first = build_model()
    runs = {"first": fit(first, half(train, True, args.limit), half(test, True, args.limit), args.epochs)}
    second = second_network(first)
    runs["second"] = fit(second, half(train, False, args.limit), half(test, False, args.limit), args.epochs)
    record = {"runs": runs, "seed": args.seed, "epochs": args.epochs,
              "device": "gpu" if tf.config.list_physical_devices("GPU") else "cpu",
              "trainable": int(sum(w.numpy().size for w in second.trainable_weights)),
              "frozen": int(sum(w.numpy().size for w in second.non_trainable_weights)), "keras": keras.__version__}
    args.out.write_text(json.dumps(record, indent=1))
    return record


if __name__ == "__main__":
    for name, log in main()["runs"].items():
        print(name, log)
