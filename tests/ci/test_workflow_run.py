"""The workflow `grader ci init` writes, run as a runner would run it: its `run:` steps in order, with bash,
in a fresh environment, on a course repository made from the bundled hw3 course.

What stands in for GitHub, and why:
- the course repository is a throw-away git repository; `actions/checkout` is a clone of it with the
  pull request's branch checked out, `origin/main` its base;
- `actions/setup-python` is a fresh virtual environment made with `--system-site-packages` (and without
  its own pip and setuptools, which would shadow the machine's), so that torch and TensorFlow are not
  downloaded again. It lies outside /tmp, as a runner's Python does: a sandboxed kernel gets a /tmp of
  its own, and would not find an interpreter there; grader itself is NOT visible in it until the workflow's install step installs the
  wheel committed to the course repository (built here with `pip wheel --no-deps`). pip runs with
  `PIP_NO_INDEX=1`: this machine has no network, and every dependency must already be satisfied;
- `sudo` is a shim that runs its command (the tests run as root, as the runner's sudo would make it);
  `apt-get` is a shim: `update` does nothing, `install` succeeds only if `dpkg -s` finds every package
  the step names installed, so a package name that does not exist fails the step;
- caches restore nothing; `actions/upload-artifact` copies its `path` to an artifacts folder;
- the GitHub event is a `pull_request` payload with GitHub's `updated_at`, and the commit's own dates
  are set far earlier (a student can set those), to show the deadline reads the event.
The datasets come from the self-hosted option (`--data-path`): a folder with MNIST in its real file
format, written by the test (small: 60 training and 40 test images)."""
import json
import os
import shutil
import stat
import subprocess
import sys
import tempfile
from pathlib import Path

import numpy as np
import pytest
import yaml

from grader.models.datasets import write_mnist
from tests.support.paths import ROOT

pytestmark = [pytest.mark.slow, pytest.mark.e2e, pytest.mark.sandbox]

STUDENT = "s05"  # a quick hw3 notebook (seconds)
DEADLINE = "2026-11-30T23:59:00+03:30"
PUSHED = "2026-12-01T12:00:00Z"  # 15:30 in Tehran the next day: one day late
ROSTER = f"id,name_fa,name_en,email\n{STUDENT},دانشجوی نمونه,Sample Student,s05@example.edu\n"

SUDO = """#!/bin/bash
# The runner's passwordless sudo, for a test already running as root: drop the options, run the rest.
while [ "${1#-}" != "$1" ]; do shift; done
exec env "$@"
"""
APT_GET = """#!/bin/bash
# apt-get without the network: nothing to update; an install succeeds only if every package is installed.
case "$1" in
  update) exit 0 ;;
  install) shift; pkgs=(); for a in "$@"; do [ "${a#-}" = "$a" ] && pkgs+=("$a"); done
           exec dpkg -s "${pkgs[@]}" > /dev/null ;;
  *) echo "apt-get shim: $1 is not simulated" >&2; exit 1 ;;
esac
"""


def run(cmd: list[str], cwd: Path, **kw) -> subprocess.CompletedProcess:
    proc = subprocess.run(cmd, cwd=cwd, capture_output=True, text=True, timeout=600, **kw)
    assert proc.returncode == 0, f"{cmd}: {proc.stderr[-3000:]}"
    return proc


def git(repo: Path, *args: str, env: dict[str, str] | None = None) -> None:
    run(["git", *args], repo, env={**os.environ, **(env or {})})


def build_wheel(tmp: Path) -> Path:
    """grader's wheel, built from a copy of the source (so the working tree gains no build folders)."""
    src = tmp / "grader-src"
    shutil.copytree(ROOT / "grader", src / "grader", ignore=shutil.ignore_patterns("__pycache__"))
    shutil.copy(ROOT / "pyproject.toml", src)
    run([sys.executable, "-m", "pip", "wheel", "--no-deps", "--no-build-isolation", "-q", str(src), "-w",
         str(tmp / "dist")], tmp)
    (wheel,) = (tmp / "dist").glob("grader-*.whl")
    return wheel


def mnist(folder: Path) -> Path:
    """MNIST's four idx files, small, in the layout the rubric's dataset expects."""
    rng = np.random.default_rng(0)
    for split, n in (("train", 60), ("test", 40)):
        write_mnist(folder, split, rng.integers(0, 256, (n, 28, 28), dtype=np.uint8),
                    rng.integers(0, 10, n, dtype=np.uint8))
    return folder


