"""Builds the model-check test assignment in a temporary folder: datasets in MNIST/CIFAR-10 formats,
a reference package (architectures, training, records), a rubric, and student notebooks."""
import json
import textwrap
from pathlib import Path

import nbformat
import numpy as np

from grader.models import datasets

BARS = '''
def bars(n, shape, seed):
    """Ten classes of images: class k is a bright horizontal band at height k, over noise."""
    import numpy as np
    rng = np.random.default_rng(seed)
    y = rng.integers(0, 10, n)
    x = rng.integers(0, 60, (n, *shape)).astype(np.uint8)
    h = shape[0] // 10
    for i, k in enumerate(y):
        x[i, k * h:(k + 1) * h] = 230
    return x, y
'''

ARCH = '''
import torch
from torch import nn


def mnist_cnn():
    torch.manual_seed(0)
    return nn.Sequential(nn.Conv2d(1, 4, 3, padding=1), nn.ReLU(), nn.MaxPool2d(4), nn.Flatten(),
                         nn.Linear(4 * 7 * 7, 10))


def cifar_net():
    torch.manual_seed(0)
    return nn.Sequential(nn.Conv2d(3, 4, 3, padding=1), nn.ReLU(), nn.MaxPool2d(4), nn.Flatten(),
                         nn.Linear(4 * 8 * 8, 10))


def iris_mlp():
    torch.manual_seed(0)
    return nn.Sequential(nn.Linear(4, 8), nn.ReLU(), nn.Linear(8, 3))


def iris_keras():
    import keras
    keras.utils.set_random_seed(0)  # as the torch ones: an untrained model is the same every run
    return keras.Sequential([keras.Input((4,)), keras.layers.Dense(8, activation="relu"),
                             keras.layers.Dense(3, activation="softmax")])
'''

TRAIN = '''
def fit(model, x, y, steps=150, lr=0.05):
    """Full-batch Adam on float inputs: enough for these easy tasks."""
    import torch
    x, y = torch.as_tensor(x, dtype=torch.float32), torch.as_tensor(y, dtype=torch.long)
    opt = torch.optim.Adam(model.parameters(), lr=lr)
    for _ in range(steps):
        opt.zero_grad()
        torch.nn.functional.cross_entropy(model(x), y).backward()
        opt.step()
    return model.eval()


def fit_keras(model, x, y):
    import keras
    keras.utils.set_random_seed(0)
    model.compile(optimizer=keras.optimizers.Adam(0.05), loss="sparse_categorical_crossentropy")
    model.fit(x, y, epochs=60, batch_size=len(x), verbose=0)
    return model


def standardized_iris():
    from sklearn.datasets import load_iris
    from sklearn.model_selection import train_test_split
    data = load_iris()
    x_tr, x_te, y_tr, y_te = train_test_split(data.data.astype("float32"), data.target, test_size=0.3,
                                              random_state=0, stratify=data.target)
    mean, std = x_tr.mean(0), x_tr.std(0)
    return (x_tr - mean) / std, y_tr, (x_te - mean) / std, y_te
'''


def write_assignment(root: Path, name: str = "modeltest") -> dict[str, Path]:
    """Data folder, reference package `<name>_ref` (on `root/pkgs`) with records, and the rubric."""
    data = root / "data"
    x, y = _bars(300, (28, 28), seed=1)
    datasets.write_mnist(data, "test", x, y)
    x, y = _bars(300, (32, 32, 3), seed=2)
    datasets.write_cifar10(data, "test", x, y)
    pkg = root / "pkgs" / f"{name}_ref"
    (pkg / "records").mkdir(parents=True)
    (pkg / "__init__.py").write_text('"""Reference models of the model-check test assignment."""\n')
    (pkg / "arch.py").write_text(ARCH)
    (pkg / "train.py").write_text(BARS + TRAIN)
    rubrics = root / "rubrics"
    rubrics.mkdir()
    (rubrics / f"{name}.yaml").write_text(RUBRIC.replace("NAME", name))
    return {"data": data, "pkgs": root / "pkgs", "package": pkg, "rubrics": rubrics}


def _bars(n: int, shape: tuple, seed: int) -> tuple[np.ndarray, np.ndarray]:
    scope: dict = {}
    exec(BARS, scope)
    return scope["bars"](n, shape, seed)


def write_records(package: Path, metrics_of) -> None:
    """Train the reference models (the package's own code) and store each record; `metrics_of(name,
    model_file)` evaluates a saved reference model on the held-out data."""
    import importlib
    import time

    import torch

    arch = importlib.import_module(f"{package.name}.arch")
    train = importlib.import_module(f"{package.name}.train")
    x_tr, y_tr, _, _ = train.standardized_iris()
    for name, build, (x, y), scale, fmt in (
            ("mnist", arch.mnist_cnn, train.bars(600, (28, 28), 11), 255, "sd"),
            ("cifar", arch.cifar_net, train.bars(600, (32, 32, 3), 12), 255, "sd"),
            ("iris_torch", arch.iris_mlp, (x_tr, y_tr), 1, "sd"),
            ("iris_keras", arch.iris_keras, (x_tr, y_tr), 1, "keras")):
        start = time.monotonic()
        x = np.asarray(x, np.float32) / scale
        if x.ndim == 3:
            x = x[:, None]
        elif x.ndim == 4:
            x = x.transpose(0, 3, 1, 2)
        model = train.fit_keras(build(), x, y) if fmt == "keras" else train.fit(build(), x, y)
        path = package / "records" / (f"{name}.keras" if fmt == "keras" else f"{name}.pt")
        if fmt == "keras":
            model.save(path)
            params = int(model.count_params())
        else:
            torch.save(model.state_dict(), path)
            params = sum(p.numel() for p in model.parameters())
        record = {"metrics": metrics_of(name, path), "parameters": params, "seed": 0, "device": "cpu",
                  "seconds": round(time.monotonic() - start, 2)}
        path.unlink()
        (package / "records" / f"{name}.json").write_text(json.dumps(record))


