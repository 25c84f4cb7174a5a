"""`grader run` with a deadline, end to end on a small class (the `alone` assignment, 11 points, without
the sandbox for speed): the folders' `.submitted_at` as the collection writes it, a student's link in its
place, then the course's list, which a student's own file cannot override; a changed time grades again."""
import json
import os
import subprocess
import sys
from pathlib import Path

import nbformat
import pytest
from nbformat.v4 import new_code_cell, new_notebook

from tests.support.answers_alone import HONEST, REFERENCE, RUBRIC
from tests.support.paths import ROOT

pytestmark = [pytest.mark.slow, pytest.mark.e2e]

LATE = "deadline: 2026-11-20T23:59:00+03:30\nlate: {grace_minutes: 15, per_day_percent: 10, max_days: 5}\n"


def grade(tmp: Path, *args: str) -> tuple[subprocess.CompletedProcess, dict[str, dict]]:
    env = {**os.environ, "PYTHONPATH": str(tmp / "refpkg"), "GRADER_RUBRICS": str(tmp / "rubrics"),
           "GRADER_UNSAFE_NO_SANDBOX": "1"}
    proc = subprocess.run([sys.executable, "-m", "grader.apps.cli", "run", str(tmp / "alone"), "--out",
                           str(tmp / "out"), "--jobs", "1", *args], cwd=ROOT, env=env, capture_output=True,
                          text=True, timeout=600)
    assert proc.returncode == 0, proc.stderr[-2000:]
    return proc, {p.stem: json.loads(p.read_text(encoding="utf-8")) for p in (tmp / "out" / "results").glob("*.json")}


def test_a_deadline_through_grader_run(tmp_path):
    (tmp_path / "refpkg" / "alone_ref").mkdir(parents=True)
    (tmp_path / "refpkg" / "alone_ref" / "__init__.py").write_text(REFERENCE)
    (tmp_path / "rubrics").mkdir()
    (tmp_path / "rubrics" / "alone.yaml").write_text(LATE + RUBRIC.lstrip())
    for sid in ("late", "linked"):
        (tmp_path / "alone" / sid).mkdir(parents=True)
        nbformat.write(new_notebook(cells=[new_code_cell(HONEST)]), tmp_path / "alone" / sid / "alone.ipynb")
    (tmp_path / "alone" / "late" / ".submitted_at").write_text("2026-11-22T10:00:00+03:30\n")  # 2 days late
    (tmp_path / "alone" / "linked" / "early.txt").write_text("2026-11-01T00:00:00Z")
    (tmp_path / "alone" / "linked" / ".submitted_at").symlink_to("early.txt")  # a student's link, inside the folder

    proc, results = grade(tmp_path)
    assert results["late"]["late"]["days_late"] == 2 and results["late"]["total"] == round(11 * 0.8, 4)
    assert results["linked"]["late"]["submitted_at"] is None and results["linked"]["total"] == 11
    assert "not a plain file" in results["linked"]["late"]["problem"]
    assert "no usable submission time, so no late penalty, for 1 submission(s)" in proc.stderr
    assert proc.stderr.rstrip().endswith(": linked")
    grades = (tmp_path / "out" / "grades.csv").read_text(encoding="utf-8")
    assert "\nlate," in grades and ",8.8,11," in grades  # the gradebook has the total after the penalty

    listed = tmp_path / "times.csv"
    listed.write_text("id,submitted_at\nlate,2026-11-20T23:59:00+03:30\nlinked,2026-11-27T12:00:00+03:30\n")
    proc, results = grade(tmp_path, "--submitted-at-from", str(listed))
    assert "graded 2, unchanged 0" in proc.stdout  # the times changed, so both are graded again
    assert (results["late"]["late"]["days_late"], results["late"]["total"]) == (0, 11)  # the folder's file ignored
    assert (results["linked"]["late"]["days_late"], results["linked"]["total"]) == (7, 0)  # past max_days: nothing
    assert results["linked"]["late"]["source"] == "list"

    proc, _ = grade(tmp_path, "--submitted-at-from", str(listed))
    assert "graded 0, unchanged 2" in proc.stdout
