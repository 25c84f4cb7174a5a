"""Right answers to the function checks of hw3, hw4 and hw11 as students write them: PyTorch or
Keras at their default float32 (or at `dtype`), on the numpy arrays the kernel receives.

They compute by other routes than the references (hand-written backward passes, gradients as
convolutions, the Keras Grad-CAM tutorial's matmul), so their rounding differs as a student's
does. `kernel_args` and `handed_in` play the kernel's part for the tests and the tolerance benchmark.
"""
from collections.abc import Callable, Iterator
from functools import lru_cache
from typing import Any

import numpy as np
import torch
import torch.nn.functional as F

from grader.checks import Check, build_check
from grader.kernel import wire
from grader.references import References
from grader.rubric import Rubric
from grader.checks import load_rubric
from tests.support.paths import RUBRICS

ANSWERS = {"hw3": ("iris_backward", "separable_conv", "rank1_conv", "conv_backward", "conv1d_grads"),
           "hw4": ("forward_batchnorm", "grad_cam"), "hw11": ("context_pairs", "grad_cam")}


def _t(value: Any, dtype: torch.dtype) -> torch.Tensor:
    return torch.as_tensor(value).to(dtype)


def iris_backward(params, X, y, dtype=torch.float32):
    """The backward pass by hand: softmax − one-hot, then back through each layer."""
    W = [_t(params[f"W{i}"], dtype) for i in range(1, 5)]
    b = [_t(params[f"b{i}"], dtype) for i in range(1, 5)]
    a, z = [_t(X, dtype)], []
    for i in range(4):
        z.append(a[-1] @ W[i].T + b[i])
        if i < 3:
            a.append(F.leaky_relu(z[-1], 0.2))
    delta = (torch.softmax(z[-1], dim=1) - F.one_hot(torch.as_tensor(y), 3).to(dtype)) / len(y)
    grads = {}
    for i in range(3, -1, -1):
        grads[f"W{i + 1}"], grads[f"b{i + 1}"] = delta.T @ a[i], delta.sum(0)
        if i:
            delta = (delta @ W[i]) * torch.where(z[i - 1] > 0, 1.0, 0.2).to(dtype)
    return grads


def separable_conv(H, depthwise, pointwise, bias, dtype=torch.float32):
    H, D, P, B = (_t(v, dtype) for v in (H, depthwise, pointwise, bias))
    depth = F.conv2d(H[None], D[:, None], groups=H.shape[0])[0]
    return torch.einsum("nc,chw->nhw", P, depth) + B[:, None, None]


def rank1_conv(H, a, b, c, d, G, dtype=torch.float32):
    """Autograd through the full kernel a ⊗ b ⊗ c ⊗ d built by outer products."""
    H, a, b, c, d, G = (_t(v, dtype).requires_grad_() for v in (H, a, b, c, d, G))
    W = a[:, None, None, None] * b[None, :, None, None] * c[None, None, :, None] * d[None, None, None, :]
    Z = F.conv2d(H[None], W)[0]
    (Z * G).sum().backward()
    return {"Z": Z.detach(), "a": a.grad, "b": b.grad, "c": c.grad, "d": d.grad, "H": H.grad}


def conv_backward(H, W, bias, G, dtype=torch.float32):
    """dW as the correlation of H with G, dH as the transposed convolution of G."""
    H, W, G = _t(H, dtype), _t(W, dtype), _t(G, dtype)
    dW = F.conv2d(H[:, None], G[:, None]).transpose(0, 1)
    return {"W": dW, "bias": G.sum(dim=(1, 2)), "H": F.conv_transpose2d(G[None], W)[0]}


def conv1d_grads(h, w, g, dtype=torch.float32):
    """dL/dw = h ⋆ g; dL/dh = the zero-padded g correlated with the flipped w."""
    h, w, g = _t(h, dtype), _t(w, dtype), _t(g, dtype)
    dw = F.conv1d(h[None, None], g[None, None])[0, 0]
    dh = F.conv1d(F.pad(g, (len(w) - 1, len(w) - 1))[None, None], w.flip(0)[None, None])[0, 0]
    return {"h": dh, "w": dw}


