"""Question 6a: true or false for two statements about batch normalization, decided by Keras.

Statement s1 claims batch normalization makes processing one batch faster; the reference
counts the operations Keras runs for one training batch with and without a BatchNormalization
layer. Statement s2 claims it makes the output distribution more uniform across dimensions;
the reference compares the spread of per-feature standard deviations before and after it.
"""

from __future__ import annotations

import numpy as np

COLUMNS = ["statement", "answer"]


def _graph_ops(with_norm: bool, batch: int = 32, features: int = 10, units: int = 20) -> int:
    """The number of TensorFlow operations in one training-mode forward pass of Dense [+ BN]."""
    import keras
    import tensorflow as tf

    layers = [keras.Input((features,)), keras.layers.Dense(units)]
    model = keras.Sequential(layers + ([keras.layers.BatchNormalization()] if with_norm else []))
    step = tf.function(lambda x: model(x, training=True))
    graph = step.get_concrete_function(tf.TensorSpec((batch, features), tf.float32)).graph
    return len(graph.get_operations())


def _std_spread(seed: int = 0, n: int = 256) -> tuple[float, float]:
    """Largest over smallest per-feature standard deviation, before and after BatchNormalization."""
    import keras

    scales = np.logspace(-2, 2, 5)
    x = np.random.default_rng(seed).normal(0.0, scales, (n, scales.size)).astype("float32")
    y = np.asarray(keras.layers.BatchNormalization()(x, training=True))
    before, after = x.std(axis=0), y.std(axis=0)
    return float(before.max() / before.min()), float(after.max() / after.min())


def table() -> dict:
    """The statements' truth values as "true" / "false"; both answers are asked."""
    faster = _graph_ops(with_norm=True) < _graph_ops(with_norm=False)
    before, after = _std_spread()
    more_uniform = after < before
    rows = [["s1", str(faster).lower()], ["s2", str(more_uniform).lower()]]
    return {"columns": COLUMNS, "rows": rows, "key": "statement", "ask": [[0, "answer"], [1, "answer"]]}
