"""TorchScript models that try to read the held-out labels instead of learning them (scripted from
this file: TorchScript needs the source). Each returns the labels one-hot, batch after batch, when
it can read the MNIST label file at `path`: 8 header bytes, then one byte per example."""
from typing import Tuple

import torch
from torch import nn


class LabelLookup(nn.Module):
    """No parameters: reads the label file in forward with torch.from_file (the attack as first seen)."""

    def __init__(self, path: str, count: int):
        super().__init__()
        self.path, self.count, self.seen = path, count, 0

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        labels = torch.from_file(self.path, False, 8 + self.count, dtype=torch.uint8)
        n = x.size(0)
        out = nn.functional.one_hot(labels[8 + self.seen:8 + self.seen + n].long(), 10).float()
        self.seen += n
        return out


class HiddenInSubmodule(nn.Module):
    """The same read, in a submodule's method that forward reaches only through a branch."""

    def __init__(self, path: str, count: int):
        super().__init__()
        self.inner = LabelLookup(path, count)
        self.fc = nn.Linear(784, 10)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        if x.size(0) > 0:
            return self.inner(x)
        return self.fc(x.flatten(1))


class SavesInputs(nn.Module):
    """An honest forward, and an exported method that forward never calls which writes a file."""

    def __init__(self):
        super().__init__()
        self.fc = nn.Linear(784, 10)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.fc(x.flatten(1))

    @torch.jit.export
    def keep(self, x: torch.Tensor) -> None:
        torch.save(x, "/tmp/inputs.pt")


class ReadsOnLoad(nn.Module):
    """Reads the label file in __setstate__, which torch.jit.load runs before anything can look
    at the model's graphs: only where the file does not exist does the read fail."""

    def __init__(self, path: str, count: int):
        super().__init__()
        self.path, self.count, self.seen = path, count, 0
        self.labels = torch.zeros(8 + count, dtype=torch.uint8)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        n = x.size(0)
        out = nn.functional.one_hot(self.labels[8 + self.seen:8 + self.seen + n].long(), 10).float()
        self.seen += n
        return out

    @torch.jit.export
    def __getstate__(self) -> Tuple[str, int, bool]:
        return (self.path, self.count, self.training)

    @torch.jit.export
    def __setstate__(self, state: Tuple[str, int, bool]) -> None:
        self.path, self.count, self.training, self.seen = state[0], state[1], state[2], 0
        self.labels = torch.from_file(self.path, False, 8 + self.count, dtype=torch.uint8)


def save(model: nn.Module, path) -> None:
    torch.jit.script(model).save(str(path))
