"""Result files written by the grader before the typed core (schema 1) still read, keep every
student's points, and re-render to the same report text: a golden-file check that the typed core
changed no student's points or report. The files are the bundled hw3 and hw4 sample classes as
graded by the last grader with untyped results."""
import json
from pathlib import Path

import pytest
from pypdf import PdfReader

from grader.core.result import StudentResult
from grader.outputs.reports import render_student_report

GOLDEN = Path(__file__).parent / "golden"
FILES = sorted(GOLDEN.glob("*/*.json"))
ANSWER_KEYS = ("name", "check", "points", "max_points", "status", "secret", "expected", "found", "feedback", "error")


def _old(path: Path) -> dict:
    return json.loads(path.read_text(encoding="utf-8"))


@pytest.mark.parametrize("path", FILES, ids=lambda p: f"{p.parent.name}-{p.stem}")
def test_old_result_reads_with_the_same_points(path):
    old = _old(path)
    new = StudentResult.from_json(old).to_json()
    assert "schema" not in old and new["schema"] == 2
    for key in ("student_id", "student", "assignment", "total", "max_total", "manual_pending", "hashes", "errors"):
        assert new[key] == old[key], key
    assert len(new["questions"]) == len(old["questions"])
    for q_new, q_old in zip(new["questions"], old["questions"]):
        for key in ("id", "title", "points", "max_points", "status", "feedback", "manual_points", "answer_text"):
            assert q_new[key] == q_old[key], (q_old["id"], key)
        for a_new, a_old in zip(q_new["answers"], q_old["answers"], strict=True):
            assert {k: a_new[k] for k in ANSWER_KEYS} == {k: a_old[k] for k in ANSWER_KEYS}, (q_old["id"], a_old["name"])
            assert a_new["by_person"] == (a_old["check"] == "manual")


def test_a_typed_result_round_trips():
    for path in FILES:
        typed = StudentResult.from_json(_old(path))
        assert StudentResult.from_json(typed.to_json()) == typed


@pytest.mark.slow
@pytest.mark.parametrize("path", FILES, ids=lambda p: f"{p.parent.name}-{p.stem}")
def test_old_result_renders_the_same_report(path, tmp_path):
    pdf = tmp_path / "report.pdf"
    render_student_report(StudentResult.from_json(_old(path)), pdf)
    text = "\n".join(page.extract_text() for page in PdfReader(pdf).pages)
    assert text == path.with_suffix(".txt").read_text(encoding="utf-8")
