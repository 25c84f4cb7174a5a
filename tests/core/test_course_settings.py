"""One course settings object (`grader.core.settings.Course`): a course folder's own rubrics, reference
code and data folder are the ones used, by `--course DIR` or as the working directory, in the trusted
process and in the workers the grading plan is handed to."""
import json
import os
import pickle
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

from grader.core.settings import Course, CourseError
from grader.references import forget
from grader.models import datasets

ROOT = Path(__file__).resolve().parents[2]

RUBRIC = """\
assignment: hw3
title: {fa: ت, en: the course's own hw3}
course: {fa: د, en: c}
reference: reference.hw3
questions:
  - id: q99
    title: {fa: ی, en: one}
    points: 1
    answers:
      - {name: answer, check: numeric, points: 1, reference: ex12_alexnet.table, prompt: {fa: پ, en: p}}
"""


@pytest.fixture(autouse=True)
def _this_process_forgets_the_courses():
    """A plan unpickled here makes its course's reference package the one `reference` imports in this
    process (`grader.references.use`); later tests import the bundled one."""
    yield
    forget()


def make_course(folder: Path, value: int = 4242, data_dir: str | None = "sets") -> Path:
    """A course whose rubric hw3 names `ex12_alexnet.table` of its own reference.hw3, a number here
    where the bundled course's function of that name returns AlexNet's table."""
    (folder / "rubrics").mkdir(parents=True)
    (folder / "rubrics" / "hw3.yaml").write_text(RUBRIC, encoding="utf-8")
    (folder / "reference" / "hw3").mkdir(parents=True)
    (folder / "reference" / "__init__.py").write_text("", encoding="utf-8")
    (folder / "reference" / "hw3" / "__init__.py").write_text("", encoding="utf-8")
    (folder / "reference" / "hw3" / "ex12_alexnet.py").write_text(f"def table():\n    return {value}\n",
                                                                  encoding="utf-8")
    if data_dir is not None:
        (folder / "grader.yaml").write_text(f"data_dir: {data_dir}\n", encoding="utf-8")
    return folder


def grader(*args: str, cwd: Path, env: dict[str, str] | None = None) -> subprocess.CompletedProcess:
    """The CLI without the working directory on sys.path (`-P`), and with the bundled course on it
    (PYTHONPATH): only the course's own reference package may win over the bundled one."""
    env = {**os.environ, "PYTHONPATH": str(ROOT), **(env or {})}
    env.pop("GRADER_RUBRICS", None)
    return subprocess.run([sys.executable, "-P", "-m", "grader.apps.cli", *args], cwd=cwd, env=env,
                          capture_output=True, text=True, timeout=300)


def test_reference_answers_come_from_the_course_named_by_course(tmp_path):
    course = make_course(tmp_path / "course")
    out = grader("--course", str(course), "reference", "hw3", "--json", cwd=tmp_path)
    assert out.returncode == 0, out.stderr
    assert json.loads(out.stdout) == {"q99": {"answer": 4242}}


def test_reference_answers_come_from_the_working_directorys_course(tmp_path):
    course = make_course(tmp_path / "course", value=7)
    out = grader("reference", "hw3", "--json", cwd=course)
    assert out.returncode == 0, out.stderr
    assert json.loads(out.stdout) == {"q99": {"answer": 7}}


def test_without_a_course_the_bundled_one_is_used(tmp_path):
    out = grader("reference", "hw3", "q12", "--json", cwd=tmp_path)
    assert out.returncode == 0, out.stderr
    assert json.loads(out.stdout)["q12"]["q12_table"]["rows"]
    assert Course.load(env={}).rubrics == ROOT / "rubrics"


def test_a_course_folder_that_is_not_one_is_a_usage_error(tmp_path):
    out = grader("--course", str(tmp_path / "nowhere"), "reference", "hw3", cwd=tmp_path)
    assert out.returncode == 2 and "is not a folder" in out.stderr
    with pytest.raises(CourseError):
        Course.load(tmp_path / "nowhere")


def test_the_data_folder_is_relative_to_the_courses_grader_yaml(tmp_path, monkeypatch):
    course = make_course(tmp_path / "course")
    monkeypatch.chdir(tmp_path)
    assert Course.load(course, env={}).data == course / "sets"
    monkeypatch.delenv("GRADER_DATA", raising=False)
    assert datasets.data_root(Course.load(course)) == course / "sets"
    assert Course.load(make_course(tmp_path / "bare", data_dir=None), env={}).data is None


