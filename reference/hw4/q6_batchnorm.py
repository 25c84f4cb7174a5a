"""Question 6b and 6e: a batch-normalization forward pass and the parameters of Dense + BatchNorm.

The forward pass follows Keras' BatchNormalization (the course's framework): the batch
variance is the biased one, and `momentum` weighs the old running statistics,
running = momentum * running + (1 - momentum) * batch. Inference mode normalizes with the
running statistics and leaves them unchanged. The tests compare with Keras and PyTorch.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

KEYS = ("out", "running_mean", "running_var")


def forward_batchnorm(x: Sequence, gamma: Sequence, beta: Sequence, running_mean: Sequence,
                      running_var: Sequence, momentum: float, eps: float, training: bool) -> dict:
    """The normalized output of an (N, D) batch and the running mean and variance after it."""
    x = np.asarray(x, dtype=np.float64)
    mean, var = np.asarray(running_mean, dtype=np.float64), np.asarray(running_var, dtype=np.float64)
    if training:
        batch_mean, batch_var = x.mean(axis=0), x.var(axis=0)
        out = (x - batch_mean) / np.sqrt(batch_var + eps)
        mean = momentum * mean + (1 - momentum) * batch_mean
        var = momentum * var + (1 - momentum) * batch_var
    else:
        out = (x - mean) / np.sqrt(var + eps)
    out = np.asarray(gamma) * out + np.asarray(beta)
    return {"out": out.tolist(), "running_mean": mean.tolist(), "running_var": var.tolist()}


def draw(seed: int, trial: int = 0) -> dict:
    """One random call: a batch whose features differ in scale and offset, and random statistics.

    Even trials are in training mode and odd ones in inference mode, so every run checks both.

    Offsets and scales far from 0 and 1 make a pass that skips the mean, the variance, gamma or
    beta visibly wrong; a large eps makes one that puts eps outside the square root wrong too.
    """
    rng = np.random.default_rng(seed)
    n, d = int(rng.integers(4, 17)), int(rng.integers(2, 7))
    x = rng.normal(rng.uniform(-5, 5, d), rng.uniform(0.5, 4, d), (n, d))
    return {
        "x": x.tolist(),
        "gamma": rng.uniform(0.5, 2.0, d).tolist(),
        "beta": rng.uniform(-1.0, 1.0, d).tolist(),
        "running_mean": rng.uniform(-2.0, 2.0, d).tolist(),
        "running_var": rng.uniform(0.5, 3.0, d).tolist(),
        "momentum": float(rng.uniform(0.8, 0.99)),
        "eps": float(rng.choice([1e-3, 1e-1])),
        "training": trial % 2 == 0,
    }


def dense_batchnorm_params(inputs: int = 10, units: int = 20, moving_statistics: bool = True,
                           per_feature: bool = True, moving_trainable: bool = False) -> dict:
    """Parameters of Dense(units) on `inputs` features followed by BatchNormalization, from Keras.

    The flags give known wrong counts (the rubric's diagnoses): `moving_statistics=False` leaves out
    the moving mean and variance, `per_feature=False` counts each BatchNormalization vector as one number,
    `moving_trainable=True` counts the moving statistics as trainable.
    """
    import keras

    dense, norm = keras.layers.Dense(units), keras.layers.BatchNormalization()
    model = keras.Sequential([keras.Input((inputs,)), dense, norm])
    left_out = set() if moving_statistics else {id(w) for w in norm.non_trainable_weights}
    scalars = set() if per_feature else {id(w) for w in norm.weights}

    def count(weights: list) -> int:
        return sum(1 if id(w) in scalars else int(np.prod(w.shape)) for w in weights if id(w) not in left_out)

    trainable, non_trainable = count(model.trainable_weights), count(model.non_trainable_weights)
    if moving_trainable:
        trainable, non_trainable = trainable + non_trainable, 0
    return {"dense": count(dense.weights), "batchnorm": count(norm.weights), "trainable": trainable,
            "non_trainable": non_trainable, "total": trainable + non_trainable}


def trainable_weights(moving_trainable: bool = False) -> set[str]:
    """The weights of Dense + BatchNormalization that training updates, by their Keras names (a set:
    their order means nothing). `moving_trainable=True` gives the known wrong set that counts the
    moving statistics as trained."""
    import keras

    model = keras.Sequential([keras.Input((10,)), keras.layers.Dense(20), keras.layers.BatchNormalization()])
    weights = model.weights if moving_trainable else model.trainable_weights
    return {w.path.rsplit("/", 1)[-1] for w in weights}
