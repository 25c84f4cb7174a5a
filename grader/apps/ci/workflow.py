"""The GitHub Actions workflow `grader ci init` writes (examples/github-workflow.yml is one of them).

Built from strings in the package, so an installed grader can write it without package data. The
workflow installs grader from a pinned source the course names (an unrelated package called
`grader` exists on the package index, so a bare `pip install grader` is never written), and finds the
datasets the rubrics need in one of two places the course chooses:

- an Actions cache (GitHub-hosted runners), which a job run by hand (`workflow_dispatch`) fills from a
  URL kept in a repository secret; pull requests restore the newest copy;
- a folder on a self-hosted runner (`--data-path`), for GPU machines that keep the data.

Where neither holds a dataset a rubric needs, `grader ci` exits 2 naming the missing file."""
import hashlib
import re
from pathlib import Path, PurePosixPath

from grader.core.errors import ConfigError

# The system packages scripts/setup.sh installs, less chromium (only the portal's browser tests use
# it; Ubuntu has no such package): the sandbox, fonts with Arabic-script shaping, Pango for the PDFs.
# tests/ci/test_ci_mode.py holds the two lists together.
SYSTEM_PACKAGES = ("libpango-1.0-0", "libpangoft2-1.0-0", "libharfbuzz-subset0", "fonts-noto-core",
                   "fonts-dejavu-core", "poppler-utils", "bubblewrap", "util-linux")
PYTHON = "3.11"
DATA_SECRET = "GRADER_DATA_URL"
CACHED_DATA = "~/grader-data"  # outside the checkout, so no pull request can put files there
CACHE_KEY = "grader-data-"
EXAMPLE_INSTALL = "git+https://github.com/your-org/grader@v1.0.0"

_GIT = re.compile(r"git\+https://[^\s@\"'$`\\]+@[A-Za-z0-9][A-Za-z0-9._/-]*")
_WHEEL = re.compile(r"[A-Za-z0-9._/-]+\.whl")
_LABEL = re.compile(r"[A-Za-z0-9._-]+")
_PATH = re.compile(r"/[A-Za-z0-9._/-]+")


class WorkflowError(ConfigError, ValueError):
    """A `grader ci init` option the workflow cannot be written with."""


def check_install(spec: str) -> str:
    """A pinned git URL (`git+https://…@TAG`) or a wheel committed to the course repository (a
    relative path ending in .whl); nothing a package index could resolve to someone else's code."""
    if _GIT.fullmatch(spec):
        return spec
    if _WHEEL.fullmatch(spec) and not spec.startswith("/") and ".." not in PurePosixPath(spec).parts:
        return spec
    raise WorkflowError(f"--install {spec!r}: give a pinned git URL (git+https://HOST/ORG/grader@TAG) or the path "
                        "of a wheel committed to this repository (wheels/grader-1.0.0-py3-none-any.whl); a bare "
                        "package name would install an unrelated package from the index")


def _install_step(spec: str) -> str:
    return f"""\
      - name: Install grader
        # Pinned: the course's own grader at a fixed tag (or a wheel committed here). Never a bare
        # `pip install grader`: the package of that name on the index is someone else's.
        run: python -m pip install "{spec}"
"""


def _cache_pip(spec: str) -> str:
    digest = hashlib.sha256(spec.encode()).hexdigest()[:12]
    return f"""\
      - name: Cache pip downloads
        uses: actions/cache@v4
        with:
          path: ~/.cache/pip
          key: grader-pip-${{{{ runner.os }}}}-py{PYTHON}-{digest}
          restore-keys: grader-pip-${{{{ runner.os }}}}-py{PYTHON}-
"""


def _system_step() -> str:
    return f"""\
      - name: System packages (the sandbox, Persian fonts, PDF rendering; as scripts/setup.sh)
        run: |
          sudo apt-get update -qq
          sudo DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends \\
            {' '.join(SYSTEM_PACKAGES)}
"""


