"""Exercise 4 (architecture part): the CIFAR-10 CNN of the statement, built as a real torch model.

The statement leaves the first linear layer's input as `?`; it follows from running a
32×32 image through the convolutional part. The training experiments themselves are graded
by a person (and, once the model-grading issue lands, from the saved model).
"""
import torch
from torch import nn


def features(last_pool: bool = True) -> nn.Sequential:
    """The convolutional part: three blocks of conv-ReLU-conv-ReLU-maxpool-batchnorm.

    `last_pool=False` leaves out the last max-pooling, a known wrong reading (the rubric's diagnoses)."""
    layers: list[nn.Module] = []
    blocks = ((3, 32, 64), (64, 128, 128), (128, 256, 256))
    for i, (c_in, c_mid, c_out) in enumerate(blocks):
        pool = [nn.MaxPool2d(2, 2)] if last_pool or i < len(blocks) - 1 else []
        layers += [nn.Conv2d(c_in, c_mid, 3, padding=1), nn.ReLU(),
                   nn.Conv2d(c_mid, c_out, 3, stride=1, padding=1), nn.ReLU(),
                   *pool, nn.BatchNorm2d(c_out)]
    return nn.Sequential(*layers, nn.Flatten())


def flatten_features(last_pool: bool = True) -> int:
    """The `?` of Linear(? to 1024): the length of a flattened CIFAR-10 image after the conv part."""
    with torch.no_grad():
        return int(features(last_pool)(torch.zeros(1, 3, 32, 32)).shape[1])


def model() -> nn.Sequential:
    return nn.Sequential(features(), nn.Linear(flatten_features(), 1024), nn.ReLU(),
                         nn.Linear(1024, 512), nn.ReLU(), nn.Linear(512, 10))


def parameter_count(bias: bool = True, batchnorm: bool = True) -> int:
    """Trainable parameters (weights, biases, batch-norm scales and shifts), as torch counts them.

    The flags give known wrong counts (the rubric's diagnoses): `bias=False` leaves out the biases of
    the convolutions and linear layers, `batchnorm=False` the batch-norm γ and β."""
    count = 0
    for module in model().modules():
        norm = isinstance(module, nn.BatchNorm2d)
        if norm and not batchnorm:
            continue
        count += sum(p.numel() for name, p in module.named_parameters(recurse=False)
                     if p.requires_grad and (bias or norm or name != "bias"))
    return count
