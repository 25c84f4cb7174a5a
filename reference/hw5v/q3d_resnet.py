"""Question 3d: the parameter counts of a classifier on a frozen ResNet50 backbone, from Keras.

The answer does not name the ResNet; ResNet50 from keras.applications is taken, without its top,
on CIFAR's 32×32×3 images, frozen (trainable = False), under GlobalAveragePooling2D and
Dense(10, softmax). The counts do not depend on the weights, so the model is built with
weights=None (no download); `model.summary()` shows the same trainable and non-trainable totals.
"""

from __future__ import annotations

INPUT = (32, 32, 3)
CLASSES = 10


def build_model():
    import keras

    backbone = keras.applications.ResNet50(include_top=False, weights=None, input_shape=INPUT)
    backbone.trainable = False
    return keras.Sequential([keras.Input(INPUT), backbone, keras.layers.GlobalAveragePooling2D(),
                             keras.layers.Dense(CLASSES, activation="softmax")])


def params() -> dict:
    """Trainable, non-trainable and total parameters of the frozen-backbone classifier."""
    model = build_model()
    trainable = sum(int(w.numpy().size) for w in model.trainable_weights)
    frozen = sum(int(w.numpy().size) for w in model.non_trainable_weights)
    return {"trainable": trainable, "non_trainable": frozen, "total": trainable + frozen}
