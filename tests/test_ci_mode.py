"""`grader ci` in a throw-away course repository: main holds the hw4 rubric and one older submission, and
each test's pull-request branch adds or changes something. The command runs in this process (parsed as
the CLI parses it), so the two grading runs share the already imported references."""
import argparse
import contextlib
import io
import os
import shutil
import subprocess
import sys
from pathlib import Path, PurePosixPath

import nbformat
import pytest
import yaml

from grader.ci import add_commands
from grader.ci.changes import Change, changed_submissions
from grader.ci.workflow import WORKFLOW
from grader.reports.persian import fmt_points, persian_digits
from grader.results import read_result

ROOT = Path(__file__).resolve().parents[1]
HW4 = ROOT / "submissions" / "hw4"


def git(repo: Path, *args: str) -> None:
    subprocess.run(["git", *args], cwd=repo, check=True, capture_output=True)


def course(base: Path) -> Path:
    """A course repository whose main branch holds the hw4 rubric, a roster and s-hw4-a's submission."""
    repo = base / "course"
    (repo / "rubrics").mkdir(parents=True)
    shutil.copy(ROOT / "rubrics" / "hw4.yaml", repo / "rubrics" / "hw4.yaml")
    shutil.copytree(HW4 / "s-hw4-a", repo / "submissions" / "hw4" / "s-hw4-a")
    (repo / "submissions" / "hw4" / "students.csv").write_text(
        "id,name_fa,name_en,email\ns-hw4-a,سارا کاظمی,Sara Kazemi,a@example.edu\n", encoding="utf-8")
    (repo / "README.md").write_text("# Deep Learning\n", encoding="utf-8")
    (repo / "grader.yaml").write_text(f"data_dir: {ROOT / 'data'}\n", encoding="utf-8")  # hw4 q1c's MNIST
    git(repo, "init", "-q", "-b", "main")
    git(repo, "config", "user.email", "ta@example.edu")
    git(repo, "config", "user.name", "TA")
    git(repo, "add", "-A")
    git(repo, "commit", "-qm", "course")
    return repo


def pull_request(repo: Path, name: str, files: dict[str, bytes | str]) -> None:
    """A branch off main that writes `files` (repository path → content) in one commit."""
    git(repo, "checkout", "-qb", name, "main")
    for path, content in files.items():
        (repo / path).parent.mkdir(parents=True, exist_ok=True)
        (repo / path).write_bytes(content if isinstance(content, bytes) else content.encode("utf-8"))
    git(repo, "add", "-A")
    git(repo, "commit", "-qm", name)


def grader_ci(cwd: Path, *args: str, base_ref: str | None = None) -> tuple[int, str, str]:
    """`grader ci ARGS` in `cwd` as the CLI wires it (a `grader` parser with add_commands' sub-commands),
    in this process; returns the exit code, stdout and stderr. The job summary goes to cwd/../summary.md."""
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
        mp.setenv("GITHUB_STEP_SUMMARY", str(cwd.parent / "summary.md"))
        code = parsed.fn(parsed)
    return code, out.getvalue(), err.getvalue()


def crashing_notebook() -> str:
    """s-hw4-b's notebook with a raising cell and then a cell that kills the kernel, before the answers."""
    nb = nbformat.read(HW4 / "s-hw4-b" / "hw4.ipynb", as_version=4)
    nb.cells[:0] = [nbformat.v4.new_code_cell('raise RuntimeError("student bug")'),
                    nbformat.v4.new_code_cell("import os\nos._exit(1)")]
    return nbformat.writes(nb)


def test_only_the_changed_submission_is_graded(tmp_path):
    repo = course(tmp_path)
    pull_request(repo, "s-hw4-new", {
        "submissions/hw4/s-hw4-new/hw4.ipynb": (HW4 / "s-hw4-b" / "hw4.ipynb").read_bytes(),
        "submissions/hw4/students.csv": (repo / "submissions/hw4/students.csv").read_text(encoding="utf-8")
        + "s-hw4-new,امید فرهادی,Omid Farhadi,new@example.edu\n",
    })
    code, _, err = grader_ci(repo, "--base", "main")
    assert code == 0, err[-3000:]
    out = repo / "grader-ci-out" / "hw4"
    assert [p.name for p in (out / "results").glob("*.json")] == ["s-hw4-new.json"]
    assert sorted(p.name for p in out.iterdir()) == ["results", "s-hw4-new.pdf"]
    assert (out / "s-hw4-new.pdf").read_bytes()[:5] == b"%PDF-"
    assert (out / "results" / "s-hw4-new.json").stat().st_mode & 0o044 == 0o044  # the upload step is not root
    result = read_result(out / "results" / "s-hw4-new.json")
    assert result["total"] > 0 and result["student"]["name_en"] == "Omid Farhadi"

    summary = (repo.parent / "summary.md").read_text(encoding="utf-8")
    fa, en = summary.split("</div>")
    assert fa.startswith('<div dir="rtl">')
    assert f"نمرهٔ کل: {persian_digits(fmt_points(result['total']))} از ۱۰۰" in fa
    assert "امید فرهادی" in fa and "| پرسش | عنوان | امتیاز | وضعیت |" in fa
    assert f"Total: {fmt_points(result['total'])} / 100" in en and "Omid Farhadi" in en
    assert "| Question | Title | Points | Status |" in en
    assert "| q6b | The forward pass of batch normalization | 10 / 10 | ✅ passed |" in en
    assert "s-hw4-a" not in summary


