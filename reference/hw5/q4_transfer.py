"""Question 4: output shapes and parameter counts of the Keras CNN trained on the first five classes.

The layers are those the answer says the statement gives (two Conv2D(32, 4x4) + MaxPooling2D(2x2)
blocks, Flatten, Dense(256), Dense(5)) on CIFAR-10's 32x32x3 images. The model is built in Keras,
so shapes (height, width, channels) and counts come from the framework.
"""

from __future__ import annotations

COLUMNS = ["layer", "name", "output", "params"]
INPUT = (32, 32, 3)
N_CLASSES = 5  # the first half of CIFAR-10
FROZEN = 5  # the first five layers are kept for the second half


def build_model(off_by_one: bool = False):
    """The first network, as the answer writes it (Keras defaults: valid padding, pool stride = pool size).

    `off_by_one` crops one row and column after each convolution, so that a 'valid' convolution gives
    n − k instead of n − k + 1: a known wrong size (the rubric's diagnoses), carried through the layers."""
    import keras
    from keras import layers

    def crop() -> list:
        return [layers.Cropping2D(((0, 1), (0, 1)))] if off_by_one else []

    return keras.Sequential([
        keras.Input(INPUT),
        layers.Conv2D(32, (4, 4), activation="relu"), *crop(),
        layers.MaxPooling2D((2, 2)),
        layers.Conv2D(32, (4, 4), activation="relu"), *crop(),
        layers.MaxPooling2D((2, 2)),
        layers.Flatten(),
        layers.Dense(256, activation="relu"),
        layers.Dense(N_CLASSES, activation="softmax"),
    ])


def table(off_by_one: bool = False) -> dict:
    """One row per layer: the Keras output shape without the batch axis and count_params()."""
    names = ["conv2d", "maxpooling2d", "conv2d", "maxpooling2d", "flatten", "dense", "dense"]
    rows: list[list] = []
    for layer in build_model(off_by_one).layers:
        shape = [int(d) for d in layer.output.shape[1:]]
        if type(layer).__name__ == "Cropping2D":  # the convolution's output, one short
            rows[-1][2] = shape
            continue
        rows.append([len(rows) + 1, names[len(rows)], shape, layer.count_params()])
    ask = [[i, col] for i in range(len(rows)) for col in ("output", "params")]
    return {"columns": COLUMNS, "rows": rows, "key": "layer", "ask": ask}


def frozen_params(bias: bool = True) -> int:
    """Weights that stop training when the first five layers (the feature extractor) are frozen.

    `bias=False` leaves the biases out, a known wrong count (the rubric's diagnoses)."""
    model = build_model()
    for layer in model.layers[:FROZEN]:
        layer.trainable = False
    return sum(int(w.numpy().size) for w in model.non_trainable_weights if bias or w.name != "bias")
