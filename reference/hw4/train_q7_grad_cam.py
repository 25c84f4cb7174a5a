"""Reference run for question 7: an MNIST CNN in Keras and the Grad-CAM maps of some test digits.

`python -m reference.hw4.train_q7_grad_cam [--data DIR] [--epochs 5] [--figure maps.png]` trains
Conv2D(16) → MaxPool → Conv2D(32, name "last_conv") → MaxPool → Flatten → Dense(64) → Dense(10)
(logits, Adam, sparse cross-entropy on logits) on the data folder's MNIST training split, stores the record of
the saved model (metrics from the grader's evaluator on the held-out split), and draws each of
the first `--digits` held-out digits beside its Grad-CAM map for the predicted class, computed by
`q7_grad_cam.grad_cam_model` (the function the rubric's reference uses) and upsampled to 28×28.
(Without the pooling and the hidden dense layer, i.e. Conv → Conv → Flatten → Dense, the channel
weights of the trained network came out all negative on the sample data and every map was zero.)
Homework 11 question 3 asks for the same experiment and reads the record this writes.
"""
import argparse
import tempfile
import time
from pathlib import Path

import numpy as np

from grader.models import datasets
from grader.models.records import write_record
from reference.hw4.q7_grad_cam import grad_cam_model

RECORD = Path(__file__).parent / "records" / "q7_mnist_cnn.json"
JOB = {"format": "keras", "architecture": None, "dataset": "mnist", "split": "test",
       "input": {"layout": "nhwc", "scale": 255}}


def build():
    import keras
    from keras import layers

    model = keras.Sequential([
        keras.Input((28, 28, 1)),
        layers.Conv2D(16, 3, activation="relu"),
        layers.MaxPooling2D(2),
        layers.Conv2D(32, 3, activation="relu", name="last_conv"),
        layers.MaxPooling2D(2),
        layers.Flatten(),
        layers.Dense(64, activation="relu"),
        layers.Dense(10),
    ])
    model.compile(optimizer="adam", loss=keras.losses.SparseCategoricalCrossentropy(from_logits=True),
                  metrics=["accuracy"])
    return model


def draw_maps(model, images: np.ndarray, path: Path) -> None:
    """Each digit above its Grad-CAM map for the predicted class, resized to the image."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    import tensorflow as tf

    fig, axes = plt.subplots(2, len(images), figsize=(1.6 * len(images), 3.4), squeeze=False)
    for i, image in enumerate(images):
        predicted = int(np.argmax(model.predict(image[None], verbose=0)))
        cam = grad_cam_model(model, image, "last_conv", predicted)
        big = tf.image.resize(cam[..., None], image.shape[:2]).numpy()[..., 0]
        axes[0, i].imshow(image[..., 0], cmap="gray")
        axes[0, i].set_title(f"pred {predicted}")
        axes[1, i].imshow(image[..., 0], cmap="gray")
        axes[1, i].imshow(big, cmap="jet", alpha=0.5)
        for ax in axes[:, i]:
            ax.axis("off")
    fig.savefig(path, dpi=100, bbox_inches="tight")
    plt.close(fig)


def main(argv: list[str] | None = None, record: Path = RECORD) -> dict:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data", type=Path, default=None, help="data folder (default: GRADER_DATA or grader.yaml)")
    parser.add_argument("--epochs", type=int, default=5)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--digits", type=int, default=6)
    parser.add_argument("--figure", type=Path, default=None, help="where to draw the maps (PNG)")
    parser.add_argument("--record", type=Path, default=record)
    args = parser.parse_args(argv)
    import keras
    import tensorflow as tf

    root = args.data or datasets.data_root()
    train = datasets.load("mnist", "train", root)
    keras.utils.set_random_seed(args.seed)
    start = time.monotonic()
    model = build()
    history = model.fit(train.x[..., None] / 255.0, train.y, epochs=args.epochs, batch_size=64, verbose=0)
    seconds = round(time.monotonic() - start, 2)
    if args.figure:
        test = datasets.load("mnist", "test", root)
        draw_maps(model, test.x[: args.digits, ..., None].astype("float32") / 255.0, args.figure)
    device = "gpu" if tf.config.list_physical_devices("GPU") else "cpu"
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "cnn.keras"
        model.save(path)
        return write_record(args.record, path, JOB, root, seed=args.seed, device=device, epochs=args.epochs,
                            seconds=seconds, loss=[float(v) for v in history.history["loss"]],
                            data="MNIST format: " + str(Path(root).name), keras=keras.__version__)


if __name__ == "__main__":
    print(main()["metrics"]["accuracy"])
