"""End to end: `grader run submissions/hw3` grades the bundled sample class into PDFs.

Each sample student's score is pinned question by question; the endless loop and the broken
notebook cost only their own student's marks, and the run exits 0.
"""
import csv
import json
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from pypdf import PdfReader

pytestmark = [pytest.mark.sandbox, pytest.mark.slow, pytest.mark.e2e]

ROOT = Path(__file__).resolve().parents[2]
AUTO = ["q1a", "q3", "q4a", "q7a", "q7b", "q9", "q10a", "q10d", "q11a", "q11b", "q11c", "q12", "q14a", "q14c", "q14d", "q15"]
FULL = {"q1a": 8, "q3": 8, "q4a": 3, "q7a": 1, "q7b": 6, "q9": 2, "q10a": 1, "q10d": 0.5, "q11a": 5, "q11b": 3, "q11c": 1, "q12": 8,
        "q14a": 1, "q14c": 1, "q14d": 1, "q15": 2}
EXPECTED = {  # automatic points per question; manual questions wait for a person (48.5 points)
    "s01": FULL,
    # s02: q3_max has out1, out2, grad_bias and bias right (4 of 7 keys; the bias gradient is 0 either way)
    # q7a: its under-trained IRIS model classifies 38 of 45 held-out flowers (the architecture is right)
    "s02": {**FULL, "q1a": 4, "q3": 4 + 4 * 4 / 7, "q11c": 0, "q12": 8 * 33 / 34, "q15": 0, "q4a": 2,
            "q7a": 0.2 + 0.8 * (38 / 45 - 0.34) / (0.9 - 0.34),
            "q9": 1 + 3 / 6,  # three of the five depths logged, no plot shown
            "q10d": 0},  # "not zero" for every digit: 90 % accurate, macro F1 at the floor
    "s03": {**FULL, "q3": 0},
    "s04": {**FULL, "q7b": 0},
    "s05": {**{q: 0 for q in AUTO}, "q1a": 4, "q12": 8},
    "s06": {q: 0 for q in AUTO},
    "s07": FULL,
    "s08": FULL,
}
EXPECTED["s09"] = EXPECTED["s02"]  # a near-copy of s02 (names and a comment changed): same answers
STATUS = {"s03": ("q3", "error"), "s04": ("q7b", "error"), "s05": ("q11a", "missing"),
          "s06": ("q1a", "error"), "s02": ("q11c", "failed")}


@pytest.fixture(scope="module")
def run(tmp_path_factory):
    out = tmp_path_factory.mktemp("reports") / "hw3"
    proc = subprocess.run([sys.executable, "-m", "grader.apps.cli", "run", "submissions/hw3", "--out", str(out)],
                          cwd=ROOT, capture_output=True, text=True, timeout=900)
    return proc, out


def result(out: Path, sid: str) -> dict:
    return json.loads((out / "results" / f"{sid}.json").read_text(encoding="utf-8"))


def test_run_exits_0_and_writes_every_file(run):
    proc, out = run
    assert proc.returncode == 0, proc.stderr[-3000:]
    for sid in EXPECTED:
        assert (out / f"{sid}.pdf").read_bytes()[:5] == b"%PDF-"
        assert result(out, sid)["student_id"] == sid
    assert (out / "summary.pdf").read_bytes()[:5] == b"%PDF-"
    with (out / "grades.csv").open(encoding="utf-8") as f:
        rows = {r["id"]: r for r in csv.DictReader(f)}
    assert set(rows) == set(EXPECTED)
    assert float(rows["s01"]["total"]) == 51.5 and rows["s01"]["name"] == "Arash Rezaei"


@pytest.mark.parametrize("sid", sorted(EXPECTED))
def test_scores_question_by_question(run, sid):
    _, out = run
    r = result(out, sid)
    points = {q["id"]: q["points"] for q in r["questions"]}
    for qid, want in EXPECTED[sid].items():
        assert points[qid] == pytest.approx(want, abs=1e-3), (sid, qid)
    assert r["total"] == pytest.approx(sum(EXPECTED[sid].values()), abs=1e-3)
    assert r["max_total"] == 100
    if sid in STATUS:
        qid, status = STATUS[sid]
        assert next(q for q in r["questions"] if q["id"] == qid)["status"] == status


