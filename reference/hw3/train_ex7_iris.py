"""Reference training for exercise 7a: the IRIS network, whose held-out accuracy sets the bar.

`python -m reference.hw3.train_ex7_iris` trains on the split every student is told about
(scikit-learn's train_test_split, 30 % test, stratified, random_state 0; features standardized
with the training split's mean and standard deviation), then stores the record that the
rubric's model check reads. Full-batch Adam, lr 0.01, 1000 epochs: seconds on a CPU.
"""
import argparse
import tempfile
import time
from pathlib import Path

import numpy as np
import torch

from grader.models import datasets
from grader.models.records import write_record
from reference.hw3.ex7_iris import model

RECORD = Path(__file__).parent / "records" / "ex7_iris.json"
JOB = {"format": "state_dict", "architecture": "reference.hw3.ex7_iris.model", "dataset": "iris", "split": "test",
       "input": {"layout": "table", "standardize": True}}


def train(seed: int = 0, epochs: int = 1000, lr: float = 0.01) -> torch.nn.Module:
    torch.manual_seed(seed)
    train_split = datasets.load("iris", "train", None)
    mean, std = train_split.x.mean(axis=0), train_split.x.std(axis=0)
    x = torch.tensor((train_split.x - mean) / std, dtype=torch.float32)
    y = torch.tensor(train_split.y)
    net = model()
    opt = torch.optim.Adam(net.parameters(), lr=lr)
    for _ in range(epochs):
        opt.zero_grad()
        torch.nn.functional.cross_entropy(net(x), y).backward()
        opt.step()
    return net.eval()


def main(argv: list[str] | None = None) -> dict:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--epochs", type=int, default=1000)
    parser.add_argument("--record", type=Path, default=RECORD)
    args = parser.parse_args(argv)
    start = time.monotonic()
    net = train(args.seed, args.epochs)
    seconds = round(time.monotonic() - start, 2)
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "iris.pt"
        torch.save(net.state_dict(), path)
        return write_record(args.record, path, JOB, None, seed=args.seed, device="cpu", epochs=args.epochs,
                            seconds=seconds, torch=torch.__version__, numpy=np.__version__)


if __name__ == "__main__":
    print(main()["metrics"]["accuracy"])
