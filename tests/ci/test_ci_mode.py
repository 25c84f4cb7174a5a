"""`grader ci` in a throw-away course repository: main holds the hw4 rubric and one older submission, and
each test's pull-request branch adds or changes something. The command runs in this process (parsed as
the CLI parses it), so the grading runs share the already imported references."""
import argparse
import contextlib
import io
import json
import os
import re
import shutil
import subprocess
import sys
from pathlib import Path, PurePosixPath

import nbformat
import pytest
import yaml

from grader.apps.ci import add_commands
from grader.apps.ci.changes import Change, CIConfigError, changed_submissions
from grader.apps.ci.rules import base_rules
from grader.apps.ci.visibility import show_expected
from grader.apps.ci.workflow import EXAMPLE_INSTALL, workflow
from grader.apps.cli import dispatch
from grader.models import datasets
from grader.references import References
from grader.outputs.reports.persian import fmt_points, persian_digits
from grader.core.result import Status, StudentResult
from grader.outputs.results import read_result

ROOT = Path(__file__).resolve().parents[2]
HW4 = ROOT / "submissions" / "hw4"


def git(repo: Path, *args: str) -> None:
    subprocess.run(["git", *args], cwd=repo, check=True, capture_output=True)


ROSTER = ("id,name_fa,name_en,email\ns-hw4-a,سارا کاظمی,Sara Kazemi,a@example.edu\n"
          "s-hw4-new,امید فرهادی,Omid Farhadi,new@example.edu\n")
WITH_ACCOUNTS = ("id,name_fa,name_en,email,github\ns-hw4-a,سارا کاظمی,Sara Kazemi,a@example.edu,sara-k\n"
                 "s-hw4-new,امید فرهادی,Omid Farhadi,new@example.edu,@omid-f\n")
NEW = "submissions/hw4/s-hw4-new/hw4.ipynb"


def course(base: Path, roster: str = ROSTER, data_dir: Path = ROOT / "data") -> Path:
    """A course repository whose main branch holds the hw4 rubric, a roster, grader.yaml and s-hw4-a's
    submission."""
    repo = base / "course"
    (repo / "rubrics").mkdir(parents=True)
    shutil.copy(ROOT / "rubrics" / "hw4.yaml", repo / "rubrics" / "hw4.yaml")
    shutil.copytree(HW4 / "s-hw4-a", repo / "submissions" / "hw4" / "s-hw4-a")
    (repo / "submissions" / "hw4" / "students.csv").write_text(roster, encoding="utf-8")
    (repo / "README.md").write_text("# Deep Learning\n", encoding="utf-8")
    (repo / "grader.yaml").write_text(f"data_dir: {data_dir}\n", encoding="utf-8")  # hw4 q1c's MNIST
    git(repo, "init", "-q", "-b", "main")
    git(repo, "config", "user.email", "ta@example.edu")
    git(repo, "config", "user.name", "TA")
    git(repo, "add", "-A")
    git(repo, "commit", "-qm", "course")
    return repo


def commit(repo: Path, message: str, files: dict[str, bytes | str]) -> None:
    """Write `files` (repository path → content) and commit them on the branch checked out."""
    for path, content in files.items():
        (repo / path).parent.mkdir(parents=True, exist_ok=True)
        (repo / path).write_bytes(content if isinstance(content, bytes) else content.encode("utf-8"))
    git(repo, "add", "-A")
    git(repo, "commit", "-qm", message)


def pull_request(repo: Path, name: str, files: dict[str, bytes | str]) -> None:
    """A branch off main that writes `files` in one commit."""
    git(repo, "checkout", "-qb", name, "main")
    commit(repo, name, files)


def base_moves_on(repo: Path, files: dict[str, bytes | str]) -> None:
    """main gains a commit after the checked-out pull request left it (the pull request is behind)."""
    branch = subprocess.run(["git", "branch", "--show-current"], cwd=repo, capture_output=True,
                            text=True).stdout.strip()
    git(repo, "checkout", "-q", "main")
    commit(repo, "staff", files)
    git(repo, "checkout", "-q", branch)


def grader_ci(cwd: Path, *args: str, base_ref: str | None = None, author: str | None = None,
              data: Path | None = None) -> tuple[int, str, str]:
    """`grader ci ARGS` in `cwd` as the CLI wires it (a `grader` parser with add_commands' sub-commands,
    run by `grader.apps.cli.dispatch`), in this process; returns the exit code, stdout and stderr. The job
    summary goes to cwd/../summary.md; `author` opened the pull request, as GitHub's event file says;
    `data` is GRADER_DATA (else unset)."""
    parser = argparse.ArgumentParser(prog="grader")
    add_commands(parser.add_subparsers(dest="command", required=True))
    parsed = parser.parse_args(["ci", *args])
    out, err = io.StringIO(), io.StringIO()
    with pytest.MonkeyPatch.context() as mp, contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
        mp.chdir(cwd)
        if base_ref:
            mp.setenv("GITHUB_BASE_REF", base_ref)
        else:
            mp.delenv("GITHUB_BASE_REF", raising=False)
        mp.delenv("GRADER_RUBRICS", raising=False)
        mp.delenv("GRADER_DATA", raising=False)
        if data is not None:
            mp.setenv("GRADER_DATA", str(data))
        mp.setenv("GITHUB_STEP_SUMMARY", str(cwd.parent / "summary.md"))
        if author:
            event = cwd.parent / "event.json"
            event.write_text(json.dumps({"pull_request": {"user": {"login": author}}}), encoding="utf-8")
            mp.setenv("GITHUB_EVENT_PATH", str(event))
        else:
            mp.delenv("GITHUB_EVENT_PATH", raising=False)
        code = dispatch(parsed)
    return code, out.getvalue(), err.getvalue()