def test_known_mistakes_are_told_and_counted(run):
    """s02 counts the model's parameters without the batch-norm γ and β and one AlexNet layer without
    its biases; its near-copy s09 makes the same mistakes, and the class summary counts both."""
    _, out = run
    for sid in ("s02", "s09"):
        answers = {a["name"]: a for q in result(out, sid)["questions"] for a in q["answers"]}
        assert answers["q4_params"]["diagnosis"]["mistake"]["en"] == "Batch-norm parameters left out"
        cells = {d["label"]: d.get("diagnosis") for d in answers["q12_table"]["details"]}
        assert cells["layer 8 · params"]["mistake"]["en"] == "Biases left out"
    diagnosed = [sid for sid in EXPECTED for q in result(out, sid)["questions"] for a in q["answers"]
                 if a.get("diagnosis") or any(d.get("diagnosis") for d in a.get("details") or [])]
    assert sorted(set(diagnosed)) == ["s02", "s09"]
    summary = PdfReader(out / "summary.pdf")
    text = " ".join(page.extract_text() for page in summary.pages)
    assert "Known mistakes" in text and "Batch-norm parameters left out" in text


def test_endless_loop_and_broken_notebook_explain_themselves(run):
    _, out = run
    loop = result(out, "s04")
    assert [e["kind"] for e in loop["errors"]] == ["cell_timeout"]
    q7b = next(q for q in loop["questions"] if q["id"] == "q7b")["answers"][0]
    assert "time limit" in q7b["feedback"]["en"] and "KeyboardInterrupt" in q7b["error"]
    broken = result(out, "s06")
    assert broken["errors"][0]["kind"] == "invalid_notebook"
    assert "JSON" in broken["errors"][0]["message"]["en"] and broken["errors"][0]["message"]["fa"]
    text = subprocess.run(["pdftotext", str(out / "s06.pdf"), "-"], capture_output=True, text=True).stdout
    assert "not valid JSON" in text


def test_errors_show_the_traceback_and_manual_answers_are_recorded(run):
    _, out = run
    raised = next(q for q in result(out, "s03")["questions"] if q["id"] == "q3")
    assert "RuntimeError" in raised["answers"][0]["error"]
    essay = next(q for q in result(out, "s01")["questions"] if q["id"] == "q5")
    assert essay["status"] == "manual" and "Dropout" in essay["answer_text"] and essay["points"] == 0


def test_rerun_skips_unchanged_and_regrades_a_changed_submission(run, tmp_path):
    _, out = run
    subs = tmp_path / "hw3"
    shutil.copytree(ROOT / "submissions" / "hw3", subs)
    for sid in list(EXPECTED):
        if sid not in ("s01", "s05"):
            shutil.rmtree(subs / sid)
    copy = tmp_path / "out"
    shutil.copytree(out, copy)
    nb = subs / "s05" / "hw3.ipynb"
    nb.write_text(nb.read_text(encoding="utf-8").replace("q12_table = [", "q12_table = [  "), encoding="utf-8")
    proc = subprocess.run([sys.executable, "-m", "grader.apps.cli", "run", str(subs), "--out", str(copy)],
                          cwd=ROOT, capture_output=True, text=True, timeout=300)
    assert proc.returncode == 0, proc.stderr[-2000:]
    assert "graded 1, unchanged 1" in proc.stdout


def test_similarity_flags_the_planted_copy_and_no_honest_pair(run):
    """s09 copied s02; the other students share only code most of the class shares."""
    _, out = run
    report = json.loads((out / "similarity.json").read_text(encoding="utf-8"))
    flagged = [{p["a"], p["b"]} for p in report["pairs"] if p["flagged"]]
    assert flagged == [{"s02", "s09"}]
    text = subprocess.run(["pdftotext", str(out / "summary.pdf"), "-"], capture_output=True, text=True).stdout
    assert "s09" in text and "Similar" in text
