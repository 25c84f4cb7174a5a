"""Reference run for question 3d: CIFAR-10 on a frozen ResNet50 backbone in Keras.

`python -m reference.hw5v.train_q3d_resnet --data DIR [--weights imagenet|FILE] [--epochs 3] [--limit N]`
builds `q3d_resnet.build_model` with the backbone's pretrained weights (`imagenet` needs Keras's
download cache or the internet; a `.h5` file of ResNet50 "notop" weights works offline), feeds it
CIFAR-10 through `keras.applications.resnet50.preprocess_input`, trains the head with Adam and
categorical cross-entropy, validating on the test split, and writes the history with the
trainable and non-trainable counts, seed, device and time. CIFAR-10 is not bundled, so the rubric
checks the counts (`q3d_resnet.params`), not a saved model.
"""
import argparse
import json
import time
from pathlib import Path

from grader.models import datasets
from reference.hw5v.q3d_resnet import CLASSES, INPUT


def main(argv: list[str] | None = None) -> dict:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data", type=Path, required=True, help="folder holding cifar-10-batches-py")
    parser.add_argument("--weights", default="imagenet")
    parser.add_argument("--epochs", type=int, default=3)
    parser.add_argument("--limit", type=int, default=None)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--out", type=Path, default=Path("q3d_resnet.json"))
    args = parser.parse_args(argv)
    import keras
    import numpy as np
    import tensorflow as tf

    def arrays(split):
        s = datasets.load("cifar10", split, args.data)
        x = keras.applications.resnet50.preprocess_input(s.x[: args.limit].astype("float32"))
        return x, np.eye(CLASSES, dtype="float32")[s.y[: args.limit]]

    keras.utils.set_random_seed(args.seed)
    backbone = keras.applications.ResNet50(include_top=False, weights=args.weights or None, input_shape=INPUT)
    backbone.trainable = False
    model = keras.Sequential([keras.Input(INPUT), backbone, keras.layers.GlobalAveragePooling2D(),
                              keras.layers.Dense(CLASSES, activation="softmax")])
    model.compile(optimizer="adam", loss="categorical_crossentropy", metrics=["accuracy"])
    start = time.monotonic()
    history = model.fit(*arrays("train"), validation_data=arrays("test"), epochs=args.epochs, batch_size=64,
                        verbose=0)
    record = {"history": {k: [float(v) for v in vals] for k, vals in history.history.items()},
              "trainable": sum(int(w.numpy().size) for w in model.trainable_weights),
              "non_trainable": sum(int(w.numpy().size) for w in model.non_trainable_weights),
              "weights": str(args.weights), "seed": args.seed, "epochs": args.epochs,
              "seconds": round(time.monotonic() - start, 2),
              "device": "gpu" if tf.config.list_physical_devices("GPU") else "cpu", "keras": keras.__version__}
    args.out.write_text(json.dumps(record, indent=1))
    return record


if __name__ == "__main__":
    print(main()["history"]["val_accuracy"])