def _fill_job(secret: str) -> str:
    return f"""\
  datasets:
    # Run by hand (Actions → grader → Run workflow, on the default branch) whenever the datasets change:
    # downloads the .tar.gz at the URL in the repository secret {secret} (its top level holds mnist/,
    # cifar-10-batches-py/, … as grader.yaml's data folder does) into a new cache that pull requests restore.
    if: github.event_name == 'workflow_dispatch'
    runs-on: ubuntu-latest
    timeout-minutes: 30
    steps:
      - name: Download the datasets
        env:
          DATA_URL: ${{{{ secrets.{secret} }}}}
        run: |
          if [ -z "$DATA_URL" ]; then
            echo "::error::the repository secret {secret} is not set: set it to the URL of the datasets' .tar.gz"
            exit 1
          fi
          mkdir -p {CACHED_DATA}
          curl -fsSL --retry 3 "$DATA_URL" | tar -xz -C {CACHED_DATA}

      - name: Save them for pull requests
        uses: actions/cache/save@v4
        with:
          path: {CACHED_DATA}
          key: {CACHE_KEY}${{{{ github.run_id }}}}

"""


def _restore_step(secret: str) -> str:
    return f"""\
      - name: Datasets (the newest copy the 'datasets' job saved)
        # None yet: grader ci names the missing file and exits 2. Fill the cache by running this
        # workflow by hand (workflow_dispatch) with the secret {secret} set.
        uses: actions/cache/restore@v4
        with:
          path: {CACHED_DATA}
          key: {CACHE_KEY}
          restore-keys: {CACHE_KEY}
"""


def workflow(install: str, *, data_secret: str = DATA_SECRET, data_path: str | None = None,
             runs_on: list[str] | None = None) -> str:
    """The workflow text. `data_path`: the datasets' folder on a self-hosted runner (then no cache and
    no filling job); `runs_on`: the runner's labels (default ubuntu-latest, or self-hosted with
    `data_path`)."""
    spec = check_install(install)
    if not re.fullmatch(r"[A-Z_][A-Z0-9_]*", data_secret):
        raise WorkflowError(f"--data-secret {data_secret!r}: a secret's name is letters, digits and _")
    if data_path is not None and not _PATH.fullmatch(data_path):
        raise WorkflowError(f"--data-path {data_path!r}: an absolute path on the runner (letters, digits, ._-/)")
    labels = runs_on or (["self-hosted", "linux"] if data_path else ["ubuntu-latest"])
    bad = [label for label in labels if not _LABEL.fullmatch(label)]
    if bad:
        raise WorkflowError(f"--runs-on {','.join(bad)}: a runner label is letters, digits and ._-")
    runner = labels[0] if len(labels) == 1 else f"[{', '.join(labels)}]"
    data = data_path or "$HOME/grader-data"
    header = """\
# Grades the submission a student's pull request adds or changes, with `grader ci`.
# Written by `grader ci init`. Students open a pull request adding
# submissions/<assignment>/<student_id>/ (a folder with one notebook, or <student_id>.ipynb / .zip);
# rubrics/<assignment>.yaml must be in this repository. The scores and messages appear in the job
# summary, the PDF report under the run's Artifacts (without reference values, unless grader.yaml
# says ci: {show_expected: true}). A student's wrong answer or crashing notebook does not fail the
# job; a set-up error (no rubric, bad rubric, a missing dataset) does, with the reason in the summary.
name: grader

on:
  pull_request:
"""
    if data_path is None:
        header += "  workflow_dispatch:  # by hand: fills the dataset cache (the 'datasets' job)\n"
    text = header + """
permissions:
  contents: read

jobs:
"""
    if data_path is None:
        text += _fill_job(data_secret)
    text += f"""\
  grade:
    if: github.event_name == 'pull_request'
    runs-on: {runner}
    timeout-minutes: 30
    steps:
      - uses: actions/checkout@v4
        with:
          fetch-depth: 0  # the whole history: grader ci diffs against the merge base with the target branch

      - uses: actions/setup-python@v5
        with:
          python-version: "{PYTHON}"

{_cache_pip(spec)}
{_system_step()}
{_install_step(spec)}
"""
    if data_path is None:
        text += _restore_step(data_secret) + "\n"
    text += f"""\
      - name: Grade the pull request
        # Root, because the sandbox (bubblewrap) runs every notebook as root's child dropped to an
        # unprivileged uid of its own, with namespaces an ordinary runner user may not create.
        # -E keeps GITHUB_BASE_REF and GITHUB_STEP_SUMMARY; PATH keeps setup-python's grader.
        run: sudo -E env "PATH=$PATH" "GRADER_DATA={data}" grader ci

      - name: Upload the reports (points and messages; reference values only if grader.yaml shows them)
        if: always()
        uses: actions/upload-artifact@v4
        with:
          name: grader-report
          path: grader-ci-out/
          if-no-files-found: ignore
"""
    return text


def write_workflow(path: Path, text: str) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text, encoding="utf-8")