def crashing_notebook() -> str:
    """s-hw4-b's notebook with a raising cell and then a cell that kills the kernel, before the answers."""
    nb = nbformat.read(HW4 / "s-hw4-b" / "hw4.ipynb", as_version=4)
    nb.cells[:0] = [nbformat.v4.new_code_cell('raise RuntimeError("student bug")'),
                    nbformat.v4.new_code_cell("import os\nos._exit(1)")]
    return nbformat.writes(nb)


@pytest.mark.e2e
@pytest.mark.sandbox
@pytest.mark.slow
def test_an_honest_pull_request_is_graded_by_the_base_branchs_rules(tmp_path):
    """The pull request adds one hand-in (with a rubric and a grader.yaml of its own inside it, which are
    only files of the hand-in). main moved on after the branch left it: a new question title and the
    data folder fixed (the branch's grader.yaml still says /, which would show the host's files and
    stop the run for want of MNIST). The base branch's rules grade it, and the roster's github column
    says the author's account is this student's."""
    repo = course(tmp_path, roster=WITH_ACCOUNTS, data_dir=Path("/"))
    lenient = (repo / "rubrics" / "hw4.yaml").read_text(encoding="utf-8").replace("rtol: 1.0e-6", "rtol: 1.0e+9")
    pull_request(repo, "s-hw4-new", {
        NEW: (HW4 / "s-hw4-b" / "hw4.ipynb").read_bytes(),
        "submissions/hw4/s-hw4-new/rubrics/hw4.yaml": lenient,
        "submissions/hw4/s-hw4-new/grader.yaml": "data_dir: /\n",
    })
    rubric = (repo / "rubrics" / "hw4.yaml").read_text(encoding="utf-8")
    base_moves_on(repo, {
        "rubrics/hw4.yaml": rubric.replace('en: "The forward pass of batch normalization"',
                                           'en: "The forward pass of batch normalization as main says"'),
        "grader.yaml": f"data_dir: {ROOT / 'data'}\n",
    })
    assert (repo / "grader.yaml").read_text(encoding="utf-8") == "data_dir: /\n"  # the checkout's own
    code, _, err = grader_ci(repo, "--base", "main", author="Omid-F")
    assert code == 0, err[-3000:]
    out = repo / "grader-ci-out" / "hw4"
    assert [p.name for p in (out / "results").glob("*.json")] == ["s-hw4-new.json"]
    assert sorted(p.name for p in out.iterdir()) == ["results", "s-hw4-new.pdf"]
    assert (out / "s-hw4-new.pdf").read_bytes()[:5] == b"%PDF-"
    assert (out / "results" / "s-hw4-new.json").stat().st_mode & 0o044 == 0o044  # the upload step is not root
    result = read_result(out / "results" / "s-hw4-new.json")
    assert 0 < result.total < 100 and result.student.name_en == "Omid Farhadi"  # exit 0: MNIST was found

    summary = (repo.parent / "summary.md").read_text(encoding="utf-8")
    fa, en = summary.split("</div>")
    assert fa.startswith('<div dir="rtl">')
    assert f"نمرهٔ کل: {persian_digits(fmt_points(result.total))} از ۱۰۰" in fa
    assert "امید فرهادی" in fa and "| پرسش | عنوان | امتیاز | وضعیت |" in fa
    assert f"Total: {fmt_points(result.total)} / 100" in en and "Omid Farhadi" in en
    assert "| Question | Title | Points | Status |" in en
    assert "| q6b | The forward pass of batch normalization as main says | 10 / 10 | ✅ passed |" in en
    assert "s-hw4-a" not in summary


def test_the_rules_come_from_the_base_commit(tmp_path, monkeypatch):
    """The branch's grader.yaml says data_dir: / and its roster is older; main's say otherwise: inside
    `base_rules` the data folder (relative to the repository) and the roster are main's."""
    monkeypatch.delenv("GRADER_DATA", raising=False)
    repo = course(tmp_path, data_dir=Path("/"))
    pull_request(repo, "s-hw4-new", {NEW: (HW4 / "s-hw4-b" / "hw4.ipynb").read_bytes()})
    base_moves_on(repo, {"grader.yaml": "data_dir: data\n", "submissions/hw4/students.csv": WITH_ACCOUNTS})
    monkeypatch.chdir(repo)
    assert datasets.data_root() == Path("/")
    with base_rules(repo, "main", PurePosixPath("submissions")) as rules:
        assert datasets.data_root() == (repo / "data").resolve()
        assert rules.roster("hw4") == WITH_ACCOUNTS.encode("utf-8")
    assert Path.cwd() == repo and not rules.scratch.exists()


TINY_RUBRIC = """\
assignment: tiny
title: {{fa: ت, en: t}}
course: {{fa: د, en: c}}
reference: {package}
questions:
  - id: q1
    title: {{fa: ی, en: one}}
    points: 1
    answers:
      - {{name: answer, check: numeric, points: 1, reference: value, prompt: {{fa: پ, en: p}}}}
"""


