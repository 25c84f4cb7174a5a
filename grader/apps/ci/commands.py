"""`grader ci` and `grader ci init`.

Exit 0 whenever grading produced results, also for wrong answers or a crashing notebook, and when the
pull request changes no submission (it may only edit docs); 1 when it changes anything besides one
student's own hand-in (a rubric, grader.yaml, another student's folder: see `grader.apps.ci.scope`) and is
not graded; 2 on set-up errors (no rubric on the base branch, a shallow checkout)."""
import argparse
import json
import os
import shutil
import sys
from pathlib import Path, PurePosixPath

from grader.apps.ci import scope, summary
from grader.apps.ci.changes import (Change, CIConfigError, base_ref, changed_paths, changed_submissions, repo_root,
                               require_history, stage, submissions_dir)
from grader.apps.ci.rules import BaseRules, base_rules
from grader.apps.ci.visibility import without_reference
from grader.apps.ci.workflow import DATA_SECRET, workflow, write_workflow
from grader.core.errors import ConfigError
from grader.core.settings import Course
from grader.core.result import StudentResult
from grader.intake.submitted_at import SubmissionTimes, SubmittedAt, from_github_event
from grader.outputs.results import read_result, result_path
from grader.apps.selfcheck import Finding, check_notebook

DEFAULT_OUT = "grader-ci-out"


def _keep_reports(graded: Path, dest: Path, students: list[str], show_expected: bool) -> list[StudentResult]:
    """Each student's PDF and result JSON for the artifact, and the results as published: without
    reference values unless the base's grader.yaml shows them (`grader.apps.ci.visibility`); then the PDF
    is rendered again from what the JSON keeps. The class files (gradebook, summary) would describe
    a class of the one or two students in the pull request. Fresh files with the umask's mode, since
    the results are written 0600 by root and the upload step runs as the runner's user."""
    from grader.outputs.reports import render_student_report

    (dest / "results").mkdir(parents=True, exist_ok=True)
    published = []
    for sid in students:
        result = read_result(result_path(graded, sid))
        if result is None:
            continue
        if show_expected:
            if (graded / f"{sid}.pdf").is_file():
                shutil.copyfile(graded / f"{sid}.pdf", dest / f"{sid}.pdf")
        else:
            result = without_reference(result)
            render_student_report(result, dest / f"{sid}.pdf")
        (dest / "results" / f"{sid}.json").write_text(json.dumps(result.to_json(), ensure_ascii=False, indent=1),
                                                      encoding="utf-8")
        published.append(result)
    return published


def _grade(root: Path, submissions: PurePosixPath, out: Path, change: Change, rules: BaseRules) -> summary.Outcome:
    """Grade the pull request's one hand-in (from the checkout) by the base's rubric, roster and data."""
    from grader.engine.contract import RunOptions, engine_named
    from grader.apps.progress import Progress

    path, rubric = rules.rubric(change.assignment)
    folder = rules.scratch / "submissions" / change.assignment
    skipped = stage(root / submissions / change.assignment, [change.entry], folder, rules.roster(change.assignment))
    results, found = [], []
    if not skipped:
        unsafe = os.environ.get("GRADER_UNSAFE_NO_SANDBOX") == "1"
        found = _check_first(folder, path, rules.scratch / "check", unsafe, rules.course)
        graded = rules.scratch / "reports" / change.assignment
        options = RunOptions(folder, path, graded, unsafe_no_sandbox=unsafe, on_done=Progress(), course=rules.course,
                             times=SubmissionTimes(every=pushed_at()))
        results = engine_named("local").run(options).results
        results = _keep_reports(graded, out / change.assignment, [r.student_id for r in results],
                                rules.show_expected)
    return summary.Outcome(change.assignment, rubric.title, results, skipped, found)


def pushed_at() -> SubmittedAt:
    """The pull request's time for a deadline: GitHub's record of its last update in the event that
    started the run, never a commit's date (`grader.intake.submitted_at.from_github_event`)."""
    event = os.environ.get("GITHUB_EVENT_PATH")
    return from_github_event(Path(event) if event else None)


def _check_first(folder: Path, rubric_path: Path, scratch: Path, unsafe: bool, course: Course) -> list[Finding]:
    """`grader check` on the staged hand-in, before it is graded, in the sandbox as grading runs it
    (here it is not the student's own machine): what a student would have been told. Nothing when the
    hand-in has no readable notebook; grading reports why."""
    from grader.engine.plan import GradingPlan
    from grader.intake import discover, open_submission, read_notebook

    found: list[Finding] = []
    for sub in discover(folder):
        nb_path = open_submission(sub, scratch / sub.student_id)[0]
        nb = read_notebook(nb_path)[0] if nb_path else None
        if nb is not None:
            plan = GradingPlan.build(rubric_path, course=course)
            found += check_notebook(nb, nb_path.parent, plan, use_sandbox=not unsafe)[0]
    return found