def test_grader_data_and_grader_rubrics_still_override(tmp_path, monkeypatch):
    course = make_course(tmp_path / "course")
    monkeypatch.setenv("GRADER_DATA", str(tmp_path / "elsewhere"))
    monkeypatch.setenv("GRADER_RUBRICS", str(tmp_path / "rubrics-elsewhere"))
    loaded = Course.load(course)
    assert loaded.data == tmp_path / "elsewhere" and loaded.rubrics == tmp_path / "rubrics-elsewhere"
    assert loaded.references == course / "reference"


def test_a_course_pickles_as_plain_paths(tmp_path):
    course = Course.load(make_course(tmp_path / "course"), env={})
    again = pickle.loads(pickle.dumps(course))
    assert again == course and all(isinstance(p, Path) for p in (again.root, again.rubrics, again.data))


WORKER = """\
import os, pickle, sys
from grader.engine.worker import kernel_setup
plan = pickle.loads(open(sys.argv[1], "rb").read())  # as a local worker or a Ray task receives it
check = plan.checks[0][1][0]
print(repr(check.references.call("ex12_alexnet.table")))
print(kernel_setup(plan, {}, use_sandbox=False).env.get("GRADER_DATA"))
"""


def test_a_worker_uses_the_plans_course_wherever_it_runs(tmp_path, monkeypatch):
    """The plan carries its course: a worker elsewhere (another working directory, holding a course of
    its own with other data and reference code) imports the plan's reference code and shows its
    kernels the plan's data folder."""
    from grader.engine.plan import GradingPlan

    monkeypatch.delenv("GRADER_DATA", raising=False)
    course = Course.load(make_course(tmp_path / "course", value=11), env={})
    (course.data / "mnist").mkdir(parents=True)
    plan = GradingPlan.build(course.rubric("hw3"), course=course)
    assert plan.course == course and plan.checks[0][1][0].expected == 11
    (tmp_path / "plan.pickle").write_bytes(pickle.dumps(plan))
    other = make_course(tmp_path / "other", value=99, data_dir="other-data")
    (other / "other-data").mkdir()
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    env.pop("GRADER_DATA", None)
    env.pop("GRADER_RUBRICS", None)
    proc = subprocess.run([sys.executable, "-P", "-c", WORKER, str(tmp_path / "plan.pickle")], cwd=other, env=env,
                          capture_output=True, text=True, timeout=300)
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout.splitlines() == ["11", str(course.data)]


def test_only_the_reference_package_of_the_course_folder_is_importable(tmp_path):
    """The course folder is not put on sys.path: a module beside reference/ shadows nothing."""
    course = make_course(tmp_path / "course")
    (course / "json.py").write_text("raise SystemExit('the course folder shadowed json')\n", encoding="utf-8")
    (course / "helpers.py").write_text("X = 1\n", encoding="utf-8")
    code = textwrap.dedent(f"""\
        import importlib.util, sys
        from grader.core.settings import Course
        from grader.references import References
        refs = References("reference.hw3", Course.load({str(course)!r}, env={{}}))
        print(refs.call("ex12_alexnet.table"), refs.module_dir)
        import json
        print(json.__file__.startswith(sys.base_prefix), importlib.util.find_spec("helpers") is None)
        """)
    proc = subprocess.run([sys.executable, "-P", "-c", code], cwd=tmp_path, capture_output=True, text=True,
                          env={**os.environ, "PYTHONPATH": str(ROOT)}, timeout=300)
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout.splitlines() == [f"4242 {course / 'reference' / 'hw3'}", "True True"]


def test_a_data_dir_pointing_out_of_the_course_is_resolved_but_still_governed(tmp_path, monkeypatch):
    """`data_dir: ../../etc` names a folder outside the course: it is only where datasets are looked
    for. A kernel is shown only the training files of the rubric's datasets found there (none, so no
    /data at all), and a held-out split missing from it is a missing dataset, as for any folder."""
    monkeypatch.delenv("GRADER_DATA", raising=False)
    course = make_course(tmp_path / "a" / "course", data_dir="../../../../../../../../etc")
    data = Course.load(course, env={}).data
    assert data == Path("/etc")
    held_out = datasets.expected_files("mnist", "test")
    assert datasets.kernel_files(data, held_out) == []
    assert datasets.kernel_view(data, held_out, sandboxed=True) == ((), {})
    with pytest.raises(datasets.DatasetMissing):
        datasets.require("mnist", "test", data)
    course = make_course(tmp_path / "b" / "course", data_dir="../etc/passwd")
    (tmp_path / "b" / "etc").mkdir()
    (tmp_path / "b" / "etc" / "passwd").write_text("root:x:0:0\n")
    data = Course.load(course, env={}).data
    assert data == tmp_path / "b" / "etc" / "passwd"
    assert datasets.kernel_view(data, held_out, sandboxed=True) == ((), {})  # a file is no data folder
