"""A class for the similarity hints: six honest ways to answer three tasks, the stubs, and a renamed copy."""
from pathlib import Path

import nbformat
from nbformat.v4 import new_code_cell, new_notebook

from grader.core.result import AnswerResult, QuestionResult, Status, Student, StudentResult
from grader.core.text import Text

GIVEN = "# given / داده‌شده\nimport numpy as np\nscores = np.array([[2.0, 1.0, 0.1], [0.5, 2.5, 1.0]])\n" \
        "signal = np.array([3.0, 1.0, 4.0, 1.0, 5.0, 9.0, 2.0, 6.0])\nlabels = [0, 1]\n"

# Three tasks: row softmax, moving average of width 3, accuracy of predictions.
HONEST = {
    "s1": ["def softmax(z):\n    e = np.exp(z - z.max(axis=1, keepdims=True))\n    return e / e.sum(axis=1, keepdims=True)\n"
           "probs = softmax(scores)",
           "kernel = np.ones(3) / 3\nsmooth = np.convolve(signal, kernel, mode='valid')",
           "pred = probs.argmax(axis=1)\naccuracy = float((pred == np.array(labels)).mean())"],
    "s2": ["probs = []\nfor row in scores:\n    m = max(row)\n    ex = [math.exp(v - m) for v in row]\n"
           "    total = sum(ex)\n    probs.append([v / total for v in ex])\nprobs = np.array(probs)",
           "smooth = []\nfor i in range(len(signal) - 2):\n    smooth.append((signal[i] + signal[i + 1] + signal[i + 2]) / 3)\n"
           "smooth = np.array(smooth)",
           "hits = 0\nfor p, y in zip(probs, labels):\n    if list(p).index(max(p)) == y:\n        hits += 1\n"
           "accuracy = hits / len(labels)"],
    "s3": ["import torch\nprobs = torch.softmax(torch.tensor(scores), dim=1).numpy()",
           "c = np.cumsum(np.insert(signal, 0, 0.0))\nsmooth = (c[3:] - c[:-3]) / 3.0",
           "from sklearn.metrics import accuracy_score\naccuracy = accuracy_score(labels, np.argmax(probs, 1))"],
    "s4": ["from scipy.special import softmax as sm\nprobs = sm(scores, axis=-1)",
           "import pandas as pd\nsmooth = pd.Series(signal).rolling(3).mean().dropna().to_numpy()",
           "correct = sum(int(np.argmax(p) == t) for p, t in zip(probs, labels))\naccuracy = correct / len(labels)"],
    "s5": ["shifted = scores - np.max(scores, axis=1)[:, None]\nnum = np.exp(shifted)\n"
           "probs = num / np.sum(num, axis=1)[:, None]",
           "windows = np.lib.stride_tricks.sliding_window_view(signal, 3)\nsmooth = windows.mean(axis=1)",
           "accuracy = np.mean(np.argmax(probs, axis=1) == labels)"],
    "s6": ["def row_softmax(x):\n    out = np.empty_like(x)\n    for r in range(x.shape[0]):\n"
           "        v = np.exp(x[r] - np.amax(x[r]))\n        out[r] = v / v.sum()\n    return out\nprobs = row_softmax(scores)",
           "smooth = np.array([signal[k:k + 3].mean() for k in range(signal.size - 2)])",
           "accuracy = sum(1 for k, y in enumerate(labels) if probs[k].argmax() == y) / float(len(labels))"],
}
# s8 copied s2: renamed every variable, re-commented, re-spaced; the s2 "import math" is kept.
COPY = ["import math\n# softmax over each row\nP = []\nfor r in scores:\n  mx = max(r)   # for stability\n"
        "  exps = [math.exp(val - mx) for val in r]\n  s = sum(exps)\n  P.append([val / s for val in exps])\nprobs = np.array(P)",
        "out=[]\nfor j in range(len(signal)-2):\n    out.append((signal[j]+signal[j+1]+signal[j+2])/3)  # mean of 3\n"
        "smooth=np.array(out)",
        "ok = 0\nfor q, t in zip(probs, labels):\n    if list(q).index(max(q)) == t:\n        ok += 1\n"
        "accuracy = ok / len(labels)"]
STUB = ["probs = None  # your answer / پاسخ شما", "smooth = None  # your answer / پاسخ شما",
        "accuracy = None  # your answer / پاسخ شما"]
ANSWERS = ["probs", "smooth", "accuracy"]


def notebook(cells: list[str]) -> nbformat.NotebookNode:
    nb_cells = [new_code_cell(GIVEN, metadata={"grader": {"question": "q1", "given": True}})]
    for name, src in zip(ANSWERS, cells):
        nb_cells.append(new_code_cell(src, metadata={"grader": {"question": "q1", "answer": name}}))
    return new_notebook(cells=nb_cells)


def graded_result(sid: str, wrong: dict[str, str]) -> StudentResult:
    """A result of the three answers, those in `wrong` failed with what was found."""
    answers = [AnswerResult(n, "array", 1.0, Status.FAILED if n in wrong else Status.PASSED,
                            0.0 if n in wrong else 1.0, found=wrong.get(n, "ok")) for n in ANSWERS]
    return StudentResult(Student(sid), "hw", 3.0, [QuestionResult("q1", Text(en="Three tasks"), 3.0, answers)])


def similarity_class(tmp_path: Path) -> tuple[list[StudentResult], dict[str, Path]]:
    """Eight students in `tmp_path/subs`: six honest, s7 handing in the stubs, s8 a renamed copy of s2;
    their results (what a run would have found wrong) and their submissions' paths."""
    subs = tmp_path / "subs"
    subs.mkdir()
    code = {**HONEST, "s7": STUB, "s8": COPY}
    code["s2"] = ["import math\n" + code["s2"][0], *code["s2"][1:]]
    paths = {}
    for sid, cells in code.items():
        if sid in ("s1", "s3"):  # a folder hand-in and a lone notebook
            (subs / sid).mkdir()
            paths[sid] = subs / sid / "hw.ipynb"
        else:
            paths[sid] = subs / f"{sid}.ipynb"
        nbformat.write(notebook(cells), paths[sid])
    paths["s1"] = subs / "s1"
    wrong = {"s1": {"smooth": "[2.7 2.0 3.3]"}, "s3": {"accuracy": "0.0"}, "s4": {"accuracy": "0.0"},
             "s5": {"accuracy": "0.0"}, "s7": {n: "None" for n in ANSWERS},
             "s2": {"smooth": "[2.66667 2. 3.33333]", "accuracy": "0.5"},
             "s8": {"smooth": "[2.66667 2. 3.33333]", "accuracy": "0.5"}}
    results = [graded_result(sid, wrong.get(sid, {})) for sid in code]
    return results, paths
