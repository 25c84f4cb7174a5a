"""Similarity hints: a planted renamed copy is ranked first and flagged, honest students are not,
and no score changes."""
import copy
import json
from pathlib import Path

import nbformat
from nbformat.v4 import new_code_cell, new_notebook

from grader.similarity import similarity_report, write_similarity
from grader.similarity.normalize import normalize

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


def _notebook(cells: list[str]) -> nbformat.NotebookNode:
    nb_cells = [new_code_cell(GIVEN, metadata={"grader": {"question": "q1", "given": True}})]
    for name, src in zip(ANSWERS, cells):
        nb_cells.append(new_code_cell(src, metadata={"grader": {"question": "q1", "answer": name}}))
    return new_notebook(cells=nb_cells)


def _result(sid: str, wrong: dict[str, str]) -> dict:
    answers = [{"name": n, "status": "failed" if n in wrong else "passed", "points": 0.0 if n in wrong else 1.0,
                "found": wrong.get(n, "ok"), "details": []} for n in ANSWERS]
    return {"student_id": sid, "total": sum(a["points"] for a in answers), "max_total": 3.0,
            "questions": [{"id": "q1", "points": 0.0, "status": "partial", "answers": answers}]}


def _class(tmp_path: Path) -> tuple[list[dict], dict[str, Path]]:
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
        nbformat.write(_notebook(cells), paths[sid])
    paths["s1"] = subs / "s1"
    wrong = {"s1": {"smooth": "[2.7 2.0 3.3]"}, "s3": {"accuracy": "0.0"}, "s4": {"accuracy": "0.0"},
             "s5": {"accuracy": "0.0"}, "s7": {n: "None" for n in ANSWERS},
             "s2": {"smooth": "[2.66667 2. 3.33333]", "accuracy": "0.5"},
             "s8": {"smooth": "[2.66667 2. 3.33333]", "accuracy": "0.5"}}
    results = [_result(sid, wrong.get(sid, {})) for sid in code]
    return results, paths


def test_normalize_ignores_names_comments_and_layout():
    a = 'def f(x, y):\n    """Sum."""\n    z = np.sum(x)  # total\n    return z + len(y) + 3.5\n'
    b = "def g(a,b):\n  t=np.sum(a)\n  return t+len(b)+3.5"
    assert normalize(a) == normalize(b)
    assert "3.5" in normalize(a) and "len" in normalize(a) and "sum" in normalize(a)
    assert normalize(a) != normalize(b.replace("3.5", "4.5"))


def test_planted_copy_is_first_and_only_flagged(tmp_path):
    results, paths = _class(tmp_path)
    before = copy.deepcopy(results)
    report = write_similarity(tmp_path / "out", results, paths)
    assert results == before  # hints only: no score or status changes
    flagged = [(p["a"], p["b"]) for p in report["pairs"] if p["flagged"]]
    assert flagged == [("s2", "s8")]
    top = report["pairs"][0]
    assert (top["a"], top["b"]) == ("s2", "s8")
    assert top["code_score"] > 0.5 and top["shared_wrong"] == ["accuracy", "smooth"]
    assert any("math.exp" in c["a_cell_source"] and "exps" in c["b_cell_source"] for c in top["matching_cells"])
    on_disk = json.loads((tmp_path / "out" / "similarity.json").read_text(encoding="utf-8"))
    assert on_disk["pairs"][0]["a"] == "s2" and report["students"] == 8


def test_unreadable_and_zip_are_skipped_and_republish_keeps_report(tmp_path):
    results, paths = _class(tmp_path)
    (tmp_path / "bad.ipynb").write_text("{not json", encoding="utf-8")
    (tmp_path / "z.zip").write_bytes(b"PK")
    paths.update(s9=tmp_path / "bad.ipynb", s10=tmp_path / "z.zip")
    report = write_similarity(tmp_path / "out", results, paths)
    assert report["skipped"] == ["s10", "s9"] and report["pairs"][0]["b"] == "s8"
    assert write_similarity(tmp_path / "out", results, None) == report
    assert similarity_report([], {})["pairs"] == []


def test_summary_section_lists_flagged_pair_or_says_none(tmp_path):
    from grader.reports import html_for_summary

    results, paths = _class(tmp_path)
    meta = {"assignment": "demo", "title": {"fa": "تمرین", "en": "Demo"}, "questions": [],
            "similarity": write_similarity(tmp_path / "out", results, paths)}
    html = html_for_summary(results, meta)
    assert "Similar submissions (for a person to judge)" in html and "ارسال‌های مشابه" in html
    assert "s2 – s8" in html and "exps = [math.exp" in html and "No pair flagged" not in html
    meta["similarity"] = {"threshold": 0.5, "pairs": [], "skipped": []}
    assert "No pair flagged" in html_for_summary(results, meta)
    assert "Similar submissions" not in html_for_summary(results, {**meta, "similarity": None})


def test_staff_page_lists_ranked_pairs(tmp_path):
    import warnings

    import pytest
    pytest.importorskip("fastapi")
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        from fastapi.testclient import TestClient
    from grader.portal import tokens
    from grader.portal.app import create_app

    results, paths = _class(tmp_path)
    out = tmp_path / "out"
    (out / "results").mkdir(parents=True)
    for r in results:
        (out / "results" / f"{r['student_id']}.json").write_text(json.dumps(r), encoding="utf-8")
    _, staff = tokens.create_tokens(out, [r["student_id"] for r in results], params={"n": 2, "r": 1, "p": 1})
    client = TestClient(create_app(out))
    client.post("/staff/login", data={"code": staff})
    assert "Similar submissions" not in client.get("/staff").text  # no report yet
    write_similarity(out, results, paths)
    page = client.get("/staff").text
    assert "Similar submissions (for a person to judge)" in page and "s2 – s8" in page
    assert page.index("s2 – s8") < page.index("s3 – s4")
