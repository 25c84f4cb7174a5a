"""`grader check`: a student's notebook with one answer missing, one of the wrong shape, one function that
raises and one right gets exactly these messages, in Persian and English, and no reference value; the
released template's first cell runs the same check on the kernel's own answers."""
import contextlib
import io
import sys
from pathlib import Path

import nbformat
import pytest
from nbformat.v4 import new_code_cell, new_notebook

from grader.apps.cli import main
from grader.engine.plan import GradingPlan
from grader.kernel.execute import execute
from grader.release import template
from grader.checks import load_rubric
from grader.apps.selfcheck import check_file

REFERENCE = '''\
import numpy as np


def total():
    return 12.375


def weights():
    return np.array([0.125, 0.625, 0.25])


def scale(x, factor):
    return np.asarray(x) * factor


def draw(seed):
    rng = np.random.default_rng(seed)
    return {"x": rng.normal(size=(2, 3)).round(3).tolist(), "factor": 1.5}


def count():
    return 4242
'''

RUBRIC = """\
assignment: selfcheck
title: {fa: ت, en: t}
course: {fa: د, en: c}
reference: selfcheck_ref
questions:
  - id: q1
    title: {fa: ی, en: one}
    points: 4
    answers:
      - {name: total, check: numeric, points: 1, reference: total, prompt: {fa: پ, en: p}}
      - {name: weights, check: array, points: 1, reference: weights, prompt: {fa: پ, en: p}}
      - {name: scale, check: function, points: 1, reference: scale, options: {inputs: draw, trials: 2},
         prompt: {fa: پ, en: p}}
      - {name: count, check: numeric, points: 1, reference: count, prompt: {fa: پ, en: p}}
"""
SECRETS = ("12.375", "0.125", "0.625", "4242", "1.5")  # reference values, and an input the grader draws

ANSWERS = [
    "total = 12.375",
    "import numpy as np\nweights = np.array([0.125, 0.625])",
    "def scale(x, factor):\n    raise ValueError('not done yet')",
]
PROBLEMS_EN = [
    "3 of 4 answers checked have a problem:",
    "- q1 · weights: has shape (2,); shape (3,) is asked for.",
    "- q1 · scale: raised ValueError: not done yet",
    "- q1 · count: is not defined (or is None).",
]
PROBLEMS_FA = [
    "3 پاسخ از 4 پاسخ بررسی‌شده ایراد دارد:",
    "- q1 · weights: شکل آن (2,) است؛ شکل (3,) خواسته شده است.",
    "- q1 · scale: خواندن یا فراخوانی آن خطا داد: ValueError: not done yet",
    "- q1 · count: تعریف نشده است (یا None است).",
]


@pytest.fixture
def course(tmp_path, monkeypatch):
    (tmp_path / "rubrics").mkdir()
    (tmp_path / "rubrics" / "selfcheck.yaml").write_text(RUBRIC, encoding="utf-8")
    (tmp_path / "selfcheck_ref.py").write_text(REFERENCE, encoding="utf-8")
    monkeypatch.syspath_prepend(str(tmp_path))
    monkeypatch.setenv("GRADER_RUBRICS", str(tmp_path / "rubrics"))
    yield tmp_path
    sys.modules.pop("selfcheck_ref", None)


def notebook(path: Path, sources: list[str], assignment: str | None = "selfcheck") -> Path:
    nb = new_notebook(cells=[new_code_cell(s) for s in sources],
                      metadata={"grader": {"assignment": assignment}} if assignment else {})
    nbformat.write(nb, path)
    return path


def grader_check(*args: str) -> tuple[int, str, str]:
    out, err = io.StringIO(), io.StringIO()
    with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
        code = main(["check", *args])
    return code, out.getvalue(), err.getvalue()


@pytest.mark.sandbox
def test_a_student_learns_what_is_missing_misshapen_or_raising_and_nothing_else(course):
    """Exit 1; the exact messages, Persian first; none of the reference values, nor the inputs drawn."""
    code, out, err = grader_check(str(notebook(course / "hw.ipynb", ANSWERS)))
    assert code == 1, err
    fa, en = out.rstrip("\n").split("\n\n")
    assert en.splitlines() == PROBLEMS_EN and fa.splitlines() == PROBLEMS_FA
    for value in SECRETS:
        assert value not in out + err


@pytest.mark.sandbox
def test_an_answer_of_the_wrong_type_and_a_notebook_in_form(course):
    """A str where a number is asked for is named by type; once every answer is in form, exit 0 with
    no finding, whether or not the values are right (that is grading's to say)."""
    wrong = ["total = 'twelve'", "weights = [1, 2, 3]", "def scale(x, factor):\n    return x[0]", "count = 1"]
    found, total = check_file(notebook(course / "a.ipynb", wrong), "selfcheck")
    assert total == 4 and [(f.name, f.problem, f.en) for f in found] == [
        ("total", "type", "q1 · total: is a str; a number is asked for."),
        ("scale", "shape", "q1 · scale: its result has shape (3,); shape (2, 3) is asked for.")]
    right = ["total = 1.0", "import numpy as np\nweights = np.zeros(3)",
             "import numpy as np\ndef scale(x, factor):\n    return np.asarray(x) * 2", "count = 1"]
    code, out, _ = grader_check(str(notebook(course / "b.ipynb", right)), "--assignment", "selfcheck")
    assert code == 0 and "All 4 answers checked are defined and of the right type and shape" in out


def test_a_notebook_that_names_no_assignment_needs_one(course):
    code, _, err = grader_check(str(notebook(course / "c.ipynb", ANSWERS, assignment=None)))
    assert code == 2 and "pass --assignment ID" in err


@pytest.mark.sandbox
def test_the_templates_first_cell_checks_the_running_kernels_answers(course):
    """The released template starts with the check cell. Run first (as when graded) it only asks to be run
    again; run after the answers, in the same kernel, it prints the same findings as `grader check`."""
    rubric_path = course / "rubrics" / "selfcheck.yaml"
    cell = template(load_rubric(rubric_path)).cells[1]
    assert cell.metadata["grader"] == {"selfcheck": True} and "check_here('selfcheck')" in cell.source
    nb = new_notebook(cells=[new_code_cell(cell.source), *map(new_code_cell, ANSWERS), new_code_cell(cell.source)])
    plan = GradingPlan.load(rubric_path)
    env = {"GRADER_RUBRICS": str(course / "rubrics"), "PYTHONPATH": f"{course}:{Path.cwd()}"}
    execute(nb, course, [], limits=plan.rubric.limits, use_sandbox=False, env=env)
    first, last = ("".join(o.get("text", "") for o in nb.cells[i].outputs) for i in (0, -1))
    assert first.splitlines()[1] == "No answer is defined yet: run this cell again after running all the others."
    assert last.rstrip("\n").split("\n\n")[1].splitlines() == PROBLEMS_EN
    for value in SECRETS:
        assert value not in first + last
