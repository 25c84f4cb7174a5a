"""Question 3: Grad-CAM of a Keras network's last convolutional layer.

Homework 4 question 7 asks for the same function on the same small network, so the reference,
the drawn inputs and the independent numpy computation are homework 4's (see its docstring).
A rubric names only functions of its own reference package, hence the two defined here.
"""

from reference.hw4 import q7_grad_cam as hw4
from reference.hw4.q7_grad_cam import build_model, grad_cam_model, grad_cam_numpy


def grad_cam(params: dict, image, class_index: int) -> list:
    """Homework 4's reference Grad-CAM."""
    return hw4.grad_cam(params, image, class_index)


def draw(seed: int, trial: int = 0) -> dict:
    """Homework 4's drawn weights, image and class."""
    return hw4.draw(seed, trial)


__all__ = ["build_model", "draw", "grad_cam", "grad_cam_model", "grad_cam_numpy"]
