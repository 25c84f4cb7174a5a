"""Question 7: Grad-CAM of a Keras network's last convolutional layer, by GradientTape.

The function check calls the student's `grad_cam(params, image, class_index)` on a small fixed
network whose weights and input the grader draws; the notebook's given cell builds that network
from `params` with `build_cam_model` (the same layers as `build_model` here). The map is the one
of Selvaraju et al.: the channel weights α_k are the spatial mean of ∂y_c/∂A_k, where y_c is the
class's logit (the network has no softmax) and A_k the k-th feature map of the last convolution;
the map is ReLU(Σ_k α_k A_k) at the feature maps' resolution, neither resized nor normalised.
"""

from __future__ import annotations

import numpy as np

IMAGE = (12, 12, 1)
FILTERS = (4, 6)  # conv1, last_conv: 3x3 kernels, 'valid', ReLU
CLASSES = 3
LAST_CONV = "last_conv"
FEATURE = IMAGE[0] - 4  # two valid 3x3 convolutions: 12 -> 10 -> 8


def build_model(params: dict):
    """Conv2D(4, 3x3, relu) → Conv2D(6, 3x3, relu, name="last_conv") → Flatten → Dense(3), logits out."""
    import keras
    from keras import layers

    model = keras.Sequential([
        keras.Input(IMAGE),
        layers.Conv2D(FILTERS[0], 3, activation="relu", name="conv1"),
        layers.Conv2D(FILTERS[1], 3, activation="relu", name=LAST_CONV),
        layers.Flatten(name="flatten"),
        layers.Dense(CLASSES, name="logits"),
    ])
    for name in ("conv1", LAST_CONV, "logits"):
        model.get_layer(name).set_weights([np.asarray(params[f"{name}_kernel"], dtype="float32"),
                                           np.asarray(params[f"{name}_bias"], dtype="float32")])
    return model


def grad_cam_model(model, image: np.ndarray, layer_name: str, class_index: int) -> np.ndarray:
    """Grad-CAM of any Keras functional/sequential model for one (H, W, C) image, by GradientTape."""
    import keras
    import tensorflow as tf

    inner = keras.Model(model.inputs, [model.get_layer(layer_name).output, model.outputs[0]])
    x = tf.convert_to_tensor(np.asarray(image, dtype="float32")[None])
    with tf.GradientTape() as tape:
        features, logits = inner(x)
        score = logits[:, int(class_index)]
    grads = tape.gradient(score, features)[0]                  # (h, w, k)
    weights = tf.reduce_mean(grads, axis=(0, 1))               # α_k
    cam = tf.nn.relu(tf.reduce_sum(features[0] * weights, axis=-1))
    return cam.numpy().astype(float)


def grad_cam(params: dict, image, class_index: int) -> list:
    """The reference answer: the (8, 8) Grad-CAM map of `last_conv` for `class_index`."""
    return grad_cam_model(build_model(params), np.asarray(image), LAST_CONV, class_index).tolist()


def draw(seed: int, trial: int = 0) -> dict:
    """Weights and an image, deterministic for a seed; a trial that yields an all-zero map is redrawn.

    Convolution weights are He-scaled normals with small positive biases so that the ReLUs are
    mostly open; the dense kernel is standard normal so that the map is of order one; the image is a random digit-like stroke pattern in [0, 1]. Every trial asks for a class
    in turn so that all three outputs are exercised.
    """
    rng = np.random.default_rng(seed)
    shapes = {"conv1": ((3, 3, IMAGE[2], FILTERS[0]), FILTERS[0]),
              LAST_CONV: ((3, 3, FILTERS[0], FILTERS[1]), FILTERS[1]),
              "logits": ((FEATURE * FEATURE * FILTERS[1], CLASSES), CLASSES)}
    while True:
        params = {}
        for name, (kernel, bias) in shapes.items():
            std = 1.0 if name == "logits" else np.sqrt(2 / np.prod(kernel[:-1]))
            params[f"{name}_kernel"] = rng.normal(0, std, kernel).tolist()
            params[f"{name}_bias"] = rng.uniform(0.0, 0.1, bias).tolist()
        image = np.clip(rng.uniform(-0.6, 1.0, IMAGE), 0, 1)
        args = {"params": params, "image": image.tolist(), "class_index": trial % CLASSES}
        if np.max(grad_cam_numpy(**args)) > 1e-3:
            return args


def grad_cam_numpy(params: dict, image, class_index: int) -> np.ndarray:
    """The same map without autodiff: a numpy forward pass, and ∂y_c/∂A read off the dense layer.

    After `last_conv` the network is Flatten → Dense, which is linear, so ∂y_c/∂A is the dense
    kernel's column c reshaped to the feature maps' (h, w, k) layout (Flatten keeps row-major
    h, w, k order in Keras). Used by the tests as the independent computation, and by `draw`.
    """
    def conv_relu(x: np.ndarray, kernel: np.ndarray, bias: np.ndarray) -> np.ndarray:
        k = kernel.shape[0]
        h, w = x.shape[0] - k + 1, x.shape[1] - k + 1
        patches = np.stack([x[i:i + h, j:j + w] for i in range(k) for j in range(k)], axis=2)  # (h, w, k*k, c)
        out = np.einsum("hwpc,pcf->hwf", patches, kernel.reshape(k * k, kernel.shape[2], kernel.shape[3]))
        return np.maximum(out + bias, 0)

    p = {k: np.asarray(v, dtype=float) for k, v in params.items()}
    a = conv_relu(conv_relu(np.asarray(image, dtype=float), p["conv1_kernel"], p["conv1_bias"]),
                  p[f"{LAST_CONV}_kernel"], p[f"{LAST_CONV}_bias"])
    grads = p["logits_kernel"][:, int(class_index)].reshape(a.shape)
    return np.maximum((a * grads.mean(axis=(0, 1))).sum(axis=-1), 0)
