"""Rubric loading: the bundled rubric is valid; each kind of mistake names its file and line."""
import os
import subprocess
import sys
from pathlib import Path

import pytest

from grader.rubric import RubricError
from grader.checks import load_rubric
from tests.support.paths import HW3, ROOT


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
    ("- id: q13", '- id: "q13\\n"', 'id: "q13', "must look like q1"),  # '$' would match before the newline
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


NOT_A_NAME = ("is not a reference name: module.function inside the rubric's reference package, Python "
              "identifiers joined by dots")


@pytest.mark.parametrize("name, words", [
    ("ex11_filters.lru_cache", "reference.hw3.ex11_filters.lru_cache is defined in functools, not in "
                               "reference.hw3.ex11_filters: a rubric may name only functions defined in its "
                               "reference package reference.hw3"),
    ("..ex12_alexnet.table", f"'..ex12_alexnet.table' {NOT_A_NAME}"),
    ("ex12_alexnet.table()", f"'ex12_alexnet.table()' {NOT_A_NAME}"),
    ("/etc/passwd", f"'/etc/passwd' {NOT_A_NAME}"),
])
def test_only_functions_defined_in_the_reference_package(tmp_path, name, words):
    """What was imported into a reference module, and names that are not dotted identifiers (refused as
    the rubric is read, before any import), are refused with the file and line."""
    path = _broken(tmp_path, "reference: ex12_alexnet.table", f"reference: {name!r}")
    where = next(f"questions[{qi}].answers[{ai}]" for qi, q in enumerate(load_rubric(HW3, references=False).questions)
                 for ai, a in enumerate(q.answers) if a.reference == "ex12_alexnet.table")
    with pytest.raises(RubricError) as info:
        load_rubric(path)
    assert str(info.value) == f"{path}:{_line_of(path, f'reference: {name!r}')}: {where}.reference: {words}"


@pytest.mark.slow
def test_rubric_check_refuses_names_outside_the_package(tmp_path):
    """`grader rubric check` names every such reference with its file and line, and exits 2."""
    text, expected = HW3.read_text(encoding="utf-8"), []
    answers = [(f"questions[{qi}].answers[{ai}]", a.reference)
               for qi, q in enumerate(load_rubric(HW3, references=False).questions) for ai, a in enumerate(q.answers)]
    for old, name, words in [
        ("ex12_alexnet.table", "os.system",
         "no reference module reference.hw3.os (No module named 'reference.hw3.os')"),
        ("ex3_conv_pool.one_step", "subprocess.getoutput",
         "no reference module reference.hw3.subprocess (No module named 'reference.hw3.subprocess')"),
        ("ex14_separable.rank1_conv", "ex11_filters.np.load",
         "no reference module reference.hw3.ex11_filters.np (No module named 'reference.hw3.ex11_filters.np'; "
         "'reference.hw3.ex11_filters' is not a package)"),
        ("ex1_backprop.gradients", "ex11_filters.load_sample_image",
         "reference.hw3.ex11_filters.load_sample_image is defined in sklearn.datasets._base, not in "
         "reference.hw3.ex11_filters: a rubric may name only functions defined in its reference package reference.hw3"),
    ]:
        assert f"reference: {old}\n" in text
        text = text.replace(f"reference: {old}\n", f"reference: {name}\n", 1)
        where = next(w for w, ref in answers if ref == old)
        line = 1 + text[:text.index(f"reference: {name}\n")].count("\n")
        expected.append((line, f"{where}.reference: {words}"))
    path = tmp_path / "hw3.yaml"
    path.write_text(text, encoding="utf-8")
    out = subprocess.run([sys.executable, "-m", "grader.apps.cli", "rubric", "check", str(path)],
                         capture_output=True, text=True, cwd=ROOT)
    assert out.returncode == 2
    assert out.stderr.splitlines()[-4:] == [f"{path}:{line}: {what}" for line, what in sorted(expected)]


