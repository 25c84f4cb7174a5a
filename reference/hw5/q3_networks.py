"""Question 3: the two PyTorch networks of the answer, built so that their sizes come from torch.

`CifarNet` is the CIFAR-10 notebook's network (three valid 3×3 convolutions of 64, 128 and 256
filters, each followed by ReLU and 2×2 max pooling, then 128 → 256 → 10 dense layers), with an
optional dropout as in the notebook's second run. `MnistNet` is the answer's MNIST network (two
padded 3×3 convolutions of 32 and 64 filters, one 2×2 pooling, Dense 128 with dropout 0.5, Dense 10).
"""

from __future__ import annotations

import torch
from torch import nn


class CifarNet(nn.Module):
    def __init__(self, dropout: float = 0.0):
        super().__init__()
        self.features = nn.Sequential(
            nn.Conv2d(3, 64, 3), nn.ReLU(), nn.MaxPool2d(2, 2),
            nn.Conv2d(64, 128, 3), nn.ReLU(), nn.MaxPool2d(2, 2),
            nn.Conv2d(128, 256, 3), nn.ReLU(), nn.MaxPool2d(2, 2),
            nn.Flatten(),
        )
        self.classifier = nn.Sequential(
            nn.Dropout(dropout), nn.Linear(256 * 2 * 2, 128), nn.ReLU(),
            nn.Dropout(dropout), nn.Linear(128, 256), nn.ReLU(),
            nn.Linear(256, 10),
        )

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.classifier(self.features(x))


class MnistNet(nn.Module):
    def __init__(self):
        super().__init__()
        self.net = nn.Sequential(
            nn.Conv2d(1, 32, 3, padding=1), nn.ReLU(),
            nn.Conv2d(32, 64, 3, padding=1), nn.ReLU(), nn.MaxPool2d(2, 2),
            nn.Flatten(), nn.Linear(14 * 14 * 64, 128), nn.ReLU(), nn.Dropout(0.5), nn.Linear(128, 10),
        )

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.net(x)


def cifar_flatten_features(last_pool: bool = True) -> int:
    """The input size of fc1: the features the convolutions leave for a 32×32×3 image (torch's own count).

    `last_pool=False` leaves out the last max-pooling, a known wrong reading (the rubric's diagnoses)."""
    layers = list(CifarNet().features)
    if not last_pool:
        del layers[max(i for i, m in enumerate(layers) if isinstance(m, nn.MaxPool2d))]
    return int(nn.Sequential(*layers)(torch.zeros(1, 3, 32, 32)).shape[1])