def test_a_crashing_notebook_is_a_result_not_a_failed_job(tmp_path):
    repo = course(tmp_path)
    pull_request(repo, "s-hw4-crash", {"submissions/hw4/s-hw4-crash/hw4.ipynb": crashing_notebook()})
    code, _, err = grader_ci(repo, "--base", "main")
    assert code == 0, err[-3000:]
    assert [p.name for p in (repo / "grader-ci-out" / "hw4" / "results").glob("*.json")] == ["s-hw4-crash.json"]
    summary = (repo.parent / "summary.md").read_text(encoding="utf-8")
    assert "Total: 0 / 100" in summary and "نمرهٔ کل: ۰ از ۱۰۰" in summary
    assert "The notebook's Python kernel died" in summary and "هسته پایتون" in summary


def test_an_assignment_without_a_rubric_is_a_configuration_error(tmp_path):
    repo = course(tmp_path)
    pull_request(repo, "hw9", {"submissions/hw9/s-1/hw9.ipynb": (HW4 / "s-hw4-b" / "hw4.ipynb").read_bytes()})
    code, _, err = grader_ci(repo, "--base", "main")
    assert code == 2
    assert "submissions/hw9/" in err and "no rubric for assignment 'hw9'" in err
    assert "Not graded" in (tmp_path / "summary.md").read_text(encoding="utf-8")
    assert not (repo / "grader-ci-out").exists()


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


def test_init_writes_the_workflow(tmp_path):
    (tmp_path / "course").mkdir()
    path = tmp_path / "course" / ".github" / "workflows" / "grader.yml"
    code, _, err = grader_ci(tmp_path / "course", "init", "--path", str(path))
    assert code == 0, err
    flow = yaml.safe_load(path.read_text(encoding="utf-8"))
    assert "pull_request" in flow.get("on", flow.get(True))  # YAML 1.1 reads a bare `on` as true
    steps = flow["jobs"]["grade"]["steps"]
    upload = next(s for s in steps if s.get("uses") == "actions/upload-artifact@v4")
    assert upload["if"] == "always()" and upload["with"]["path"] == "grader-ci-out/"
    assert next(s for s in steps if s.get("uses") == "actions/checkout@v4")["with"]["fetch-depth"] == 0
    assert any(s.get("run") == 'sudo -E env "PATH=$PATH" grader ci' for s in steps)
    assert grader_ci(tmp_path / "course", "init", "--path", str(path))[0] == 2  # never overwrites silently
    assert (ROOT / "examples" / "github-workflow.yml").read_text(encoding="utf-8") == WORKFLOW


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


def test_through_the_grader_command(tmp_path):
    """The installed CLI wires `grader ci`: a pull request adding a submission is graded, exit 0."""
    repo = course(tmp_path)
    pull_request(repo, "s-hw4-cli", {"submissions/hw4/s-hw4-cli/hw4.ipynb": (HW4 / "s-hw4-b" / "hw4.ipynb").read_bytes()})
    summary = tmp_path / "step-summary.md"
    env = {k: v for k, v in os.environ.items() if k not in ("GITHUB_BASE_REF", "GRADER_RUBRICS")}
    proc = subprocess.run([sys.executable, "-m", "grader.cli", "ci", "--base", "main"], cwd=repo, capture_output=True,
                          text=True, timeout=300, env={**env, "GITHUB_STEP_SUMMARY": str(summary)})
    assert proc.returncode == 0, proc.stderr[-2000:]
    assert (repo / "grader-ci-out" / "hw4" / "s-hw4-cli.pdf").is_file()
    assert "s-hw4-cli" in summary.read_text(encoding="utf-8")
