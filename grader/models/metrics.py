"""Classification metrics of a model's outputs on held-out data, in plain numpy."""
import numpy as np


def probabilities(outputs: np.ndarray) -> np.ndarray:
    """Class probabilities from whatever the model ends with: logits, softmax, or one sigmoid unit."""
    out = np.asarray(outputs, dtype=np.float64)
    if out.ndim == 1 or out.shape[1] == 1:  # one output node: P(class 1), as a probability or a logit
        p = out.reshape(-1)
        if p.min() < 0 or p.max() > 1:
            p = 1 / (1 + np.exp(-p))
        return np.stack([1 - p, p], axis=1)
    is_prob = out.min() >= 0 and np.allclose(out.sum(axis=1), 1, atol=1e-3)
    if is_prob:
        return out
    z = out - out.max(axis=1, keepdims=True)
    e = np.exp(z)
    return e / e.sum(axis=1, keepdims=True)


def classification(outputs: np.ndarray, labels: np.ndarray, classes: int) -> dict:
    """Accuracy, cross-entropy loss, per-class precision/recall/F1, macro F1 and the confusion matrix."""
    labels = np.asarray(labels, dtype=np.int64)
    p = probabilities(outputs)
    if p.shape[1] != classes:
        raise ValueError(f"the model gives {p.shape[1]} outputs per example for {classes} classes")
    predicted = p.argmax(axis=1)
    confusion = np.zeros((classes, classes), dtype=np.int64)
    np.add.at(confusion, (labels, predicted), 1)
    tp = np.diag(confusion).astype(np.float64)
    predicted_n, actual_n = confusion.sum(axis=0), confusion.sum(axis=1)
    precision = np.divide(tp, predicted_n, out=np.zeros(classes), where=predicted_n > 0)
    recall = np.divide(tp, actual_n, out=np.zeros(classes), where=actual_n > 0)
    f1 = np.divide(2 * precision * recall, precision + recall, out=np.zeros(classes),
                   where=(precision + recall) > 0)
    loss = float(-np.mean(np.log(np.clip(p[np.arange(len(labels)), labels], 1e-12, 1))))
    return {"accuracy": float((predicted == labels).mean()), "loss": loss, "f1_macro": float(f1.mean()),
            "precision": precision.tolist(), "recall": recall.tolist(), "f1": f1.tolist(),
            "confusion": confusion.tolist(), "examples": int(len(labels))}