def test_reference_code_the_base_holds_is_imported_from_the_base(tmp_path):
    """A course repository that keeps its reference package: the base commit's copy is imported (main
    changed it after the branch left), not the checkout's, and it is forgotten afterwards."""
    repo = course(tmp_path)
    commit(repo, "reference code", {"ci_ref_pkg/__init__.py": "def value():\n    return 1\n",
                                    "rubrics/tiny.yaml": TINY_RUBRIC.format(package="ci_ref_pkg")})
    pull_request(repo, "s-1", {"submissions/tiny/s-1/tiny.ipynb": "{}"})
    base_moves_on(repo, {"ci_ref_pkg/__init__.py": "def value():\n    return 2\n"})
    with base_rules(repo, "main", PurePosixPath("submissions")) as rules:
        rules.rubric("tiny")
        assert References("ci_ref_pkg").call("value") == 2
        assert Path(sys.modules["ci_ref_pkg"].__file__).is_relative_to(rules.scratch)
    assert "ci_ref_pkg" not in sys.modules and str(rules.scratch / "code") not in sys.path


def test_reference_code_found_inside_the_checkout_is_refused(tmp_path, monkeypatch):
    """A reference package that the base does not hold at its top level but that would be imported from
    inside the checkout (here a src/ folder on sys.path) is a configuration error, never imported."""
    repo = course(tmp_path)
    commit(repo, "reference code", {"src/ci_ref_src/__init__.py": "raise SystemExit('imported')\n",
                                    "rubrics/tiny.yaml": TINY_RUBRIC.format(package="ci_ref_src")})
    monkeypatch.syspath_prepend(str(repo / "src"))
    with base_rules(repo, "main", PurePosixPath("submissions")) as rules, \
            pytest.raises(CIConfigError, match=r"ci_ref_src would be imported from the pull request's checkout"):
        rules.rubric("tiny")
    assert "ci_ref_src" not in sys.modules


HOSTILE_RUBRIC = """\
assignment: hw4
title: {{fa: ت, en: t}}
course: {{fa: د, en: c}}
reference: {package}
questions:
  - id: q1
    title: {{fa: ی, en: one}}
    points: 1
    answers:
      - {{name: answer, check: numeric, points: 1, reference: {name}, params: {{cmd: "touch {marker}"}},
          prompt: {{fa: پ, en: p}}}}
"""


def _refused_case(repo: Path, case: str) -> dict[str, bytes | str]:
    """The files of a pull request that adds s-hw4-new's hand-in and also changes what it may not."""
    crash = crashing_notebook()
    rubric = (repo / "rubrics" / "hw4.yaml").read_text(encoding="utf-8")
    marker = repo.parent / "marker"
    return {
        "full marks": {NEW: crash, "rubrics/hw4.yaml": rubric.replace("rtol: 1.0e-6", "rtol: 1.0e+9")},
        "subprocess in a module path": {
            NEW: crash, "rubrics/hw4.yaml": HOSTILE_RUBRIC.format(package="reference.hw4", name="subprocess.getoutput",
                                                                  marker=marker)},
        "subprocess as the package": {
            NEW: crash, "rubrics/hw4.yaml": HOSTILE_RUBRIC.format(package="subprocess", name="getoutput",
                                                                  marker=marker)},
        "data_dir": {NEW: crash, "grader.yaml": "data_dir: /\n"},
        "roster": {NEW: crash, "submissions/hw4/students.csv": ROSTER + "s-hw4-x,x,X,x@example.edu\n"},
        "workflow": {NEW: crash, ".github/workflows/grader.yml": "on: pull_request\n"},
        "reference code": {NEW: crash, "reference/hw4/q6_batchnorm.py": "def forward_batchnorm(**_):\n    pass\n"},
        "a loose file": {NEW: crash, "submissions/hw4/notes.txt": "hi\n"},
        "two students": {NEW: crash, "submissions/hw4/s-hw4-b/hw4.ipynb": crash},
        "another's folder too": {NEW: crash, "submissions/hw4/s-hw4-a/hw4.ipynb": crash},
    }[case]


@pytest.mark.parametrize("case, refused", [
    ("full marks", {"rubrics/hw4.yaml": "outside"}),
    ("subprocess in a module path", {"rubrics/hw4.yaml": "outside"}),
    ("subprocess as the package", {"rubrics/hw4.yaml": "outside"}),
    ("data_dir", {"grader.yaml": "outside"}),
    ("roster", {"submissions/hw4/students.csv": "outside"}),
    ("workflow", {".github/workflows/grader.yml": "outside"}),
    ("reference code", {"reference/hw4/q6_batchnorm.py": "outside"}),
    ("a loose file", {"submissions/hw4/notes.txt": "outside"}),
    ("two students", {"submissions/hw4/s-hw4-b": "several", "submissions/hw4/s-hw4-new": "several"}),
    ("another's folder too", {"submissions/hw4/s-hw4-a": "several", "submissions/hw4/s-hw4-new": "several"}),
])
def test_a_pull_request_changing_more_than_its_hand_in_is_not_graded(tmp_path, case, refused):
    """Exit 1, nothing graded or run (the marker a hostile reference would touch is absent), and the
    summary names each path to take out, in Persian and English."""
    repo = course(tmp_path)
    pull_request(repo, "pr", _refused_case(repo, case))
    code, out, err = grader_ci(repo, "--base", "main")
    assert code == 1, err
    why = {"outside": "outside a student's hand-in", "several": "one of several hand-ins in this pull request"}
    assert err.splitlines() == ["grader ci: not graded: a pull request may change only its own student's hand-in:",
                                *(f"  {path}: {why[w]}" for path, w in sorted(refused.items()))]
    summary = (tmp_path / "summary.md").read_text(encoding="utf-8")
    fa, en = summary.split("</div>")
    assert "تصحیح انجام نشد" in fa and "Not graded" in en
    for path, w in refused.items():
        assert f"- `{path}`: {why[w]}" in en
        assert f"- `{path}`: " in fa
    assert "Total" not in summary and out == ""
    assert not (repo / "grader-ci-out").exists()
    assert not (tmp_path / "marker").exists()


