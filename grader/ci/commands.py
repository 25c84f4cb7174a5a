"""`grader ci` and `grader ci init` (DESIGN.md, "CI on pull requests").

Exit 0 whenever grading produced results, also for wrong answers or a crashing notebook, and when the
pull request changes no submission (it may only edit docs): the job fails only on set-up errors (2)."""
import argparse
import contextlib
import os
import shutil
import sys
import tempfile
from pathlib import Path

from grader.ci import summary
from grader.ci.changes import (CIConfigError, base_ref, changed_paths, changed_submissions, repo_root, stage,
                               submissions_dir)
from grader.ci.workflow import write_workflow
from grader.intake import RosterError
from grader.rubric import Rubric, RubricError, find_rubric, load_rubric

DEFAULT_OUT = "grader-ci-out"


def _rubrics(root: Path, assignments: list[str], submissions: str) -> dict[str, tuple[Path, Rubric]]:
    """Every rubric the pull request needs, checked before anything is graded."""
    found = {}
    with contextlib.chdir(root):  # rubrics/ of the course repository
        for assignment in assignments:
            try:
                path = find_rubric(assignment)
                found[assignment] = (path, load_rubric(path))
            except RubricError as exc:
                raise CIConfigError(f"the pull request changes {submissions}/{assignment}/, but its rubric "
                                    f"cannot be used:\n{exc}") from None
    return found


def _keep_reports(graded: Path, dest: Path, students: list[str]) -> None:
    """Only each student's PDF and result JSON go to the artifact: the class files (gradebook, summary)
    would describe a class of the one or two students in the pull request. Fresh copies with the umask's
    mode, since the results are written 0600 by root and the upload step runs as the runner's user."""
    (dest / "results").mkdir(parents=True, exist_ok=True)
    for sid in students:
        for name in (f"{sid}.pdf", f"results/{sid}.json"):
            if (graded / name).is_file():
                shutil.copyfile(graded / name, dest / name)


def _grade(root: Path, submissions: str, out: Path, by_assignment: dict[str, list[str]]) -> list[summary.Outcome]:
    from grader.engine.local import run
    from grader.progress import Progress

    rubrics = _rubrics(root, sorted(by_assignment), submissions)
    unsafe = os.environ.get("GRADER_UNSAFE_NO_SANDBOX") == "1"
    outcomes = []
    with tempfile.TemporaryDirectory(prefix="grader-ci-") as tmp:
        for assignment, entries in sorted(by_assignment.items()):
            path, rubric = rubrics[assignment]
            folder = Path(tmp) / "submissions" / assignment
            skipped = stage(root / submissions / assignment, entries, folder)
            results = []
            if len(skipped) < len(entries):
                graded = Path(tmp) / "reports" / assignment
                results = run(folder, path, graded, unsafe_no_sandbox=unsafe, on_done=Progress()).results
                _keep_reports(graded, out / assignment, [r["student_id"] for r in results])
            outcomes.append(summary.Outcome(assignment, rubric.title.model_dump(), results, skipped))
    return outcomes


def cmd_ci(args: argparse.Namespace) -> int:
    from grader.engine.local import SandboxUnavailable

    out = Path(args.out).resolve()
    try:
        root = repo_root(Path.cwd())
        base = base_ref(root, args.base)
        folder = submissions_dir(root, args.submissions)
        submissions = str(folder)
        changes = changed_submissions(changed_paths(root, base), folder)
        if not changes:
            summary.publish(summary.nothing_to_grade(submissions, base))
            print(f"grader ci: no submission changed under {submissions}/ since {base}; nothing to grade")
            return 0
        by_assignment: dict[str, list[str]] = {}
        for change in changes:
            by_assignment.setdefault(change.assignment, []).append(change.entry)
        outcomes = _grade(root, submissions, out, by_assignment)
    except (CIConfigError, RosterError, SandboxUnavailable) as exc:
        summary.publish(summary.not_graded(str(exc)))
        print(f"grader ci: {exc}", file=sys.stderr)
        return 2
    summary.publish(summary.graded(outcomes))
    graded = sum(len(o.results) for o in outcomes)
    print(f"grader ci: graded {graded} submission(s) → {out}/")
    return 0


def cmd_init(args: argparse.Namespace) -> int:
    path = Path(args.path)
    if path.exists() and not args.force:
        print(f"grader ci init: {path} exists; pass --force to overwrite it", file=sys.stderr)
        return 2
    write_workflow(path)
    print(f"{path}: commit it to the course repository; edit its 'Install grader' step first")
    return 0


def add_commands(subparsers: argparse._SubParsersAction) -> None:
    """Add `ci` (and `ci init`) to the `grader` command's sub-parsers."""
    ci = subparsers.add_parser("ci", help="pull-request mode: grade the submissions a pull request changes")
    ci.add_argument("--base", help="branch to diff against (default: origin/$GITHUB_BASE_REF, "
                                   "else origin/main, else main)")
    ci.add_argument("--submissions", default="submissions",
                    help="class folders, relative to the repository root (default: submissions)")
    ci.add_argument("--out", default=DEFAULT_OUT, help=f"PDFs and result JSON (default: {DEFAULT_OUT}/)")
    ci.set_defaults(fn=cmd_ci)
    init = ci.add_subparsers(dest="ci_cmd").add_parser(
        "init", help="write a GitHub Actions workflow that runs grader ci on pull requests")
    init.add_argument("--path", default=".github/workflows/grader.yml", help="where to write it "
                      "(default: .github/workflows/grader.yml)")
    init.add_argument("--force", action="store_true", help="overwrite an existing file")
    init.set_defaults(fn=cmd_init)
