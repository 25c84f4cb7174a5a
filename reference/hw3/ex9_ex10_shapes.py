"""Exercises 9 and 10: the sizes the statement asks the student to work out.

Exercise 9: input and output nodes of the breast-cancer classifier, from the data set itself.
Exercise 10: the `?` of `view(-1, ?)` in the MNIST network, from a real forward pass.
"""
import numpy as np
import torch
from sklearn.datasets import load_breast_cancer
from torch import nn


def breast_cancer_nodes() -> dict[str, int]:
    """One input node per feature, one output node per class (cross-entropy over two logits)."""
    data = load_breast_cancer()
    return {"inputs": int(data.data.shape[1]), "outputs": int(len(np.unique(data.target)))}


def mnist_layers(padding: int = 1, last_pool: bool = True) -> nn.Sequential:
    """layer1 and layer2 of the statement's MNIST network (conv 3×3 pad 1, ReLU, maxpool 2).

    `padding=0` ('valid') and `last_pool=False` give known wrong readings (the rubric's diagnoses)."""
    return nn.Sequential(nn.Conv2d(1, 16, 3, padding=padding), nn.ReLU(), nn.MaxPool2d(2, 2),
                         nn.Conv2d(16, 32, 3, padding=padding), nn.ReLU(),
                         *([nn.MaxPool2d(2, 2)] if last_pool else []))


def mnist_flatten_features(padding: int = 1, last_pool: bool = True) -> int:
    """Length of a 28×28 digit after layer1 and layer2."""
    with torch.no_grad():
        return int(mnist_layers(padding, last_pool)(torch.zeros(1, 1, 28, 28)).flatten(1).shape[1])


def zero_vs_rest_model(outputs: int = 1) -> nn.Sequential:
    """Exercise 10d: the MNIST network with one output node (a logit for "zero") or two."""
    return nn.Sequential(mnist_layers(), nn.Flatten(), nn.Linear(mnist_flatten_features(), outputs))