def test_another_students_hand_in_is_not_graded(tmp_path):
    """Where the base roster names each student's GitHub account, a pull request by omid-f that changes
    only Sara's folder is refused; without a pull-request event to say who opened it, nothing is graded."""
    repo = course(tmp_path, roster=WITH_ACCOUNTS)
    pull_request(repo, "pr", {"submissions/hw4/s-hw4-a/hw4.ipynb": crashing_notebook()})
    code, _, err = grader_ci(repo, "--base", "main", author="omid-f")
    assert code == 1
    assert err.splitlines()[1:] == ["  submissions/hw4/s-hw4-a: the base branch's roster does not give this hand-in "
                                    "to the GitHub account omid-f"]
    en = (tmp_path / "summary.md").read_text(encoding="utf-8").split("</div>")[1]
    assert ("- `submissions/hw4/s-hw4-a`: the base branch's roster does not give this hand-in to the GitHub "
            "account `omid-f`") in en
    (tmp_path / "summary.md").unlink()
    code, _, err = grader_ci(repo, "--base", "main")
    assert code == 2 and "no pull request event says who opened this one" in err
    assert "Not graded" in (tmp_path / "summary.md").read_text(encoding="utf-8")
    assert not (repo / "grader-ci-out").exists()


def test_a_rubric_only_pull_request_grades_nothing_and_runs_nothing(tmp_path):
    """No hand-in changed: nothing is graded, so no grade can be shown, and its rubric is never read."""
    repo = course(tmp_path)
    pull_request(repo, "pr", {"rubrics/hw4.yaml": HOSTILE_RUBRIC.format(
        package="subprocess", name="getoutput", marker=tmp_path / "marker")})
    code, out, _ = grader_ci(repo, "--base", "main")
    assert code == 0 and "nothing to grade" in out
    assert "No submission" in (tmp_path / "summary.md").read_text(encoding="utf-8")
    assert not (tmp_path / "marker").exists() and not (repo / "grader-ci-out").exists()


@pytest.mark.e2e
@pytest.mark.sandbox
@pytest.mark.slow
def test_a_crashing_notebook_is_a_result_not_a_failed_job(tmp_path):
    repo = course(tmp_path)
    pull_request(repo, "s-hw4-crash", {"submissions/hw4/s-hw4-crash/hw4.ipynb": crashing_notebook()})
    code, _, err = grader_ci(repo, "--base", "main")
    assert code == 0, err[-3000:]
    assert [p.name for p in (repo / "grader-ci-out" / "hw4" / "results").glob("*.json")] == ["s-hw4-crash.json"]
    total = read_result(repo / "grader-ci-out" / "hw4" / "results" / "s-hw4-crash.json").total
    summary = (repo.parent / "summary.md").read_text(encoding="utf-8")
    assert f"Total: {fmt_points(total)} / 100" in summary  # the cells after the fatal one still count
    assert f"نمرهٔ کل: {persian_digits(fmt_points(total))} از ۱۰۰" in summary
    assert "The notebook's Python kernel died" in summary and "هسته پایتون" in summary


def test_an_assignment_without_a_rubric_on_the_base_is_a_configuration_error(tmp_path):
    """Exit 2 with the reason in the summary. main dropped rubrics/hw9.yaml after the branch left it:
    the copy still in the checkout is not looked at."""
    repo = course(tmp_path)
    hw4 = (repo / "rubrics" / "hw4.yaml").read_text(encoding="utf-8")
    commit(repo, "hw9", {"rubrics/hw9.yaml": hw4.replace("assignment: hw4", "assignment: hw9")})
    pull_request(repo, "hw9", {"submissions/hw9/s-1/hw9.ipynb": (HW4 / "s-hw4-b" / "hw4.ipynb").read_bytes()})
    git(repo, "checkout", "-q", "main")
    git(repo, "rm", "-q", "rubrics/hw9.yaml")
    git(repo, "commit", "-qm", "hw9 withdrawn")
    git(repo, "checkout", "-q", "hw9")
    assert (repo / "rubrics" / "hw9.yaml").is_file()
    code, _, err = grader_ci(repo, "--base", "main")
    message = ("the pull request changes submissions/hw9/, but there is no rubric for assignment 'hw9' on the base "
               "branch main (rubrics/hw9.yaml; known: hw4)")
    assert (code, err) == (2, f"grader ci: {message}\n")
    summary = (tmp_path / "summary.md").read_text(encoding="utf-8")
    assert "Not graded" in summary and message in summary
    assert not (repo / "grader-ci-out").exists()