def forward_batchnorm(x, gamma, beta, running_mean, running_var, momentum, eps, training, dtype=torch.float32):
    x, gamma, beta, mean, var = (_t(v, dtype) for v in (x, gamma, beta, running_mean, running_var))
    if training:
        batch_mean, batch_var = x.mean(dim=0), x.var(dim=0, unbiased=False)
        out = (x - batch_mean) / torch.sqrt(batch_var + eps)
        mean = momentum * mean + (1 - momentum) * batch_mean
        var = momentum * var + (1 - momentum) * batch_var
    else:
        out = (x - mean) / torch.sqrt(var + eps)
    return gamma * out + beta, mean, var


def context_pairs(sentence, window, dtype=torch.float32):
    """Pairs written into a torch.zeros table, which is float32 unless told otherwise."""
    n, window = len(sentence), int(window)
    pairs = torch.zeros(sum(min(window, i) + min(window, n - 1 - i) for i in range(n)), 2, dtype=dtype)
    k = 0
    for i in range(n):
        for d in range(1, window + 1):
            for j in (i + d, i - d):
                if 0 <= j < n:
                    pairs[k] = torch.as_tensor([sentence[i], sentence[j]])
                    k += 1
    return pairs


def grad_cam(params, image, class_index):
    """The Keras Grad-CAM tutorial: a model with two outputs, GradientTape, pooled gradients, matmul."""
    import keras
    import tensorflow as tf

    from reference.hw4.q7_grad_cam import build_model as build_cam_model  # the notebook's given cell

    model = build_cam_model(params)
    grad_model = keras.Model(model.inputs[0], [model.get_layer("last_conv").output, model.outputs[0]])
    with tf.GradientTape() as tape:
        conv_out, preds = grad_model(image[None])
        score = preds[:, class_index]
    pooled = tf.reduce_mean(tape.gradient(score, conv_out), axis=(0, 1, 2))
    heatmap = tf.squeeze(conv_out[0] @ pooled[..., tf.newaxis])
    return tf.maximum(heatmap, 0).numpy()


IMPLEMENTATIONS: dict[str, Callable[..., Any]] = {f.__name__: f for f in (
    iris_backward, separable_conv, rank1_conv, conv_backward, conv1d_grads, forward_batchnorm, context_pairs,
    grad_cam)}


@lru_cache(maxsize=None)
def rubric(assignment: str) -> tuple[Rubric, References]:
    """The assignment's rubric and its references, loaded once."""
    loaded = load_rubric(RUBRICS / f"{assignment}.yaml")
    return loaded, References(loaded.reference)


def function_check(assignment: str, name: str) -> Check:
    """The check the grader builds for function answer `name` of the assignment's rubric."""
    loaded, references = rubric(assignment)
    for question in loaded.questions:
        for answer in question.answers:
            if answer.name == name and answer.check == "function":
                return build_check(question, answer, references)
    raise KeyError(f"{assignment} has no function answer {name!r}")


def kernel_args(check: Check) -> Iterator[tuple[str, dict, Any]]:
    """(reply key, arguments as the kernel decodes them, expected) for each trial `check` prepared."""
    for request, (_, expected) in zip(check.requests(), check.trials):
        args = wire.loads(wire.dumps(request.args))
        if request.format == "torch":
            args = {k: torch.from_numpy(v) if isinstance(v, np.ndarray) else v for k, v in args.items()}
        yield request.key, args, expected


def handed_in(value: Any) -> Any:
    """What the grader receives for `value` the student's function returned: it crosses the wire."""
    return wire.loads(wire.dumps(value))


def as_lists(value: Any) -> Any:
    """`value` with every tensor or array replaced by its `.tolist()`: Python floats, as a student may return."""
    if isinstance(value, dict):
        return {k: as_lists(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [as_lists(v) for v in value]
    return value.tolist() if isinstance(value, (torch.Tensor, np.ndarray)) else value