def course_repository(tmp: Path, wheel: Path, data: Path) -> tuple[Path, Path]:
    """The course's repository (main: the hw3 rubric with a deadline, its reference code, a roster, the
    wheel and the workflow `grader ci init` wrote), and the workflow's path in it."""
    repo = tmp / "course"
    (repo / "rubrics").mkdir(parents=True)
    rubric = (ROOT / "rubrics" / "hw3.yaml").read_text(encoding="utf-8")
    late = f"deadline: {DEADLINE}\nlate: {{grace_minutes: 15, per_day_percent: 10, max_days: 5}}\nquestions:\n"
    (repo / "rubrics" / "hw3.yaml").write_text(rubric.replace("questions:\n", late, 1), encoding="utf-8")
    shutil.copytree(ROOT / "reference" / "hw3", repo / "reference" / "hw3",
                    ignore=shutil.ignore_patterns("__pycache__"))
    shutil.copy(ROOT / "reference" / "__init__.py", repo / "reference")
    (repo / "submissions" / "hw3").mkdir(parents=True)
    (repo / "submissions" / "hw3" / "students.csv").write_text(ROSTER, encoding="utf-8")
    (repo / "wheels").mkdir()
    shutil.copy(wheel, repo / "wheels")
    git(repo, "init", "-q", "-b", "main")
    git(repo, "config", "user.email", "ta@example.edu")
    git(repo, "config", "user.name", "TA")
    run([sys.executable, "-m", "grader.apps.cli", "ci", "init", "--install", f"wheels/{wheel.name}",
         "--data-path", str(data)], repo, env={**os.environ, "PYTHONPATH": str(ROOT)})
    git(repo, "add", "-A")
    git(repo, "commit", "-qm", "course")
    git(repo, "checkout", "-qb", f"hand-in-{STUDENT}")
    shutil.copytree(ROOT / "submissions" / "hw3" / STUDENT, repo / "submissions" / "hw3" / STUDENT)
    git(repo, "add", "-A")
    early = "2026-11-01T10:00:00+03:30"  # the student's own clock: well before the deadline
    git(repo, "commit", "-qm", "my homework", env={"GIT_AUTHOR_DATE": early, "GIT_COMMITTER_DATE": early})
    return repo, repo / ".github" / "workflows" / "grader.yml"


class Runner:
    """One job of the workflow, run step by step in a fresh checkout and environment."""

    def __init__(self, tmp: Path, repo: Path, python_home: Path):
        self.tmp, self.repo, self.python_home = tmp, repo, python_home
        self.work = tmp / "work"
        self.artifacts = tmp / "artifacts"
        self.summary = tmp / "step-summary.md"
        self.shims = tmp / "shims"
        self.shims.mkdir()
        for name, text in (("sudo", SUDO), ("apt-get", APT_GET)):
            (self.shims / name).write_text(text)
            (self.shims / name).chmod(stat.S_IRWXU)
        event = tmp / "event.json"
        event.write_text(json.dumps({"action": "synchronize", "pull_request": {
            "updated_at": PUSHED, "user": {"login": "a-student"}, "head": {"ref": f"hand-in-{STUDENT}"}}}))
        keep = {k: v for k, v in os.environ.items()
                if not k.startswith(("GRADER_", "GITHUB_", "PYTHON", "VIRTUAL_ENV", "PIP_"))}
        self.env = {**keep, "GITHUB_ACTIONS": "true", "GITHUB_EVENT_NAME": "pull_request", "GITHUB_BASE_REF": "main",
                    "GITHUB_EVENT_PATH": str(event), "GITHUB_STEP_SUMMARY": str(self.summary),
                    "GITHUB_WORKSPACE": str(self.work), "PIP_NO_INDEX": "1"}
        self.results: list[tuple[str, int, str]] = []  # (step, exit code, its output's tail)

    def uses(self, step: dict) -> int:
        action = step["uses"].split("@")[0]
        if action == "actions/checkout":
            run(["git", "clone", "-q", str(self.repo), str(self.work)], self.tmp)
            run(["git", "checkout", "-q", f"hand-in-{STUDENT}"], self.work)
        elif action == "actions/setup-python":
            venv = self.python_home / "venv"
            run([sys.executable, "-m", "venv", "--system-site-packages", "--without-pip", str(venv)], self.tmp)
            self.env["PATH"] = f"{venv}/bin:{self.shims}:{self.env['PATH']}"
        elif action == "actions/upload-artifact":
            source = self.work / step["with"]["path"]
            if source.exists():
                shutil.copytree(source, self.artifacts / step["with"]["name"])
        elif not action.startswith("actions/cache"):  # a cache restores nothing here
            raise AssertionError(f"a step this test cannot simulate: {step['uses']}")
        return 0

    def job(self, job: dict) -> list[tuple[str, int, str]]:
        """Each step in order; after a failure only the steps marked `if: always()` run, as on GitHub."""
        failed = False
        for step in job["steps"]:
            if failed and step.get("if") != "always()":
                continue
            name = step.get("name") or step.get("uses")
            if "uses" in step:
                code, tail = self.uses(step), ""
            else:
                proc = subprocess.run(["bash", "--noprofile", "--norc", "-eo", "pipefail", "-c", step["run"]],
                                      cwd=self.work, env=self.env, capture_output=True, text=True, timeout=600)
                code, tail = proc.returncode, (proc.stdout + proc.stderr)[-4000:]
            self.results.append((name, code, tail))
            failed = failed or code != 0
        return self.results