def test_a_shallow_checkout_is_a_configuration_error(tmp_path):
    """A checkout fetched with a depth (GitHub's default) cannot say what the pull request changes: exit 2,
    the reason in the summary, no traceback."""
    repo = course(tmp_path)
    pull_request(repo, "s-hw4-new", {NEW: (HW4 / "s-hw4-b" / "hw4.ipynb").read_bytes()})
    shallow = tmp_path / "shallow"
    git(tmp_path, "clone", "-q", "--depth", "1", "--no-single-branch", f"file://{repo}", str(shallow))
    git(shallow, "checkout", "-q", "s-hw4-new")
    code, _, err = grader_ci(shallow, "--base", "origin/main")
    message = ("the checkout is shallow (fetched with a depth): grader ci needs the history back to where the pull "
               "request left its base branch; in GitHub Actions, check out with fetch-depth: 0")
    assert (code, err) == (2, f"grader ci: {message}\n")
    summary = (tmp_path / "summary.md").read_text(encoding="utf-8")
    assert "Not graded" in summary and message in summary
    assert not (shallow / "grader-ci-out").exists()


def test_a_pull_request_without_a_submission_grades_nothing(tmp_path):
    repo = course(tmp_path)
    pull_request(repo, "docs", {"README.md": "# Deep Learning\n\nOffice hours moved.\n"})
    code, out, err = grader_ci(repo, "--base", "main")
    assert code == 0, err
    assert "no submission changed" in out
    summary = (tmp_path / "summary.md").read_text(encoding="utf-8")
    assert "No submission" in summary and "هیچ تحویلی" in summary
    assert not (repo / "grader-ci-out").exists()


def test_the_base_is_the_pull_requests_target_branch_on_origin(tmp_path):
    repo = course(tmp_path)
    pull_request(repo, "docs", {"README.md": "# Deep Learning\n\nOffice hours moved.\n"})
    assert grader_ci(repo, base_ref="main")[0] == 2  # no origin/main: a shallow or odd checkout
    git(repo, "remote", "add", "origin", str(repo))
    git(repo, "fetch", "-q", "origin")
    code, out, _ = grader_ci(repo, base_ref="main")
    assert code == 0 and "since origin/main" in out


def test_outside_a_git_repository_is_a_configuration_error(tmp_path):
    (tmp_path / "plain").mkdir()
    code, _, err = grader_ci(tmp_path / "plain")
    assert code == 2 and "not inside a git repository" in err


STEP_KEYS = {"name", "uses", "run", "with", "env", "if", "id", "shell", "continue-on-error", "timeout-minutes"}
CONTEXTS = {"github", "secrets", "runner", "env", "steps", "job", "matrix", "inputs", "vars"}


def validate(flow: dict) -> None:
    """What actionlint would say of the parts this workflow uses: the top-level keys, each job's
    runner and steps, each step one `uses` (an action pinned to a major version) or one `run`,
    `${{ }}` expressions naming known contexts, jobs' `if`s naming events the workflow is run on."""
    on = flow.get("on", flow.get(True))  # YAML 1.1 reads a bare `on` as true
    assert set(flow) - {"on", True} == {"name", "permissions", "jobs"} and isinstance(on, dict)
    assert flow["permissions"] == {"contents": "read"}
    for job in flow["jobs"].values():
        assert set(job) <= {"if", "runs-on", "timeout-minutes", "steps", "needs", "env"}
        assert isinstance(job["runs-on"], (str, list)) and job["timeout-minutes"] > 0
        for event in re.findall(r"github\.event_name == '([a-z_]+)'", job.get("if", "")):
            assert event in on
        for step in job["steps"]:
            assert set(step) <= STEP_KEYS and ("uses" in step) != ("run" in step), step
            if "uses" in step:
                assert re.fullmatch(r"actions/[a-z-]+(/[a-z]+)?@v\d+", step["uses"]), step["uses"]
            else:
                assert isinstance(step["run"], str) and step["run"].strip()
    text = yaml.safe_dump(flow)
    assert text.count("${{") == text.count("}}")
    for expr in re.findall(r"\$\{\{(.*?)\}\}", text):
        assert expr.strip().split(".")[0] in CONTEXTS, expr


def init(tmp_path: Path, *args: str) -> tuple[int, str, dict | None]:
    (tmp_path / "course").mkdir(exist_ok=True)
    path = tmp_path / "course" / ".github" / "workflows" / "grader.yml"
    code, _, err = grader_ci(tmp_path / "course", "init", "--path", str(path), "--force", *args)
    return code, err, yaml.safe_load(path.read_text(encoding="utf-8")) if code == 0 else None


def steps_by_name(job: dict) -> dict[str, dict]:
    return {s.get("name") or s["uses"]: s for s in job["steps"]}


def setup_sh_packages() -> set[str]:
    """The packages scripts/setup.sh installs with apt-get."""
    text = (ROOT / "scripts" / "setup.sh").read_text(encoding="utf-8").replace("\\\n", " ")
    line = next(ln for ln in text.splitlines() if "apt-get install" in ln)
    return {w for w in line.split("--no-install-recommends", 1)[1].split() if not w.startswith(">")}


