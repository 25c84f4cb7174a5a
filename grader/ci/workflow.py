"""The GitHub Actions workflow `grader ci init` writes (the same text as examples/github-workflow.yml).

Kept as a string in the package, so an installed grader can write it without package data."""
from pathlib import Path

WORKFLOW = """\
# Grades the submission a student's pull request adds or changes, with `grader ci`.
# Written by `grader ci init`. Students open a pull request adding
# submissions/<assignment>/<student_id>/ (a folder with one notebook, or <student_id>.ipynb / .zip);
# rubrics/<assignment>.yaml must be in this repository. The scores appear in the job summary,
# the PDF report under the run's Artifacts. A student's wrong answer or crashing notebook does not
# fail the job; a set-up error (no rubric, bad rubric) does.
name: grader

on:
  pull_request:

permissions:
  contents: read

jobs:
  grade:
    runs-on: ubuntu-latest
    timeout-minutes: 30
    steps:
      - uses: actions/checkout@v4
        with:
          fetch-depth: 0  # the whole history: grader ci diffs against the merge base with the target branch

      - uses: actions/setup-python@v5
        with:
          python-version: "3.11"

      - name: System packages (sandbox, Persian fonts, PDF rendering)
        run: |
          sudo apt-get update -qq
          sudo apt-get install -y -qq --no-install-recommends \\
            bubblewrap fonts-noto-core libpango-1.0-0 libpangoft2-1.0-0 poppler-utils

      - name: Install grader
        # A placeholder: install grader from where your course keeps it, pinned, e.g.
        #   pip install "git+https://github.com/<org>/grader@<tag>"
        run: pip install grader

      - name: Grade the pull request
        # Root, because the sandbox (bubblewrap) runs every notebook as root's child dropped to an
        # unprivileged uid of its own, with namespaces an ordinary runner user may not create.
        # -E keeps GITHUB_BASE_REF and GITHUB_STEP_SUMMARY; PATH keeps setup-python's grader.
        run: sudo -E env "PATH=$PATH" grader ci

      - name: Upload the PDF report
        if: always()
        uses: actions/upload-artifact@v4
        with:
          name: grader-report
          path: grader-ci-out/
          if-no-files-found: ignore
"""


def write_workflow(path: Path) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(WORKFLOW, encoding="utf-8")
