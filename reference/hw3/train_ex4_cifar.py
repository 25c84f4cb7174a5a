"""Reference training for exercise 4: the statement's CIFAR-10 CNN, whose held-out accuracy sets
the bar for grading the models students save.

`python -m reference.hw3.train_ex4_cifar [--data DIR] [--epochs N]` reads CIFAR-10's python
batches from the data folder (`GRADER_DATA`), trains on the GPU when there is one (Adam, lr 1e-3,
batch 128, inputs scaled to [0, 1], channels first, no augmentation and no regularization: the
baseline of the five runs the exercise compares), and stores the record the rubric's model
check reads, with the seed, device and time. `--checkpoints DIR --every K` also saves the
weights every K steps (the benchmark uses them as student-like models of every quality).
"""
import argparse
import tempfile
import time
from pathlib import Path

import numpy as np
import torch

from grader.models import datasets
from grader.models.records import write_record
from reference.hw3.ex4_cifar_cnn import model

RECORD = Path(__file__).parent / "records" / "ex4_cifar.json"
JOB = {"format": "state_dict", "architecture": "reference.hw3.ex4_cifar_cnn.model", "dataset": "cifar10",
       "split": "test", "input": {"layout": "nchw", "scale": 255}}


def save(net: torch.nn.Module, path: Path) -> None:
    from safetensors.torch import save_file

    save_file({k: v.detach().cpu().contiguous() for k, v in net.state_dict().items()}, str(path))


def train(root: Path, epochs: int, seed: int, device: str, batch: int = 128, lr: float = 1e-3,
          checkpoints: Path | None = None, every: int = 0) -> torch.nn.Module:
    torch.manual_seed(seed)
    split = datasets.load("cifar10", "train", root)
    x = torch.tensor(split.x.transpose(0, 3, 1, 2), dtype=torch.uint8)
    y = torch.tensor(split.y)
    net = model().to(device)
    opt = torch.optim.Adam(net.parameters(), lr=lr)
    generator = torch.Generator().manual_seed(seed)
    step = 0
    for _ in range(epochs):
        net.train()
        for idx in torch.randperm(len(y), generator=generator).split(batch):
            xb = x[idx].to(device, non_blocking=True).float() / 255
            opt.zero_grad()
            torch.nn.functional.cross_entropy(net(xb), y[idx].to(device)).backward()
            opt.step()
            step += 1
            if checkpoints is not None and every and step % every == 0:
                save(net, checkpoints / f"step{step:06d}.safetensors")
    return net.eval()


def main(argv: list[str] | None = None) -> dict:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data", type=Path, default=None, help="data folder (default: GRADER_DATA)")
    parser.add_argument("--epochs", type=int, default=20)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--device", default="cuda" if torch.cuda.is_available() else "cpu")
    parser.add_argument("--record", type=Path, default=RECORD)
    parser.add_argument("--checkpoints", type=Path, default=None)
    parser.add_argument("--every", type=int, default=0)
    args = parser.parse_args(argv)
    root = args.data or datasets.data_root()
    if args.checkpoints:
        args.checkpoints.mkdir(parents=True, exist_ok=True)
    start = time.monotonic()
    net = train(root, args.epochs, args.seed, args.device, checkpoints=args.checkpoints, every=args.every)
    if args.device.startswith("cuda"):
        torch.cuda.synchronize()
    seconds = round(time.monotonic() - start, 2)
    device_name = torch.cuda.get_device_name() if args.device.startswith("cuda") else "cpu"
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "cifar.safetensors"
        save(net, path)
        if args.checkpoints:
            save(net, args.checkpoints / "final.safetensors")
        return write_record(args.record, path, JOB, root, seed=args.seed, device=device_name, epochs=args.epochs,
                            seconds=seconds, torch=torch.__version__, numpy=np.__version__)


if __name__ == "__main__":
    print(main()["metrics"]["accuracy"])