def test_init_writes_a_workflow_for_github_hosted_runners(tmp_path):
    """The default workflow: pinned install, setup.sh's packages (less chromium, for the browser tests),
    pip cache, and datasets from an Actions cache that a job run by hand fills from the secret's URL."""
    code, err, flow = init(tmp_path, "--install", "git+https://github.com/dl-course/grader@v2.1.0")
    assert code == 0, err
    validate(flow)
    on = flow.get("on", flow.get(True))
    assert set(on) == {"pull_request", "workflow_dispatch"}
    fill, grade = flow["jobs"]["datasets"], flow["jobs"]["grade"]
    assert fill["if"] == "github.event_name == 'workflow_dispatch'"
    assert grade["if"] == "github.event_name == 'pull_request'"
    assert grade["runs-on"] == fill["runs-on"] == "ubuntu-latest"

    download = steps_by_name(fill)["Download the datasets"]
    assert download["env"] == {"DATA_URL": "${{ secrets.GRADER_DATA_URL }}"}
    assert 'curl -fsSL --retry 3 "$DATA_URL" | tar -xz -C ~/grader-data' in download["run"]
    assert "::error::the repository secret GRADER_DATA_URL is not set" in download["run"]
    save = steps_by_name(fill)["Save them for pull requests"]
    assert save["uses"] == "actions/cache/save@v4"
    assert save["with"] == {"path": "~/grader-data", "key": "grader-data-${{ github.run_id }}"}

    steps = steps_by_name(grade)
    order = list(steps)
    assert order[:2] == ["actions/checkout@v4", "actions/setup-python@v5"]
    assert steps["actions/checkout@v4"]["with"]["fetch-depth"] == 0
    assert order.index("Cache pip downloads") < order.index("Install grader")
    pip = steps["Cache pip downloads"]
    assert pip["uses"] == "actions/cache@v4" and pip["with"]["path"] == "~/.cache/pip"
    assert pip["with"]["key"].startswith(pip["with"]["restore-keys"])
    system = next(s for n, s in steps.items() if n.startswith("System packages"))
    packages = set(system["run"].split("--no-install-recommends", 1)[1].split()) - {"\\"}
    assert packages == setup_sh_packages() - {"chromium"}
    assert steps["Install grader"]["run"] == 'python -m pip install "git+https://github.com/dl-course/grader@v2.1.0"'
    restore = next(s for n, s in steps.items() if n.startswith("Datasets"))
    assert restore["uses"] == "actions/cache/restore@v4"
    assert restore["with"]["path"] == save["with"]["path"]
    assert save["with"]["key"].startswith(restore["with"]["restore-keys"])
    assert order.index(next(n for n in order if n.startswith("Datasets"))) < order.index("Grade the pull request")
    assert steps["Grade the pull request"]["run"] == \
        'sudo -E env "PATH=$PATH" "GRADER_DATA=$HOME/grader-data" grader ci'
    upload = next(s for s in grade["steps"] if s.get("uses") == "actions/upload-artifact@v4")
    assert upload["if"] == "always()" and upload["with"]["path"] == "grader-ci-out/"
    assert not re.search(r"pip install\s+[\"']?grader\b", yaml.safe_dump(flow))


def test_init_for_a_self_hosted_gpu_runner(tmp_path):
    """--data-path: the runner holds the datasets, so no cache, no download job, no workflow_dispatch."""
    code, err, flow = init(tmp_path, "--install", "wheels/grader-2.1.0-py3-none-any.whl",
                           "--data-path", "/srv/grader-data", "--runs-on", "self-hosted,linux,gpu")
    assert code == 0, err
    validate(flow)
    assert set(flow.get("on", flow.get(True))) == {"pull_request"} and list(flow["jobs"]) == ["grade"]
    grade = flow["jobs"]["grade"]
    assert grade["runs-on"] == ["self-hosted", "linux", "gpu"]
    steps = steps_by_name(grade)
    assert not any("cache/" in s.get("uses", "") for s in grade["steps"])
    assert steps["Install grader"]["run"] == 'python -m pip install "wheels/grader-2.1.0-py3-none-any.whl"'
    assert steps["Grade the pull request"]["run"] == 'sudo -E env "PATH=$PATH" "GRADER_DATA=/srv/grader-data" grader ci'


@pytest.mark.parametrize("args, message", [
    ([], "the following arguments are required: --install"),
    (["--install", "grader"], "--install 'grader': give a pinned git URL"),
    (["--install", "grader==1.0"], "--install 'grader==1.0': give a pinned git URL"),
    (["--install", "git+https://github.com/dl-course/grader"], "give a pinned git URL"),
    (["--install", "/home/ta/grader.whl"], "give a pinned git URL"),
    (["--install", "git+https://github.com/dl-course/grader@v1", "--data-path", "data"], "an absolute path"),
    (["--install", "git+https://github.com/dl-course/grader@v1", "--runs-on", "gpu,${{ x }}"], "a runner label"),
    (["--install", "git+https://github.com/dl-course/grader@v1", "--data-secret", "url; rm"], "a secret's name"),
])
def test_init_refuses_an_unpinned_install_and_odd_options(tmp_path, args, message):
    if not args:
        with pytest.raises(SystemExit), contextlib.redirect_stderr(io.StringIO()) as err:
            init(tmp_path)
        assert message in err.getvalue()
        return
    code, err, _ = init(tmp_path, *args)
    assert code == 2 and message in err
    assert not (tmp_path / "course" / ".github" / "workflows" / "grader.yml").exists()


