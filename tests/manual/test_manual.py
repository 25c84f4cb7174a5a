"""The manual-grading loop: export essay answers, import a person's scores, keep them on re-runs."""
import csv
import json
import subprocess
import sys
from pathlib import Path

import nbformat
import pytest
from openpyxl import load_workbook

from tests.support.hostile import corpus
from tests.support.paths import ROOT
from tests.support.runs import grader_env

pytestmark = [pytest.mark.sandbox, pytest.mark.slow, pytest.mark.e2e]

ESSAY = """
  - id: q3
    title: {fa: "یک پرسش تشریحی", en: "An essay question"}
    points: 3
    answers:
      - check: manual
        points: 3
        prompt: {fa: "توضیح دهید", en: "Explain"}
        options: {covers: [{fa: "نکته اصلی", en: "the main point"}]}
"""


def essay_notebook(text: str | None) -> nbformat.NotebookNode:
    nb = corpus.notebook(corpus.HONEST)
    if text is not None:
        nb.cells.append(nbformat.v4.new_markdown_cell(text, metadata={"grader": {"question": "q3", "manual_answer": True}}))
    return nb


def grader(paths, *args: str) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "grader.apps.cli", *args], cwd=ROOT, env=grader_env(paths),
                          capture_output=True, text=True, timeout=300)


@pytest.fixture
def graded(tmp_path):
    paths = corpus.build(tmp_path, 9)
    (paths["rubrics"] / "hostile.yaml").write_text(corpus.RUBRIC + ESSAY)
    subs = tmp_path / "essays"
    for sid, text in {"ana": "پاسخ آنا دربارهٔ Dropout", "ben": "Ben's answer", "cyrus": None}.items():
        (subs / sid).mkdir(parents=True)
        nbformat.write(essay_notebook(text), subs / sid / "hw.ipynb")
    out = tmp_path / "out"
    run = grader(paths, "run", str(subs), "--assignment", "hostile", "--out", str(out))
    assert run.returncode == 0, run.stderr[-2000:]
    assert grader(paths, "manual", "export", str(out)).returncode == 0
    return paths, subs, out


def result(out: Path, sid: str) -> dict:
    return json.loads((out / "results" / f"{sid}.json").read_text(encoding="utf-8"))


def q3(out: Path, sid: str) -> dict:
    return next(q for q in result(out, sid)["questions"] if q["id"] == "q3")


def read_csv(path: Path) -> list[dict[str, str]]:
    with path.open(encoding="utf-8-sig", newline="") as f:
        return list(csv.DictReader(f))


def write_csv(path: Path, rows: list[dict[str, str]]) -> None:
    with path.open("w", encoding="utf-8", newline="") as f:
        w = csv.DictWriter(f, list(rows[0]))
        w.writeheader()
        w.writerows(rows)


def test_export_lists_every_manual_answer(graded):
    _, _, out = graded
    rows = {r["student_id"]: r for r in read_csv(out / "manual" / "manual.csv")}
    assert set(rows) == {"ana", "ben"} and rows["ana"]["answer"] == "پاسخ آنا دربارهٔ Dropout"
    assert rows["ana"]["max_points"] == "3" and rows["ana"]["score"] == ""
    book = load_workbook(out / "manual" / "manual.xlsx").active
    assert [c.value for c in book[1]][:3] == ["student_id", "name", "question"] and book.max_row == 3
    assert result(out, "ana")["manual_pending"] == 3 and q3(out, "ana")["status"] == "manual"
    assert result(out, "cyrus")["manual_pending"] == 0 and q3(out, "cyrus")["status"] == "missing"  # no answer: 0


def test_import_merges_scores_into_results_reports_and_gradebook(graded, tmp_path):
    paths, subs, out = graded
    rows = read_csv(out / "manual" / "manual.csv")
    for row in rows:
        row["score"], row["comment"] = {"ana": ("۲٫۵", "Good, but say why."), "ben": ("3", "")}[row["student_id"]]
    sheet = tmp_path / "filled.csv"
    write_csv(sheet, rows)
    done = grader(paths, "manual", "import", str(out), str(sheet))
    assert done.returncode == 0, done.stderr
    assert result(out, "ana")["total"] == 6.5 and q3(out, "ana")["status"] == "partial"
    assert result(out, "ana")["manual_pending"] == 0 and result(out, "cyrus")["manual_pending"] == 0
    assert result(out, "ben")["total"] == 7 and q3(out, "ben")["status"] == "passed"
    grades = {r["id"]: r for r in read_csv(out / "grades.csv")}
    assert grades["ana"]["q3"] == "2.5" and grades["ana"]["total"] == "6.5"
    text = subprocess.run(["pdftotext", str(out / "ana.pdf"), "-"], capture_output=True, text=True).stdout
    assert "Scored by a teaching assistant: 2.5 of 3." in text
    assert text.count("Good, but say why.") == 1  # the comment once, not once per language line

    # a forced re-run keeps the scores; a changed answer loses its score and waits again
    nbformat.write(essay_notebook("Ben's new answer"), subs / "ben" / "hw.ipynb")
    again = grader(paths, "run", str(subs), "--assignment", "hostile", "--out", str(out), "--force")
    assert again.returncode == 0, again.stderr[-2000:]
    assert result(out, "ana")["total"] == 6.5 and q3(out, "ana")["points"] == 2.5
    assert q3(out, "ben")["status"] == "manual" and result(out, "ben")["total"] == 4
    assert grader(paths, "manual", "export", str(out)).returncode == 0
    ben = next(r for r in read_csv(out / "manual" / "manual.csv") if r["student_id"] == "ben")
    assert ben["score"] == "" and ben["previous"] == "3 for an earlier answer"


def test_import_from_xlsx(graded):
    paths, _, out = graded
    path = out / "manual" / "manual.xlsx"
    book = load_workbook(path)
    sheet = book.active
    for row in sheet.iter_rows(min_row=2):
        if row[0].value == "ben":
            row[7].value = 1
    book.save(path)
    assert grader(paths, "manual", "import", str(out), str(path)).returncode == 0
    assert q3(out, "ben")["points"] == 1


@pytest.mark.parametrize("change,message", [
    (lambda r: r.update(student_id="zed"), "unknown student 'zed'"),
    (lambda r: r.update(score="4"), "outside 0..3"),
    (lambda r: r.update(score="a lot"), "not a number"),
    (lambda r: r.update(answer=r["answer"] + " (improved)", score="3"), "answer cell of ana q3 differs"),
])
def test_bad_rows_are_refused_alone(graded, tmp_path, change, message):
    paths, _, out = graded
    rows = read_csv(out / "manual" / "manual.csv")
    for row in rows:
        row["score"] = "1"
    change(next(r for r in rows if r["student_id"] == "ana"))
    sheet = tmp_path / "bad.csv"
    write_csv(sheet, rows)
    before = result(out, "ana")
    refused = grader(paths, "manual", "import", str(out), str(sheet))
    assert refused.returncode == 1 and "row 2: " in refused.stderr and message in refused.stderr
    assert result(out, "ana") == before and q3(out, "ben")["points"] == 1
