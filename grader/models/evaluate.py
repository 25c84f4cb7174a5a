"""Measuring a model on held-out data: the inputs it is fed, the labels kept back, the metrics.

This is the trusted side. For a student's model the grader (`runner`) prepares the inputs here,
sends them batch by batch to the sandboxed model process (`serve`), which never sees a label or a
file of the data folder, and computes the metrics here from the outputs it gets back. `evaluate`
runs a model in this very process instead: only for the course's own reference models (`records`).
"""
import time
from pathlib import Path

import numpy as np

from grader.models import datasets, loading, metrics

BATCH = 256


def prepare_inputs(x: np.ndarray, spec: dict, train: np.ndarray | None) -> np.ndarray:
    """Scale, normalise and lay out the held-out inputs as the rubric says the model expects them."""
    x = x.astype(np.float32)
    if spec.get("standardize") and train is not None:
        t = train.astype(np.float32)
        x = (x - t.mean(axis=0)) / np.where(t.std(axis=0) > 0, t.std(axis=0), 1)
    x = x / float(spec.get("scale", 1.0))
    if spec.get("mean") is not None:
        x = (x - np.asarray(spec["mean"], np.float32)) / np.asarray(spec.get("std") or 1.0, np.float32)
    layout = spec.get("layout", "nchw")
    if layout == "nchw" and x.ndim == 3:
        x = x[:, None]
    elif layout == "nchw" and x.ndim == 4:
        x = x.transpose(0, 3, 1, 2)
    elif layout == "nhwc" and x.ndim == 3:
        x = x[..., None]
    elif layout == "flat":
        x = x.reshape(len(x), -1)
    return np.ascontiguousarray(x)


def held_out(job: dict, root: Path | None) -> tuple[np.ndarray, datasets.Split]:
    """The model's inputs (prepared as the job says) and the split they come from, labels included."""
    split = datasets.load(job["dataset"], job["split"], root)
    if job.get("positive") is not None:  # a binary task made from a multi-class set
        split.y, split.classes = np.isin(split.y, job["positive"]).astype(np.int64), 2
    if job.get("max_examples"):
        split.x, split.y = split.x[: job["max_examples"]], split.y[: job["max_examples"]]
    spec = job.get("input", {})
    train = datasets.load(job["dataset"], "train", root).x if spec.get("standardize") else None
    return prepare_inputs(split.x, spec, train), split


def result(outputs: np.ndarray, split: datasets.Split, found: dict, start: float) -> dict:
    """The evaluation's result: the metrics, with what the model's loading found (`found`:
    architecture_problems, parameters, device, peak_gpu_mib)."""
    return {"status": "ok", "architecture_problems": found["architecture_problems"],
            "parameters": found["parameters"], "metrics": metrics.classification(outputs, split.y, split.classes),
            "device": found["device"], "peak_gpu_mib": found.get("peak_gpu_mib"),
            "seconds": round(time.monotonic() - start, 3)}


def evaluate(job: dict) -> dict:
    """Evaluate a trusted model in this process (`job` as for the runner, plus model_path and data_root)."""
    start = time.monotonic()
    x, split = held_out(job, Path(job["data_root"]) if job.get("data_root") else None)
    model = loading.load_model(job, Path(job["model_path"]))
    batch = int(job.get("batch_size", BATCH))
    outputs = np.concatenate([model.predict(x[i:i + batch]) for i in range(0, len(x), batch)])
    return result(outputs, split, {"architecture_problems": model.problems, "parameters": model.parameters,
                                   "device": model.device, "peak_gpu_mib": model.peak_gpu_mib()}, start)
