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


def build_model():
    """The first network, as the answer writes it (Keras defaults: valid padding, pool stride = pool size)."""
    import keras
    from keras import layers

    return keras.Sequential([
        keras.Input(INPUT),
        layers.Conv2D(32, (4, 4), activation="relu"),
        layers.MaxPooling2D((2, 2)),
        layers.Conv2D(32, (4, 4), activation="relu"),
        layers.MaxPooling2D((2, 2)),
        layers.Flatten(),
        layers.Dense(256, activation="relu"),
        layers.Dense(N_CLASSES, activation="softmax"),
    ])


def table() -> dict:
    """One row per layer: the Keras output shape without the batch axis and count_params()."""
    names = ["conv2d", "maxpooling2d", "conv2d", "maxpooling2d", "flatten", "dense", "dense"]
    rows = [
        [i, name, [int(d) for d in layer.output.shape[1:]], layer.count_params()]
        for i, (name, layer) in enumerate(zip(names, build_model().layers), start=1)
    ]
    ask = [[i, col] for i in range(len(rows)) for col in ("output", "params")]
    return {"columns": COLUMNS, "rows": rows, "key": "layer", "ask": ask}


def frozen_params() -> int:
    """Weights that stop training when the first five layers (the feature extractor) are frozen."""
    model = build_model()
    for layer in model.layers[:FROZEN]:
        layer.trainable = False
    return sum(int(w.numpy().size) for w in model.non_trainable_weights)
