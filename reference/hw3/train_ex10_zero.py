"""Reference training for exercise 10d: zero versus the other digits, one output node.

`python -m reference.hw3.train_ex10_zero [--data DIR]` trains the statement's MNIST network with
one output (a logit for "the digit is zero", binary cross-entropy; Adam, lr 3e-3, batch 32, 4 epochs)
on the data folder's MNIST training split (inputs scaled to [0, 1]), saves it as TorchScript and stores the record the
rubric's model check reads. Zeros are a tenth of the digits, so the bar is the macro F1, not the
accuracy (answering "not zero" always is 90 % accurate). The record in the repository comes from
the sample data (`scripts/make_sample_data.py`); a course re-creates it on real MNIST.
"""
import argparse
import tempfile
import time
from pathlib import Path

import numpy as np
import torch

from grader.models import datasets
from grader.models.records import write_record
from reference.hw3.ex9_ex10_shapes import zero_vs_rest_model

RECORD = Path(__file__).parent / "records" / "ex10_zero.json"
JOB = {"format": "torchscript", "architecture": None, "dataset": "mnist", "split": "test", "positive": [0],
       "input": {"layout": "nchw", "scale": 255}}


def train(root: Path, epochs: int, seed: int, batch: int = 32, lr: float = 3e-3) -> torch.nn.Module:
    torch.manual_seed(seed)
    split = datasets.load("mnist", "train", root)
    x = torch.tensor(split.x[:, None] / 255.0, dtype=torch.float32)
    y = torch.tensor(split.y == 0, dtype=torch.float32)
    net = zero_vs_rest_model(1)
    opt = torch.optim.Adam(net.parameters(), lr=lr)
    generator = torch.Generator().manual_seed(seed)
    for _ in range(epochs):
        for idx in torch.randperm(len(y), generator=generator).split(batch):
            opt.zero_grad()
            torch.nn.functional.binary_cross_entropy_with_logits(net(x[idx]).squeeze(1), y[idx]).backward()
            opt.step()
    return net.eval()


def main(argv: list[str] | None = None) -> dict:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data", type=Path, default=None, help="data folder (default: GRADER_DATA or grader.yaml)")
    parser.add_argument("--epochs", type=int, default=4)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--record", type=Path, default=RECORD)
    args = parser.parse_args(argv)
    root = args.data or datasets.data_root()
    start = time.monotonic()
    net = train(root, args.epochs, args.seed)
    seconds = round(time.monotonic() - start, 2)
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "zero.pt"
        torch.jit.script(net).save(str(path))
        return write_record(args.record, path, JOB, root, seed=args.seed, device="cpu", epochs=args.epochs,
                            seconds=seconds, data="MNIST format: " + str(root.name), torch=torch.__version__,
                            numpy=np.__version__)


if __name__ == "__main__":
    record = main()["metrics"]
    print(record["f1_macro"], record["accuracy"], record["confusion"])
