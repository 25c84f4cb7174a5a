"""Shared by the sample-class tests: grade `submissions/<id>` once into a temporary folder."""
import csv
import json
import subprocess
import sys
from pathlib import Path

from tests.support.paths import ROOT


_GRADED: dict[str, Path] = {}  # one grading per class and test session, shared by the tests that read it


def grade_sample(assignment: str, tmp_path_factory) -> Path:
    """Run `grader run submissions/<assignment>` once per session and return the output folder (exit 0
    asserted); the tests read it and never write to it."""
    if assignment in _GRADED:
        return _GRADED[assignment]
    out = tmp_path_factory.mktemp("reports") / assignment
    proc = subprocess.run([sys.executable, "-m", "grader.apps.cli", "run", f"submissions/{assignment}", "--out", str(out)],
                          cwd=ROOT, capture_output=True, text=True, timeout=900)
    assert proc.returncode == 0, proc.stderr[-3000:]
    _GRADED[assignment] = out
    return out


def load_result(out: Path, sid: str) -> dict:
    return json.loads((out / "results" / f"{sid}.json").read_text(encoding="utf-8"))


def gradebook(out: Path) -> dict[str, dict[str, str]]:
    """grades.csv rows by student id."""
    with (out / "grades.csv").open(encoding="utf-8") as f:
        return {r["id"]: r for r in csv.DictReader(f)}
