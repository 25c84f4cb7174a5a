"""Question 5: the MobileNetV2 encoder of the U-Net, and the shapes of the features its decoder taps.

The answer follows TensorFlow's image-segmentation tutorial: MobileNetV2 (alpha 1.0, no top) on
128×128×3 images, whose skip connections are the outputs of block_1_expand_relu,
block_3_expand_relu, block_6_expand_relu, block_13_expand_relu and block_16_project. The
shapes come from the Keras model (weights=None: shapes do not depend on the weights).
"""

from __future__ import annotations

INPUT = (128, 128, 3)
SKIPS = ("block_1_expand_relu", "block_3_expand_relu", "block_6_expand_relu", "block_13_expand_relu",
         "block_16_project")
COLUMNS = ["layer", "output"]


def encoder():
    """The down stack: MobileNetV2's input to the five tapped layers' outputs."""
    import keras

    base = keras.applications.MobileNetV2(input_shape=INPUT, include_top=False, weights=None)
    return keras.Model(base.input, [base.get_layer(name).output for name in SKIPS])


def table() -> dict:
    """Rows (layer name, output shape without the batch axis)."""
    rows = [[name, [int(d) for d in out.shape[1:]]] for name, out in zip(SKIPS, encoder().outputs)]
    return {"columns": COLUMNS, "rows": rows, "key": "layer", "ask": [[i, "output"] for i in range(len(rows))]}
