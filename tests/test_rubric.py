"""Rubric loading: the bundled rubric is valid; each kind of mistake names its file and line."""
import os
import subprocess
import sys
from pathlib import Path

import pytest

from grader.rubric import RubricError, load_rubric

ROOT = Path(__file__).resolve().parents[1]
HW3 = ROOT / "rubrics" / "hw3.yaml"


def test_hw3_rubric_is_valid_and_numbered_like_the_assignment():
    rubric = load_rubric(HW3)
    ids = [q.id for q in rubric.questions]
    assert ids[0] == "q1a" and "q12" in ids and ids[-1] == "q15"
    assert {f"q{n}" for n in range(1, 16)} <= {i.rstrip("abcdefg") for i in ids}
    assert rubric.max_points == 100
    assert all(q.title.fa and q.title.en for q in rubric.questions)


def _broken(tmp_path: Path, old: str, new: str) -> Path:
    text = HW3.read_text(encoding="utf-8")
    assert old in text
    path = tmp_path / "hw3.yaml"
    path.write_text(text.replace(old, new, 1), encoding="utf-8")
    return path


def _line_of(path: Path, needle: str) -> int:
    return next(i for i, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1) if needle in line)


@pytest.mark.parametrize("old,new,needle,words", [
    ("        check: array\n        points: 2\n", "        check: array\n        points: -2\n",
     "points: -2", "greater than 0"),
    ("check: table", "check: tabel", "check: tabel", "unknown check type 'tabel'"),
    ("reference: ex12_alexnet.table", "reference: ex12_alexnet.tabel", "ex12_alexnet.tabel", "no function 'tabel'"),
    ("- id: q13", "- id: question13", "id: question13", "must look like q1"),
    ("options: {inputs: ex7_iris.draw_inputs, trials: 3, format: numpy}",
     "options: {inputs: ex7_iris.draw_inputs, trials: 3, format: jax}", "format: jax", "numpy"),
    ("    points: 8\n    assumptions:\n      - fa: \"شکل", "    points: 9\n    assumptions:\n      - fa: \"شکل",
     "- id: q1a", "add up to 8, not 9"),
])
def test_mistakes_are_reported_with_file_and_line(tmp_path, old, new, needle, words):
    path = _broken(tmp_path, old, new)
    with pytest.raises(RubricError) as info:
        load_rubric(path)
    message = str(info.value)
    assert f"{path}:{_line_of(path, needle)}:" in message, message
    assert words in message


def test_yaml_syntax_error_names_the_line(tmp_path):
    path = _broken(tmp_path, "assignment: hw3", "assignment: [hw3")
    with pytest.raises(RubricError, match=rf"{path}:\d+: YAML syntax"):
        load_rubric(path)


def test_rubric_check_command(tmp_path):
    ok = subprocess.run([sys.executable, "-m", "grader.cli", "rubric", "check", str(HW3)],
                        capture_output=True, text=True, cwd=ROOT)
    assert ok.returncode == 0 and "38 questions" in ok.stdout
    bad = _broken(tmp_path, "check: table", "check: tabel")
    out = subprocess.run([sys.executable, "-m", "grader.cli", "rubric", "check", str(bad)],
                         capture_output=True, text=True, cwd=ROOT)
    assert out.returncode == 2
    assert f"{bad}:{_line_of(bad, 'check: tabel')}: questions[" in out.stderr


def test_a_run_with_a_wrong_reference_name_stops_before_grading(tmp_path):
    """`grader run` checks reference names after starting its kernels (`GradingPlan.prepare`):
    still exit 2 with the file and line, no student graded, nothing left running."""
    rubrics = tmp_path / "rubrics"
    rubrics.mkdir()
    bad = _broken(rubrics, "reference: ex12_alexnet.table", "reference: ex12_alexnet.tabel")
    subs = tmp_path / "hw3"
    subs.mkdir()
    (subs / "s05.ipynb").write_bytes((ROOT / "submissions" / "hw3" / "s05" / "hw3.ipynb").read_bytes())
    out = tmp_path / "out"
    proc = subprocess.run([sys.executable, "-m", "grader.cli", "run", str(subs), "--out", str(out)],
                          capture_output=True, text=True, cwd=ROOT,
                          env={**os.environ, "GRADER_RUBRICS": str(rubrics)})
    assert proc.returncode == 2, proc.stderr
    assert f"{bad}:{_line_of(bad, 'ex12_alexnet.tabel')}:" in proc.stderr and "no function 'tabel'" in proc.stderr
    assert not list(out.glob("results/*.json"))


def test_a_plan_loads_without_importing_the_reference_code():
    code = ("import sys; from grader.engine.plan import GradingPlan; "
            f"plan = GradingPlan.load({str(HW3)!r}); "
            "assert not plan.prepared and plan.held_out() is not None; "
            "print(sorted(m for m in ('torch', 'sklearn', 'reference.hw3.ex12_alexnet') if m in sys.modules))")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, cwd=ROOT)
    assert out.returncode == 0, out.stderr
    assert out.stdout.strip() == "[]"