def cmd_ci(args: argparse.Namespace) -> int:
    """An error raised on purpose ends it in `grader.apps.cli.dispatch`, which has `not_graded` write the summary."""
    out = Path(args.out).resolve()
    root = repo_root(Path.cwd())
    require_history(root)
    base = base_ref(root, args.base)
    submissions = submissions_dir(root, args.submissions)
    paths = changed_paths(root, base)
    changes = changed_submissions(paths, submissions)
    if not changes:
        summary.publish(summary.nothing_to_grade(str(submissions), base))
        print(f"grader ci: no submission changed under {submissions}/ since {base}; nothing to grade")
        return 0
    with base_rules(root, base, submissions) as rules:
        refused = (scope.refusals(paths, changes, submissions)
                   or scope.not_yours(changes[0], rules.roster(changes[0].assignment), scope.pr_author(),
                                      submissions))
        if refused:
            summary.publish(scope.report(refused, base, submissions))
            print("grader ci: not graded: a pull request may change only its own student's hand-in:\n"
                  + "\n".join(f"  {r.path}: {scope.WHY[r.why][1].format(author=r.author)}" for r in refused),
                  file=sys.stderr)
            return 1
        outcome = _grade(root, submissions, out, changes[0], rules)
    summary.publish(summary.graded([outcome]))
    print(f"grader ci: graded {len(outcome.results)} submission(s) → {out}/")
    return 0


def cmd_init(args: argparse.Namespace) -> int:
    path = Path(args.path)
    if path.exists() and not args.force:
        print(f"grader ci init: {path} exists; pass --force to overwrite it", file=sys.stderr)
        return 2
    text = workflow(args.install, data_secret=args.data_secret, data_path=args.data_path,
                    runs_on=args.runs_on.split(",") if args.runs_on else None)
    write_workflow(path, text)
    where = (f"the runner's {args.data_path}" if args.data_path else
             f"the Actions cache: set the secret {args.data_secret} and run the workflow by hand once")
    print(f"{path}: commit it to the course repository; datasets come from {where}")
    return 0


def not_graded(exc: Exception) -> None:
    """The job summary of a `grader ci` an error stopped: its message, and for a course set-up that is
    incomplete (a dataset, the sandbox, the roster), that the hand-in is not to blame. A repository
    problem (`CIConfigError`: no rubric for the folder, a shallow checkout) may be the pull request's."""
    setup = isinstance(exc, ConfigError) and not isinstance(exc, CIConfigError) or not hasattr(exc, "exit_code")
    summary.publish(summary.setup_incomplete(str(exc)) if setup else summary.not_graded(str(exc)))


def add_commands(subparsers: argparse._SubParsersAction) -> None:
    """Add `ci` (and `ci init`) to the `grader` command's sub-parsers."""
    ci = subparsers.add_parser("ci", help="pull-request mode: grade the submissions a pull request changes")
    ci.add_argument("--base", help="branch to diff against (default: origin/$GITHUB_BASE_REF, "
                                   "else origin/main, else main)")
    ci.add_argument("--submissions", default="submissions",
                    help="class folders, relative to the repository root (default: submissions)")
    ci.add_argument("--out", default=DEFAULT_OUT, help=f"PDFs and result JSON (default: {DEFAULT_OUT}/)")
    ci.set_defaults(fn=cmd_ci, prog_name="grader ci", on_error=not_graded)
    init = ci.add_subparsers(dest="ci_cmd").add_parser(
        "init", help="write a GitHub Actions workflow that runs grader ci on pull requests")
    init.add_argument("--path", default=".github/workflows/grader.yml", help="where to write it "
                      "(default: .github/workflows/grader.yml)")
    init.add_argument("--install", required=True, metavar="SPEC",
                      help="where the workflow installs grader from, pinned: git+https://HOST/ORG/grader@TAG, or "
                           "the path of a wheel committed to the course repository")
    init.add_argument("--data-secret", default=DATA_SECRET, metavar="NAME",
                      help="the repository secret holding the URL of the datasets' .tar.gz, which a job run by "
                           f"hand puts in the Actions cache (default: {DATA_SECRET})")
    init.add_argument("--data-path", metavar="DIR",
                      help="instead: the datasets' folder on a self-hosted runner (no cache, no download)")
    init.add_argument("--runs-on", metavar="LABELS",
                      help="the runner's labels, comma-separated (default: ubuntu-latest; with --data-path "
                           "self-hosted,linux; e.g. self-hosted,linux,gpu)")
    init.add_argument("--force", action="store_true", help="overwrite an existing file")
    init.set_defaults(fn=cmd_init, prog_name="grader ci init", on_error=None)
