"""Reference run for question 3b: the answer's MNIST CNN, whose held-out accuracy sets the bar.

`python -m reference.hw5.train_q3b_mnist [--data DIR] [--epochs 3]` trains `q3_networks.MnistNet`
on the data folder's MNIST training split with the answer's input normalisation ((x/255 − 0.5)/0.5),
Adam lr 1e-3, batch 64, saves it as TorchScript and stores the record the rubric's model check
reads (metrics from the grader's evaluator on the held-out test split). On a GPU when there is
one. The record in the repository comes from the sample data (`scripts/make_sample_data.py`).
"""
import argparse
import tempfile
import time
from pathlib import Path

import numpy as np
import torch

from grader.models import datasets
from grader.models.records import write_record
from reference.hw5.q3_networks import MnistNet

RECORD = Path(__file__).parent / "records" / "q3b_mnist.json"
JOB = {"format": "torchscript", "architecture": None, "dataset": "mnist", "split": "test",
       "input": {"layout": "nchw", "scale": 255, "mean": [0.5], "std": [0.5]}}


def train(root: Path, epochs: int, seed: int, device: str, batch: int = 64) -> torch.nn.Module:
    torch.manual_seed(seed)
    split = datasets.load("mnist", "train", root)
    x = torch.tensor((split.x[:, None] / 255.0 - 0.5) / 0.5, dtype=torch.float32)
    y = torch.tensor(split.y)
    net = MnistNet().to(device)
    opt = torch.optim.Adam(net.parameters(), lr=1e-3)
    generator = torch.Generator().manual_seed(seed)
    for _ in range(epochs):
        net.train()
        for idx in torch.randperm(len(y), generator=generator).split(batch):
            opt.zero_grad()
            torch.nn.functional.cross_entropy(net(x[idx].to(device)), y[idx].to(device)).backward()
            opt.step()
    return net.eval().cpu()


def main(argv: list[str] | None = None) -> dict:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data", type=Path, default=None, help="data folder (default: GRADER_DATA or grader.yaml)")
    parser.add_argument("--epochs", type=int, default=3)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--record", type=Path, default=RECORD)
    args = parser.parse_args(argv)
    root = args.data or datasets.data_root()
    device = "cuda" if torch.cuda.is_available() else "cpu"
    start = time.monotonic()
    net = train(root, args.epochs, args.seed, device)
    seconds = round(time.monotonic() - start, 2)
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "mnist.pt"
        torch.jit.script(net).save(str(path))
        return write_record(args.record, path, JOB, root, seed=args.seed, device=device, epochs=args.epochs,
                            seconds=seconds, data="MNIST format: " + str(Path(root).name),
                            torch=torch.__version__, numpy=np.__version__)


if __name__ == "__main__":
    print(main()["metrics"]["accuracy"])