@pytest.fixture
def python_home():
    """Where setup-python's interpreter goes: outside /tmp, open to the kernel's user, removed after."""
    home = Path(tempfile.mkdtemp(prefix="grader-workflow-python-", dir="/var/tmp"))
    home.chmod(0o755)
    yield home
    shutil.rmtree(home, ignore_errors=True)


@pytest.fixture(scope="module")
def course(tmp_path_factory):
    tmp = tmp_path_factory.mktemp("workflow")
    data = mnist(tmp / "runner-data")
    repo, workflow = course_repository(tmp, build_wheel(tmp), data)
    return repo, yaml.safe_load(workflow.read_text(encoding="utf-8")), data


def test_the_workflows_steps_grade_a_pull_request_with_the_configured_datasets(course, tmp_path, python_home):
    repo, flow, _ = course
    assert flow["jobs"]["grade"]["if"] == "github.event_name == 'pull_request'"
    runner = Runner(tmp_path, repo, python_home)
    steps = runner.job(flow["jobs"]["grade"])
    assert [(name, code) for name, code, _ in steps if code] == [], steps
    ran = [name for name, _, _ in steps]
    assert ran[0] == "actions/checkout@v4" and "Install grader" in ran and "Grade the pull request" in ran
    summary = runner.summary.read_text(encoding="utf-8")
    result = json.loads((runner.artifacts / "grader-report" / "hw3" / "results" / f"{STUDENT}.json")
                        .read_text(encoding="utf-8"))
    assert (runner.artifacts / "grader-report" / "hw3" / f"{STUDENT}.pdf").stat().st_size > 10_000
    late = result["late"]
    assert (late["source"], late["submitted_at"], late["days_late"], late["penalty_percent"]) == \
        ("pull request", "2026-12-01T12:00:00+00:00", 1, 10.0)  # GitHub's time, not the commit's 1 November
    before = round(sum(q["points"] for q in result["questions"]), 4)
    assert result["total"] == round(before * 0.9, 4) and before > 0
    assert f"**Total: {result['total']:g} / 100**" in summary, summary
    assert f"`{STUDENT}`" in summary and "Sample Student" in summary and "دانشجوی نمونه" in summary
    assert "1 day late · penalty 10%" in summary.replace("\\", "") and "روز دیرکرد" in summary
    assert "Traceback" not in summary


def test_without_the_dataset_the_grading_step_fails_with_one_clear_line(course, tmp_path, python_home):
    """The runner's data folder lacks MNIST's test images: the grading step exits 2, its last line names
    the missing file, the summary says the course's set-up is incomplete, and nothing is uploaded."""
    repo, flow, data = course
    hidden = data / "mnist" / "t10k-images-idx3-ubyte"
    hidden.rename(tmp_path / "aside")
    try:
        runner = Runner(tmp_path, repo, python_home)
        steps = runner.job(flow["jobs"]["grade"])
    finally:
        (tmp_path / "aside").rename(hidden)
    failed = [(name, code, tail) for name, code, tail in steps if code]
    assert [(name, code) for name, code, _ in failed] == [("Grade the pull request", 2)]
    lines = failed[0][2].strip().splitlines()
    message = (f"grader ci: q10d (zero_model): dataset mnist (test): expected {hidden} "
               "(set GRADER_DATA or data_dir in grader.yaml)")
    assert message in lines and "Traceback" not in failed[0][2], failed[0][2]
    summary = runner.summary.read_text(encoding="utf-8")
    assert "Not graded: the course set-up is incomplete" in summary and str(hidden) in summary
    assert steps[-1][0].startswith("Upload the reports") and not (runner.artifacts / "grader-report").exists()