@pytest.mark.parametrize("package, words", [
    ("subprocess", "'subprocess' is part of Python's standard library, not a reference package"),
    ("builtins", "'builtins' is part of Python's standard library, not a reference package"),
    ("os.path", "'os.path' is part of Python's standard library, not a reference package"),
    ("reference..hw3", "'reference..hw3' is not a package name (Python identifiers joined by dots)"),
    ("reference/hw3", "'reference/hw3' is not a package name (Python identifiers joined by dots)"),
])
def test_the_reference_package_is_a_package_of_the_course(tmp_path, package, words):
    path = _broken(tmp_path, "reference: reference.hw3", f"reference: {package}")
    with pytest.raises(RubricError) as info:
        load_rubric(path, references=False)
    assert str(info.value) == f"{path}:{_line_of(path, f'reference: {package}')}: reference: {words}"


TINY = """\
assignment: tiny
title: {{fa: ت, en: t}}
course: {{fa: د, en: c}}
reference: {package}
questions:
  - id: q1
    title: {{fa: ی, en: one}}
    points: 1
    answers:
      - name: answer
        check: numeric
        points: 1
        prompt: {{fa: پ, en: p}}
        reference: {name}
        params: {{cmd: "touch {marker}"}}
"""


def _tiny(folder: Path, package: str, name: str, marker: Path) -> Path:
    """rubrics/tiny.yaml whose one answer would run `touch marker` if its reference could be called,
    beside a package tiny_refs that defines `value`."""
    (folder / "tiny_refs").mkdir(exist_ok=True)
    (folder / "tiny_refs" / "__init__.py").write_text("def value(cmd):\n    return 1\n", encoding="utf-8")
    (folder / "rubrics").mkdir(exist_ok=True)
    path = folder / "rubrics" / "tiny.yaml"
    path.write_text(TINY.format(package=package, name=name, marker=marker), encoding="utf-8")
    return path


HOSTILE = [("tiny_refs", "subprocess.getoutput"), ("subprocess", "getoutput"), ("builtins", "exec"),
           ("tiny_refs", "..subprocess.getoutput")]


@pytest.mark.slow
def test_checking_a_hostile_name_imports_nothing_outside_the_package(tmp_path):
    """Each hostile rubric is refused, and in a fresh interpreter neither subprocess nor the package's
    outside is imported: the name's form is checked first, then only modules under the package."""
    marker = tmp_path / "marker"
    code = "import sys\nfrom grader.rubric import RubricError\nfrom grader.checks import load_rubric\n"
    for i, (package, name) in enumerate(HOSTILE):
        folder = tmp_path / str(i)
        folder.mkdir()
        code += (f"try:\n    load_rubric({str(_tiny(folder, package, name, marker))!r})\n"
                 "except RubricError as exc:\n    print(exc)\n")
    code += "print('subprocess' in sys.modules)"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, cwd=ROOT,
                         env={**os.environ, "PYTHONPATH": str(tmp_path / "0")})
    assert out.returncode == 0, out.stderr
    rubric = [tmp_path / str(i) / "rubrics" / "tiny.yaml" for i in range(len(HOSTILE))]
    assert out.stdout.splitlines() == [
        f"{rubric[0]}:14: questions[0].answers[0].reference: no reference module tiny_refs.subprocess (No module "
        "named 'tiny_refs.subprocess')",
        f"{rubric[1]}:4: reference: 'subprocess' is part of Python's standard library, not a reference package",
        f"{rubric[2]}:4: reference: 'builtins' is part of Python's standard library, not a reference package",
        f"{rubric[3]}:14: questions[0].answers[0].reference: '..subprocess.getoutput' {NOT_A_NAME}",
        "False"]
    assert not marker.exists()


@pytest.mark.slow
@pytest.mark.parametrize("package, name, words", [
    ("subprocess", "getoutput", "4: reference: 'subprocess' is part of Python's standard library"),
    ("tiny_refs", "subprocess.getoutput", "14: questions[0].answers[0].reference: no reference module "
                                          "tiny_refs.subprocess"),
])
def test_a_run_with_a_hostile_reference_runs_nothing(tmp_path, package, name, words):
    """`grader run` refuses the rubric (at load, or when it checks the reference names once its kernels
    start) with exit 2 and the file and line; the command the reference would run never runs."""
    marker = tmp_path / "marker"
    path = _tiny(tmp_path, package, name, marker)
    subs = tmp_path / "tiny"
    subs.mkdir()
    (subs / "s01.ipynb").write_text('{"cells": [], "metadata": {}, "nbformat": 4, "nbformat_minor": 5}',
                                    encoding="utf-8")
    proc = subprocess.run([sys.executable, "-m", "grader.apps.cli", "run", str(subs), "--out", str(tmp_path / "out")],
                          capture_output=True, text=True, cwd=ROOT, timeout=300,
                          env={**os.environ, "GRADER_RUBRICS": str(path.parent), "PYTHONPATH": str(tmp_path)})
    assert proc.returncode == 2, proc.stderr
    assert f"{path}:{words}" in proc.stderr
    assert not marker.exists() and not list((tmp_path / "out").glob("results/*.json"))


