"""Question 1: output shapes and parameter counts of the two-branch Keras model, from Keras.

The statement is lost; the layers are reconstructed from the student's answer (a 30x30x1 image,
"valid" convolutions, 2x2 pooling, Embedding(1000, 256), SimpleRNN(128)) and stated in the rubric.
The model is built as a real Keras functional model so that every shape and count in the table
comes from the framework, not from the formulas the students are asked to apply.
"""

from __future__ import annotations

import keras
from keras import layers

COLUMNS = ["layer", "type", "output", "params"]
ASKED = ("output", "params")


def build_model(image_size: int = 30, seq_len: int = 100, vocab: int = 1000) -> keras.Model:
    """The model, with the 14 numbered layers of the answer named l1 … l14."""
    image = keras.Input((image_size, image_size, 1), name="image")
    words = keras.Input((seq_len,), dtype="int32", name="words")
    x = layers.Conv2D(64, 7, name="l1")(image)
    x = layers.MaxPooling2D(2, name="l2")(x)
    x = layers.Conv2D(128, 5, name="l3")(x)
    x = layers.MaxPooling2D(2, name="l4")(x)
    x = layers.Conv2D(256, 3, name="l5")(x)
    x = layers.MaxPooling2D(2, name="l6")(x)
    x = layers.Flatten(name="l7")(x)
    x = layers.Dense(128, name="l8")(x)
    t = layers.Embedding(vocab, 256, name="l9")(words)
    t = layers.SimpleRNN(128, name="l10")(t)
    t = layers.Dense(128, name="l11")(t)
    m = layers.Concatenate(name="l12")([x, t])
    m = layers.Dense(128, name="l13")(m)
    out = layers.Dense(vocab, name="l14")(m)
    return keras.Model([image, words], out)


def table(image_size: int = 30, seq_len: int = 100, vocab: int = 1000, embedding_bias: bool = False,
          embedding_per_word: bool = False, recurrent_weights: bool = True) -> dict:
    """Rows (layer, Keras class, output shape without the batch axis, parameter count).

    The flags give known wrong answers (the rubric's diagnoses): `embedding_bias` counts a bias per
    embedding dimension as for a Dense layer, `embedding_per_word` gives the Embedding's output for
    one word (no sequence axis), `recurrent_weights=False` leaves the SimpleRNN's state-to-state
    weights out of its count."""
    model = build_model(image_size, seq_len, vocab)
    rows = []
    for n in range(1, 15):
        layer = model.get_layer(f"l{n}")
        shape = [int(d) for d in layer.output.shape[1:]]
        params = layer.count_params()
        if isinstance(layer, layers.Embedding):
            params += layer.output_dim if embedding_bias else 0
            shape = shape[1:] if embedding_per_word else shape
        if isinstance(layer, layers.SimpleRNN) and not recurrent_weights:
            params -= layer.units * layer.units
        rows.append([n, type(layer).__name__, shape, params])
    ask = [[i, col] for i in range(len(rows)) for col in ASKED]
    return {"columns": COLUMNS, "rows": rows, "key": "layer", "ask": ask}