RUBRIC = """
assignment: NAME
title: {fa: آزمون مدل‌ها, en: Model check test}
course: {fa: شبکه عصبی, en: Neural networks}
reference: NAME_ref
limits: {cell_timeout_s: 120, total_timeout_s: 400}
questions:
  - id: q1
    title: {fa: شبکه پیچشی MNIST, en: MNIST CNN}
    points: 10
    answers:
      - name: mnist_model
        check: model
        points: 10
        prompt: {fa: مدل را با safetensors ذخیره کنید., en: Save the model's state_dict with safetensors.}
        options: {file: mnist.safetensors, format: state_dict, architecture: arch.mnist_cnn, dataset: mnist, record: records/mnist.json,
                  input: {layout: nchw, scale: 255}, margin: 0.05, floor: 0.1, reported: mnist_accuracy}
  - id: q2
    title: {fa: شبکه CIFAR با TorchScript, en: CIFAR network as TorchScript}
    points: 10
    answers:
      - name: cifar_model
        check: model
        points: 10
        prompt: {fa: مدل را با TorchScript ذخیره کنید., en: Save the model with TorchScript.}
        options: {file: cifar.pt, format: torchscript, architecture: arch.cifar_net, dataset: cifar10, record: records/cifar.json,
                  input: {layout: nchw, scale: 255}, margin: 0.05, floor: 0.1}
  - id: q3
    title: {fa: IRIS با Keras, en: IRIS with Keras}
    points: 10
    answers:
      - name: iris_keras_model
        check: model
        points: 10
        prompt: {fa: مدل Keras را ذخیره کنید., en: Save the Keras model.}
        options: {file: iris.keras, format: keras, architecture: arch.iris_keras, dataset: iris, record: records/iris_keras.json,
                  input: {layout: table, standardize: true}, margin: 0.1, floor: 0.34}
  - id: q4
    title: {fa: IRIS با PyTorch, en: IRIS with PyTorch}
    points: 10
    answers:
      - name: iris_torch_model
        check: model
        points: 10
        prompt: {fa: state_dict را با torch.save ذخیره کنید., en: Save the state_dict with torch.save.}
        options: {file: iris.pt, format: state_dict, architecture: arch.iris_mlp, dataset: iris, record: records/iris_torch.json,
                  input: {layout: table, standardize: true}, margin: 0.1, floor: 0.34}
"""


def notebook(path: Path, cells: list[str]) -> None:
    nb = nbformat.v4.new_notebook()
    nb.cells = [nbformat.v4.new_code_cell(textwrap.dedent(c)) for c in cells]
    path.parent.mkdir(parents=True, exist_ok=True)
    nbformat.write(nb, path)


def student_cells(*, trained: bool = True, iris_pickled: bool = False, keras_lambda: bool = False,
                  wrong_mnist: bool = False, report: float | None = None) -> list[str]:
    """A student's notebook: train (or not) the four models and save them, in the ways a class does."""
    fit = "fit" if trained else "(lambda m, x, y: m.eval())"
    mnist_arch = ("nn.Sequential(nn.Conv2d(1, 6, 3, padding=1), nn.ReLU(), nn.MaxPool2d(4), nn.Flatten(), "
                  "nn.Linear(6 * 7 * 7, 10))" if wrong_mnist else "mnist_cnn()")
    cells = [BARS + TRAIN + ARCH, f"""
        import numpy as np, torch
        from safetensors.torch import save_file
        x, y = bars(600, (28, 28), 11)
        m = {fit}({mnist_arch}, torch.tensor(x[:, None] / 255.0, dtype=torch.float32), y)
        save_file(m.state_dict(), "mnist.safetensors")
        mnist_accuracy = {report if report is not None else 'float((m(torch.tensor(x[:, None] / 255.0, dtype=torch.float32)).argmax(1).numpy() == y).mean())'}
        """, f"""
        x, y = bars(600, (32, 32, 3), 12)
        c = {fit}(cifar_net(), torch.tensor(x.transpose(0, 3, 1, 2) / 255.0, dtype=torch.float32), y)
        torch.jit.script(c).save("cifar.pt")
        """, f"""
        x_tr, y_tr, _, _ = standardized_iris()
        i = {fit}(iris_mlp(), x_tr, y_tr)
        torch.save(i if {iris_pickled} else i.state_dict(), "iris.pt")
        """]
    if keras_lambda:
        cells.append("""
        import keras
        k = keras.Sequential([keras.Input((4,)), keras.layers.Lambda(lambda t: t * 2),
                              keras.layers.Dense(8, activation="relu"), keras.layers.Dense(3, activation="softmax")])
        k.save("iris.keras")
        """)
    else:
        cells.append(f"""
        k = {'fit_keras' if trained else '(lambda m, x, y: m)'}(iris_keras(), x_tr, y_tr)
        k.save("iris.keras")
        """)
    return cells
