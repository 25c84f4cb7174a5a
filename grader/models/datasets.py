"""Held-out data for grading trained models, read from a local folder in the datasets' real formats.

MNIST comes as its idx files, CIFAR-10 as its "python version" batches, and the small sets that
scikit-learn bundles (iris, breast cancer, digits) from scikit-learn with a fixed split. The
folder is the course's (`Course.data`: `GRADER_DATA`, or `data_dir` in its `grader.yaml`); nothing is
ever downloaded. The writers exist so tests and benchmarks can make small files in the same formats.
"""
import gzip
import pickle
import struct
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from grader.core.errors import ConfigError
from grader.core.settings import CONFIG_FILE, Course

BUNDLED = ("iris", "breast_cancer", "digits")
SPLIT_SEED, TEST_SHARE = 0, 0.3  # the split every course using a bundled set is told about

_MNIST = {"train": ("train-images-idx3-ubyte", "train-labels-idx1-ubyte"),
          "test": ("t10k-images-idx3-ubyte", "t10k-labels-idx1-ubyte")}
_CIFAR_DIR = "cifar-10-batches-py"
_CIFAR = {"train": tuple(f"data_batch_{i}" for i in range(1, 6)), "test": ("test_batch",)}
_CIFAR_META = "batches.meta"  # the class names, which a notebook may read with the training batches
_SPLITS = ("train", "test")
DATASETS = ("mnist", "cifar10", *BUNDLED)
KERNEL_DATA = "/data"


class DatasetMissing(ConfigError, FileNotFoundError):
    """A rubric needs a dataset whose files are not in the data folder."""


@dataclass
class Split:
    """Inputs (images as uint8 N×H×W[×C], tables as float) and integer labels."""

    x: np.ndarray
    y: np.ndarray
    classes: int


def data_root(course: Course | None = None) -> Path | None:
    """The course's data folder (`Course.data`: `GRADER_DATA`, else `data_dir` in the course's
    grader.yaml, relative to it); by default the working directory's course. A grading run asks
    the course its plan carries, never the working directory of a worker."""
    return (course or Course.load()).data


def kernel_files(root: Path, held_out: list[str]) -> list[str]:
    """The files of the data folder a kernel may read: for each dataset whose held-out files a
    check evaluates on, its training files (CIFAR-10's class names too) that the folder holds,
    never a held-out one. Nothing else, whatever else the folder holds."""
    used = [name for name in DATASETS for split in _SPLITS if set(expected_files(name, split)) & set(held_out)]
    files = []
    for name in dict.fromkeys(used):
        for rel in expected_files(name, "train") + ([f"{_CIFAR_DIR}/{_CIFAR_META}"] if name == "cifar10" else []):
            for candidate in (rel, rel + ".gz") if name == "mnist" else (rel,):
                if rel not in held_out and (root / candidate).is_file():
                    files.append(candidate)
    return files


def kernel_view(root: Path | None, held_out: list[str], sandboxed: bool) -> tuple[tuple[tuple[str, str], ...],
                                                                                dict[str, str]]:
    """How a student's kernel sees the data folder: each of `kernel_files` bound read-only at its
    place under /data (GRADER_DATA says where), never the folder itself, so that no other file of it
    (a test split, a copy of one under another name) exists in the kernel; with no such file, no
    /data and no GRADER_DATA at all. Unsandboxed, the folder is only named."""
    if root is None or not root.is_dir():
        return (), {}
    if not sandboxed:
        return (), {"GRADER_DATA": str(root)}
    files = kernel_files(root, held_out)
    if not files:
        return (), {}
    return tuple((str(root / rel), f"{KERNEL_DATA}/{rel}") for rel in files), {"GRADER_DATA": KERNEL_DATA}


def expected_files(name: str, split: str) -> list[str]:
    """The files (relative to the data folder) a dataset split is read from; none for bundled sets."""
    if name == "mnist":
        return [f"mnist/{f}" for f in _MNIST[split]]
    if name == "cifar10":
        return [f"{_CIFAR_DIR}/{f}" for f in _CIFAR[split]]
    if name in BUNDLED:
        return []
    raise ValueError(f"unknown dataset {name!r} (known: {', '.join(DATASETS)})")


def require(name: str, split: str, root: Path | None) -> None:
    """Raise `DatasetMissing` naming the first expected file that is absent (gzip accepted for MNIST)."""
    files = expected_files(name, split)
    if files and root is None:
        raise DatasetMissing(f"dataset {name} needs a data folder: set GRADER_DATA or data_dir in "
                             f"{CONFIG_FILE} to a folder holding {files[0]}")
    for rel in files:
        path = root / rel
        if not (path.is_file() or (name == "mnist" and path.with_name(path.name + ".gz").is_file())):
            raise DatasetMissing(f"dataset {name} ({split}): expected {path} (set GRADER_DATA or data_dir "
                                 f"in {CONFIG_FILE})")


