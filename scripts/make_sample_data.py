"""The sample data folder (`data/`, named by `grader.yaml`): MNIST's idx files for the bundled classes.

Real MNIST cannot be downloaded here, so the sample stands in with scikit-learn's handwritten
digits (1,797 scans of 8×8 pixels, 0-16), scaled to 0-255 and enlarged to MNIST's 28×28 (20×20
digit centred in a 4-pixel border, as MNIST's are), split 1,200 / 597 with a fixed seed, in the
same files and byte layout as MNIST. A course points `GRADER_DATA` at the real dataset instead.
Usage: python scripts/make_sample_data.py [FOLDER]
"""
import sys
from pathlib import Path

import numpy as np
from sklearn.datasets import load_digits

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from grader.models.datasets import write_mnist  # noqa: E402


def mnist_like() -> tuple[np.ndarray, np.ndarray]:
    digits = load_digits()
    small = digits.images / 16.0 * 255.0
    big = np.kron(small, np.ones((5, 5)))[:, 0:40:2, 0:40:2]  # 8×8 → 40×40 blocks → 20×20
    images = np.zeros((len(big), 28, 28))
    images[:, 4:24, 4:24] = big
    return images.round().clip(0, 255).astype(np.uint8), digits.target.astype(np.uint8)


def main(folder: Path) -> None:
    images, labels = mnist_like()
    order = np.random.default_rng(0).permutation(len(labels))
    train, test = order[:1200], order[1200:]
    write_mnist(folder, "train", images[train], labels[train])
    write_mnist(folder, "test", images[test], labels[test])
    print(f"wrote MNIST-format sample data ({len(train)} train, {len(test)} test) to {folder}/mnist")


if __name__ == "__main__":
    main(Path(sys.argv[1]) if len(sys.argv) > 1 else ROOT / "data")