def test_init_never_overwrites_silently_and_the_example_is_its_output(tmp_path):
    path = tmp_path / ".github" / "workflows" / "grader.yml"
    assert grader_ci(tmp_path, "init", "--path", str(path), "--install", EXAMPLE_INSTALL)[0] == 0
    assert grader_ci(tmp_path, "init", "--path", str(path), "--install", EXAMPLE_INSTALL)[0] == 2
    assert path.read_text(encoding="utf-8") == (ROOT / "examples" / "github-workflow.yml").read_text(encoding="utf-8")
    assert (ROOT / "examples" / "github-workflow.yml").read_text(encoding="utf-8") == workflow(EXAMPLE_INSTALL)


@pytest.mark.slow
def test_a_missing_dataset_is_one_line_in_the_summary_and_exit_2(tmp_path):
    """The data folder the workflow points at holds no MNIST (the cache was never filled): exit 2, and
    the summary says in one line which file is missing, with no traceback."""
    repo = course(tmp_path, data_dir=Path("data"))
    pull_request(repo, "s-hw4-new", {NEW: (HW4 / "s-hw4-b" / "hw4.ipynb").read_bytes()})
    code, _, err = grader_ci(repo, "--base", "main")
    message = (f"q1c (q1c_model): dataset mnist (test): expected {repo.resolve()}/data/mnist/t10k-images-idx3-ubyte "
               "(set GRADER_DATA or data_dir in grader.yaml)")
    assert (code, err) == (2, f"grader ci: {message}\n")
    summary = (tmp_path / "summary.md").read_text(encoding="utf-8")
    assert f"```text\n{message}\n```" in summary and "Traceback" not in summary
    assert not (repo / "grader-ci-out").exists()


@pytest.mark.slow
def test_grader_data_without_the_dataset_is_an_incomplete_set_up_not_a_traceback(tmp_path):
    """GRADER_DATA names an empty folder (the runner's data was never put there): exit 2 with one line,
    no traceback, and a summary in both languages saying the course's set-up is incomplete, not the
    hand-in."""
    repo = course(tmp_path)
    pull_request(repo, "s-hw4-new", {NEW: (HW4 / "s-hw4-b" / "hw4.ipynb").read_bytes()})
    (tmp_path / "empty").mkdir()
    code, _, err = grader_ci(repo, "--base", "main", data=tmp_path / "empty")
    message = (f"q1c (q1c_model): dataset mnist (test): expected {(tmp_path / 'empty').resolve()}/mnist/"
               "t10k-images-idx3-ubyte (set GRADER_DATA or data_dir in grader.yaml)")
    assert (code, err) == (2, f"grader ci: {message}\n")
    summary = (tmp_path / "summary.md").read_text(encoding="utf-8")
    assert "Not graded: the course set-up is incomplete" in summary and "پیکربندی درس کامل نیست" in summary
    assert f"```text\n{message}\n```" in summary and "Traceback" not in summary
    assert not (repo / "grader-ci-out").exists()


@pytest.mark.parametrize("path, change", [
    ("submissions/hw4/s1/hw4.ipynb", Change("hw4", "s1")),
    ("submissions/hw4/s1/data/model.h5", Change("hw4", "s1")),
    ("submissions/hw3/s2.ipynb", Change("hw3", "s2.ipynb")),
    ("submissions/hw3/s3.zip", Change("hw3", "s3.zip")),
    ("submissions/hw3/students.csv", None),
    ("submissions/hw3/notes.txt", None),
    ("submissions/hw3/.gitkeep", None),
    ("submissions/_drafts/s1/a.ipynb", None),
    ("submissions/README.md", None),
    ("rubrics/hw4.yaml", None),
])
def test_changed_paths_map_to_submissions(path, change):
    assert changed_submissions([path], PurePosixPath("submissions")) == ([change] if change else [])


@pytest.mark.e2e
@pytest.mark.sandbox
@pytest.mark.slow
def test_through_the_grader_command(tmp_path):
    """The installed CLI wires `grader ci`: a pull request adding a submission is graded, exit 0."""
    repo = course(tmp_path)
    pull_request(repo, "s-hw4-cli", {"submissions/hw4/s-hw4-cli/hw4.ipynb": (HW4 / "s-hw4-b" / "hw4.ipynb").read_bytes()})
    summary = tmp_path / "step-summary.md"
    env = {k: v for k, v in os.environ.items() if k not in ("GITHUB_BASE_REF", "GRADER_RUBRICS")}
    proc = subprocess.run([sys.executable, "-m", "grader.apps.cli", "ci", "--base", "main"], cwd=repo, capture_output=True,
                          text=True, timeout=300, env={**env, "GITHUB_STEP_SUMMARY": str(summary)})
    assert proc.returncode == 0, proc.stderr[-2000:]
    assert (repo / "grader-ci-out" / "hw4" / "s-hw4-cli.pdf").is_file()
    assert "s-hw4-cli" in summary.read_text(encoding="utf-8")


def wrong_notebook() -> str:
    """s-hw4-b's notebook with a last cell that makes three answers wrong: q5_table (gone), q6_params (five
    parts) and forward_batchnorm (every test input)."""
    nb = nbformat.read(HW4 / "s-hw4-b" / "hw4.ipynb", as_version=4)
    nb.cells.append(nbformat.v4.new_code_cell(
        "q5_table = None\n"
        "q6_params = {k: v * 3 for k, v in q6_params.items()}\n"
        "_right = forward_batchnorm\n"
        "def forward_batchnorm(*args, **kwargs):\n"
        "    out, mean, var = _right(*args, **kwargs)\n"
        "    return out * 1.5 + 0.25, mean, var\n"))
    return nbformat.writes(nb)