def load(name: str, split: str, root: Path | None) -> Split:
    require(name, split, root)
    if name == "mnist":
        images, labels = (_read_idx(root / f"mnist/{f}") for f in _MNIST[split])
        return Split(images, labels.astype(np.int64), 10)
    if name == "cifar10":
        batches = [_read_cifar_batch(root / _CIFAR_DIR / f) for f in _CIFAR[split]]
        return Split(np.concatenate([b[0] for b in batches]), np.concatenate([b[1] for b in batches]), 10)
    return _bundled(name, split)


def _bundled(name: str, split: str) -> Split:
    from sklearn import datasets
    from sklearn.model_selection import train_test_split

    data = getattr(datasets, f"load_{name}")()
    parts = train_test_split(data.data.astype(np.float32), data.target.astype(np.int64), test_size=TEST_SHARE,
                             random_state=SPLIT_SEED, stratify=data.target)
    x, y = (parts[0], parts[2]) if split == "train" else (parts[1], parts[3])
    return Split(x, y, int(data.target.max()) + 1)


def _open(path: Path):
    return gzip.open(path.with_name(path.name + ".gz"), "rb") if not path.is_file() else open(path, "rb")


def _read_idx(path: Path) -> np.ndarray:
    """An idx file: magic (0, 0, type 0x08 = ubyte, ndim), big-endian sizes, then the bytes."""
    with _open(path) as f:
        zero, kind, ndim = struct.unpack(">HBB", f.read(4))
        if zero != 0 or kind != 0x08:
            raise ValueError(f"{path}: not an idx file of unsigned bytes")
        shape = struct.unpack(f">{ndim}I", f.read(4 * ndim))
        data = np.frombuffer(f.read(), dtype=np.uint8)
    if data.size != int(np.prod(shape)):
        raise ValueError(f"{path}: {data.size} bytes for shape {shape}")
    return data.reshape(shape)


class _CifarUnpickler(pickle.Unpickler):
    """CIFAR-10's batches are pickles; allow only what they contain (dicts, bytes, lists, arrays)."""

    _ALLOWED = {("numpy.core.multiarray", "_reconstruct"), ("numpy._core.multiarray", "_reconstruct"),
                ("numpy", "ndarray"), ("numpy", "dtype"), ("_codecs", "encode")}

    def find_class(self, module: str, name: str):
        if (module, name) not in self._ALLOWED:
            raise pickle.UnpicklingError(f"refused {module}.{name} in a CIFAR-10 batch")
        return super().find_class(module, name)


def _read_cifar_batch(path: Path) -> tuple[np.ndarray, np.ndarray]:
    with open(path, "rb") as f:
        batch = _CifarUnpickler(f, encoding="bytes").load()
    data = np.asarray(batch[b"data"], dtype=np.uint8).reshape(-1, 3, 32, 32).transpose(0, 2, 3, 1)
    return np.ascontiguousarray(data), np.asarray(batch[b"labels"], dtype=np.int64)


def write_mnist(root: Path, split: str, images: np.ndarray, labels: np.ndarray) -> None:
    """Write MNIST idx files (N×28×28 uint8 images, uint8 labels) as the real dataset lays them out."""
    folder = root / "mnist"
    folder.mkdir(parents=True, exist_ok=True)
    for name, array in zip(_MNIST[split], (images, labels)):
        array = np.asarray(array, dtype=np.uint8)
        header = struct.pack(">HBB", 0, 0x08, array.ndim) + struct.pack(f">{array.ndim}I", *array.shape)
        (folder / name).write_bytes(header + array.tobytes())


def write_cifar10(root: Path, split: str, images: np.ndarray, labels: np.ndarray) -> None:
    """Write CIFAR-10 python batches (N×32×32×3 uint8 images) as the real dataset pickles them."""
    folder = root / _CIFAR_DIR
    folder.mkdir(parents=True, exist_ok=True)
    names = _CIFAR[split]
    for name, idx in zip(names, np.array_split(np.arange(len(labels)), len(names))):
        rows = np.asarray(images[idx], dtype=np.uint8).transpose(0, 3, 1, 2).reshape(len(idx), -1)
        batch = {b"batch_label": name.encode(), b"labels": [int(v) for v in labels[idx]], b"data": rows,
                 b"filenames": [f"{i}.png".encode() for i in idx]}
        with open(folder / name, "wb") as f:
            pickle.dump(batch, f, protocol=2)