def test_yaml_syntax_error_names_the_line(tmp_path):
    path = _broken(tmp_path, "assignment: hw3", "assignment: [hw3")
    with pytest.raises(RubricError, match=rf"{path}:\d+: YAML syntax"):
        load_rubric(path)


@pytest.mark.slow
def test_rubric_check_command(tmp_path):
    ok = subprocess.run([sys.executable, "-m", "grader.apps.cli", "rubric", "check", str(HW3)],
                        capture_output=True, text=True, cwd=ROOT)
    assert ok.returncode == 0 and "38 questions" in ok.stdout
    bad = _broken(tmp_path, "check: table", "check: tabel")
    out = subprocess.run([sys.executable, "-m", "grader.apps.cli", "rubric", "check", str(bad)],
                         capture_output=True, text=True, cwd=ROOT)
    assert out.returncode == 2
    assert f"{bad}:{_line_of(bad, 'check: tabel')}: questions[" in out.stderr


@pytest.mark.sandbox
@pytest.mark.slow
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
    proc = subprocess.run([sys.executable, "-m", "grader.apps.cli", "run", str(subs), "--out", str(out)],
                          capture_output=True, text=True, cwd=ROOT,
                          env={**os.environ, "GRADER_RUBRICS": str(rubrics)})
    assert proc.returncode == 2, proc.stderr
    assert f"{bad}:{_line_of(bad, 'ex12_alexnet.tabel')}:" in proc.stderr and "no function 'tabel'" in proc.stderr
    assert not list(out.glob("results/*.json"))


@pytest.mark.slow
def test_a_plan_loads_without_importing_the_reference_code():
    code = ("import sys; from grader.engine.plan import GradingPlan; "
            f"plan = GradingPlan.load({str(HW3)!r}); "
            "assert not plan.prepared and plan.held_out() is not None; "
            "print(sorted(m for m in ('torch', 'sklearn', 'reference.hw3.ex12_alexnet') if m in sys.modules))")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, cwd=ROOT)
    assert out.returncode == 0, out.stderr
    assert out.stdout.strip() == "[]"


def test_a_deadline_has_a_timezone_and_a_late_policy_needs_a_deadline(tmp_path):
    top = "questions:\n"
    good = _broken(tmp_path, top, "deadline: 2026-12-01T23:59:00+03:30\n"
                   "late: {grace_minutes: 15, per_day_percent: 10, max_days: 5}\n" + top)
    rubric = load_rubric(good)
    assert rubric.deadline.utcoffset().total_seconds() == 3.5 * 3600 and rubric.late.max_days == 5
    for bad, words in [("deadline: 2026-12-01T23:59:00\n", "timezone"),
                       ("late: {per_day_percent: 10}\n", "a late policy needs a deadline"),
                       ("deadline: 2026-12-01T23:59:00Z\nlate: {per_day_percent: 150}\n", "less than or equal to 100")]:
        path = _broken(tmp_path, top, bad + top)
        with pytest.raises(RubricError, match=words):
            load_rubric(path)


@pytest.mark.parametrize("name", ["numpy\n", "numpy;import os", "os.", ".numpy", "torch..nn", "1numpy"])
def test_a_preload_entry_is_a_dotted_module_name_and_nothing_else(name):
    from pydantic import ValidationError

    from grader.rubric.schema import KernelOptions

    assert KernelOptions(preload=["numpy", "torch.nn"]).preload == ["numpy", "torch.nn"]
    with pytest.raises(ValidationError, match="is not a module name"):
        KernelOptions(preload=[name])