def squeeze(text: str) -> str:
    """Text without white space, and with one bracket for both: a text extractor reads a line that
    holds Persian as right to left and may swap '(' and ')' of an English run inside it."""
    return re.sub(r"\s+", "", text).replace(")", "(")


def pdf_text(path: Path) -> str:
    """The PDF's text without white space (a value may be laid out over several lines)."""
    return squeeze(subprocess.run(["pdftotext", str(path), "-"], capture_output=True, text=True, check=True).stdout)


def _reference_values(result: StudentResult) -> set[str]:
    """The expected values, and notes worked out from them, of the answers and parts a result got wrong."""
    values = set()
    for a in result.answers:
        if a.status is not Status.PASSED and a.expected:
            values.add(a.expected)
        values |= {v for d in a.details if not d.ok for v in (d.expected, d.note) if v}
    return values


@pytest.mark.e2e
@pytest.mark.sandbox
@pytest.mark.slow
def test_a_pull_request_shows_no_reference_value_unless_the_course_says_so(tmp_path):
    """A hand-in with wrong answers graded twice: with grader.yaml's ci: {show_expected: true} the
    artifacts hold the expected values of the wrong answers; by default neither the job summary nor the
    result JSON nor the PDF holds any of them, while the points and the messages are the same."""
    repo = course(tmp_path)
    commit(repo, "show", {"grader.yaml": f"data_dir: {ROOT / 'data'}\nci: {{show_expected: true}}\n"})
    pull_request(repo, "s-hw4-new", {NEW: wrong_notebook()})
    out = repo / "grader-ci-out" / "hw4"
    code, _, err = grader_ci(repo, "--base", "main")
    assert code == 0, err[-3000:]
    shown = read_result(out / "results" / "s-hw4-new.json")
    secrets = _reference_values(shown)
    assert len(secrets) >= 3, secrets

    shown_pdf = pdf_text(out / "s-hw4-new.pdf")
    shutil.rmtree(repo / "grader-ci-out")
    base_moves_on(repo, {"grader.yaml": f"data_dir: {ROOT / 'data'}\n"})
    (tmp_path / "summary.md").unlink()
    code, _, err = grader_ci(repo, "--base", "main")
    assert code == 0, err[-3000:]
    hidden = read_result(out / "results" / "s-hw4-new.json")
    assert hidden.total == shown.total and _reference_values(hidden) == set()
    assert len(shown.questions) == len(hidden.questions)
    for q_shown, q_hidden in zip(shown.questions, hidden.questions):
        assert [(a.points, a.status, a.feedback) for a in q_shown.answers] == \
            [(a.points, a.status, a.feedback) for a in q_hidden.answers]
    assert hidden.notices[-1].en.startswith("Reference values are not shown in a pull request")
    pdf = pdf_text(out / "s-hw4-new.pdf")
    summary = (tmp_path / "summary.md").read_text(encoding="utf-8")
    json_text = (out / "results" / "s-hw4-new.json").read_text(encoding="utf-8")
    long = [v for v in secrets if len(v) >= 8]  # a short one ("80") may be any number on the page;
    assert len(long) >= 2 and "largest difference" in json.dumps(shown.to_json())  # those are checked as fields above
    assert "largest difference" not in json_text + summary and squeeze("largest difference") not in pdf
    for value in long:
        assert value not in json_text and value not in summary
        assert squeeze(value) not in pdf, value
    assert any(squeeze(v) in shown_pdf for v in long)  # where shown, the PDF holds them as the test reads it
    assert squeeze("Reference values are not shown") in pdf
    fa, en = summary.split("</div>")
    assert "**Messages:**\n\n- q1a: No answer was written\\: 0 points\\.\n" in en
    assert "\n- q6b · `forward_batchnorm`: The function gave the right result on 0 of 6 test inputs\\.\n" in en
    assert "\n- q6e · `q6_params`: The answer does not match the reference\\.\n" in en
    assert "**پیام‌ها:**" in fa and "تابع روی ۰ ورودی از ۶ ورودی آزمون" in fa
    # grader check ran first: only q5_table is out of form (the others are wrong in value only)
    assert ("**Before grading, the form check (grader check) found:**\n\n"
            "- q5a · q5\\_table\\: is not defined \\(or is None\\)\\.\n\n###") in en
    assert "- q5a · q5\\_table\\: تعریف نشده است \\(یا None است\\)\\.\n" in fa


@pytest.mark.parametrize("config, shown", [({}, False), ({"ci": None}, False), ({"ci": {"show_expected": True}}, True),
                                           ({"ci": {"show_expected": "yes"}}, "takes true or false"),
                                           ({"ci": {"show": True}}, "one setting"), ({"ci": True}, "one setting")])
def test_the_visibility_setting(config, shown):
    if isinstance(shown, bool):
        assert show_expected(config, "main:grader.yaml") is shown
    else:
        with pytest.raises(CIConfigError, match=f"main:grader.yaml: .*{shown}"):
            show_expected(config, "main:grader.yaml")
