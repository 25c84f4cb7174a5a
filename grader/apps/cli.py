"""The `grader` command: one subcommand per job (run, release, reference, rubric, manual, tokens, serve, ci, check)."""
import argparse
import atexit
import importlib.metadata
import json
import os
import sys
import threading
from pathlib import Path
from typing import Any

import numpy as np

from grader.apps.ci import add_commands as add_ci_commands
from grader.core.classlist import MOODLE_IDENTITIES
from grader.core.errors import ConfigError, GraderError
from grader.core.quiet import quiet_process
from grader.core.settings import Course
from grader.engine.contract import ENGINES
from grader.apps.portal import add_commands as add_portal_commands
from grader.rubric import find_rubric
from grader.checks import REGISTRY, load_rubric
from grader.apps.selfcheck import cmd_check


def _jsonable(value: Any) -> Any:
    if isinstance(value, np.ndarray):
        return value.tolist()
    if isinstance(value, np.generic):
        return value.item()
    raise TypeError(f"not JSON: {type(value).__name__}")


def _course_folder(value: str) -> Path:
    if not Path(value).is_dir():
        raise argparse.ArgumentTypeError(f"{value} is not a folder")
    return Path(value)


def course_of(args: argparse.Namespace) -> Course:
    """The course of this command: `--course DIR`, else the working directory's (`Course.load`)."""
    return Course.load(getattr(args, "course", None))


def cmd_run(args: argparse.Namespace) -> int:
    from grader.engine.contract import RunOptions, engine_named
    from grader.apps.progress import Progress
    from grader.intake.submitted_at import SubmissionTimes

    submissions = Path(args.submissions)
    if not submissions.is_dir():
        print(f"grader: {submissions} is not a folder of submissions", file=sys.stderr)
        return 2
    assignment = args.assignment or submissions.resolve().name
    course = course_of(args)
    rubric_path = find_rubric(assignment, course)
    out = Path(args.out) if args.out else course.reports / assignment
    options = RunOptions(submissions, rubric_path, out, jobs=args.jobs, gpus=args.gpus, lang=args.lang,
                         force=args.force, on_done=Progress(), course=course,
                         times=SubmissionTimes.from_list(args.submitted_at_from) if args.submitted_at_from
                         else SubmissionTimes(), moodle_identity=args.moodle_identity,
                         unsafe_no_sandbox=args.unsafe_no_sandbox or os.environ.get("GRADER_UNSAFE_NO_SANDBOX") == "1")
    summary = engine_named(args.engine, ray_address=args.ray_address).run(options)
    print(f"graded {summary.graded}, unchanged {summary.skipped}, in {summary.wall_s:.1f} s → {out}/")
    if summary.removed:
        print(f"grader: the submission of {len(summary.removed)} student(s) is gone; their report and result were "
              f"removed: {', '.join(summary.removed)}", file=sys.stderr)
    for notice in summary.notices:  # also in summary.pdf
        print(f"grader: {notice.en}", file=sys.stderr)
    unknown = [r.student_id for r in summary.results if r.late and r.late.submitted_at is None]
    if unknown:
        print(f"grader: no usable submission time, so no late penalty, for {len(unknown)} submission(s) "
              f"(their results say why): {', '.join(unknown)}", file=sys.stderr)
    if summary.grader_faults:
        print(f"grader: {len(summary.grader_faults)} submission(s) not fully graded by a fault of the grader "
              f"(logged above; their reports say so): {', '.join(summary.grader_faults)}", file=sys.stderr)
        return 3
    return 4 if summary.mostly_missing else 0


def cmd_release(args: argparse.Namespace) -> int:
    from grader.release import release

    course = course_of(args)
    rubric = load_rubric(find_rubric(args.assignment, course), references=False, course=course)  # no reference code
    path = release(rubric, Path(args.out) if args.out else Path("release") / args.assignment)
    print(path)
    return 0


def cmd_reference(args: argparse.Namespace) -> int:
    from grader.engine.plan import GradingPlan

    course = course_of(args)
    plan = GradingPlan.load(find_rubric(args.assignment, course), seed=args.seed, course=course)
    if args.question and args.question not in {q.id for q in plan.rubric.questions}:
        print(f"grader: {args.assignment} has no question {args.question!r}", file=sys.stderr)
        return 2
    plan.prepare(args.question)  # one question's reference code only
    answers = {q.id: {c.answer.name or c.kind: c.expected_json() for c in checks}
               for q, checks in plan.checks if args.question in (None, q.id)}
    print(json.dumps(answers, default=_jsonable, ensure_ascii=False, indent=None if args.json else 1))
    return 0


def cmd_manual_export(args: argparse.Namespace) -> int:
    from grader.manual import export_sheet, refuse_unimported

    out = Path(args.out_dir)
    paths = [out / "manual" / f"manual{suffix}" for suffix in (".xlsx", ".csv")]
    if not args.force:
        refuse_unimported(out, paths)  # both checked before either is written
    paths[0].parent.mkdir(parents=True, exist_ok=True)
    for path in paths:
        rows = export_sheet(out, path, force=True)
        print(f"{path}: {rows} answers to grade")
    return 0


def cmd_manual_import(args: argparse.Namespace) -> int:
    """Good rows are merged even when others are refused; exit 1 names those, 2 an unreadable sheet."""
    from grader.engine.local import publish_class
    from grader.manual import import_sheet
    from grader.outputs.reports import render_student_report
    from grader.outputs.results import read_results

    out = Path(args.out_dir)
    refused: list[str] = []
    changed = import_sheet(out, Path(args.sheet), by=args.by, refused=refused)
    results = list(read_results(out).values())
    for result in results:
        if result.student_id in changed:
            render_student_report(result, out / f"{result.student_id}.pdf")
    if results:
        course = course_of(args)
        publish_class(out, load_rubric(find_rubric(results[0].assignment, course), course=course), results)
    print(f"merged manual scores for {len(changed)} students")
    if refused:
        print(f"grader: {len(refused)} row(s) not applied (the others were):\n" + "\n".join(refused), file=sys.stderr)
        return 1
    return 0


def cmd_rubric_check(args: argparse.Namespace) -> int:
    rubric = load_rubric(Path(args.file), course=course_of(args))
    print(f"{args.file}: ok ({rubric.assignment}, {len(rubric.questions)} questions, "
          f"{rubric.max_points:g} points)")
    return 0


def cmd_rubric_list(args: argparse.Namespace) -> int:
    """Per assignment: how many questions are automatic, partly automatic and manual."""
    course = course_of(args)
    print("assignment\tquestions\tautomatic\tpartly automatic\tmanual\tpoints\ttitle")
    for path in sorted(course.rubrics.glob("*.yaml")):
        rubric = load_rubric(path, references=False, course=course)  # no reference code: `rubric check` imports it
        kinds = [{REGISTRY[a.check].by_person for a in q.answers} for q in rubric.questions]  # graded by a person?
        auto, mixed, manual = kinds.count({False}), kinds.count({True, False}), kinds.count({True})
        print(f"{rubric.assignment}\t{len(kinds)}\t{auto}\t{mixed}\t{manual}\t{rubric.max_points:g}\t{rubric.title.en}")
    return 0


def parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(prog="grader", description=__doc__)
    p.add_argument("--version", action="version", version=f"grader {importlib.metadata.version('grader')}")
    p.add_argument("--course", type=_course_folder, metavar="DIR",
                   help="the course folder: rubrics/, reference/, grader.yaml, reports/ (default: the working "
                        "directory, what it lacks from the course bundled with grader); not for ci, which "
                        "takes the rules from the pull request's base commit")
    sub = p.add_subparsers(dest="command", required=True)

    run = sub.add_parser("run", help="grade a folder of submissions")
    run.add_argument("submissions", help="a folder with one folder, .ipynb or .zip per student "
                                         "(and an optional students.csv roster)")
    run.add_argument("--assignment", metavar="ID", help="the rubric to grade by (default: the folder's name)")
    run.add_argument("--out", metavar="DIR", help="where reports, results and gradebooks go "
                                                  "(default: the course's reports/ID)")
    run.add_argument("--jobs", type=int, metavar="N", help="notebooks graded at once (default: what the cores, "
                                                           "memory and GPUs allow)")
    run.add_argument("--gpus", default="auto", metavar="auto|none|0,1",
                     help="GPUs the kernels may use: all visible (auto), none, or these indices")
    run.add_argument("--engine", default="local", choices=ENGINES,
                     help="where notebooks run: processes on this machine (local) or a Ray cluster (ray)")
    run.add_argument("--ray-address", help="the Ray cluster for --engine ray (default: $RAY_ADDRESS, "
                                           "else a Ray started on this machine)")
    run.add_argument("--lang", default="both", choices=["both", "fa", "en"],
                     help="the reports' languages: Persian and English (both), or one")
    run.add_argument("--force", action="store_true",
                     help="grade again even the submissions whose files, rubric and reference are unchanged")
    run.add_argument("--submitted-at-from", type=Path, metavar="CSV",
                     help="the course's list of submission times (columns id, submitted_at: ISO 8601 with a "
                          "timezone), for the rubric's deadline; default: each hand-in folder's .submitted_at, "
                          "written by the course's collection")
    run.add_argument("--moodle-identity", default="idnumber", choices=list(MOODLE_IDENTITIES),
                     help="the roster (students.csv) column moodle.csv identifies students by, as Moodle's import "
                          "maps it: idnumber (default; the id where the roster has no idnumber column), email "
                          "or username")
    run.add_argument("--unsafe-no-sandbox", action="store_true",
                     help="run student code without the sandbox (reports say so); "
                          "also GRADER_UNSAFE_NO_SANDBOX=1")
    run.set_defaults(fn=cmd_run)

    rel = sub.add_parser("release", help="write the student template notebook")
    rel.add_argument("assignment", metavar="ID", help="the assignment whose rubric the template is made from")
    rel.add_argument("--out", metavar="DIR", help="default: release/ID")
    rel.set_defaults(fn=cmd_release)

    ref = sub.add_parser("reference", help="print reference answers computed by reference/")
    ref.add_argument("assignment", metavar="ID", help="the assignment whose reference answers are computed")
    ref.add_argument("question", nargs="?", help="one question's id (default: all)")
    ref.add_argument("--json", action="store_true", help="one line of JSON instead of indented JSON")
    ref.add_argument("--seed", type=int, default=0, help="seed for function-check inputs")
    ref.set_defaults(fn=cmd_reference)

    man = sub.add_parser("manual", help="essay questions: export for a person, import their scores")
    man_sub = man.add_subparsers(dest="manual_cmd", required=True)
    exp = man_sub.add_parser("export", help="write OUT/manual/manual.xlsx and .csv: one row per essay answer")
    exp.add_argument("out_dir", metavar="OUT", help="the output folder of `grader run`")
    exp.add_argument("--force", action="store_true", help="overwrite sheets holding scores not imported yet")
    exp.set_defaults(fn=cmd_manual_export)
    imp = man_sub.add_parser("import", help="merge a filled sheet's scores; rows that cannot apply are named")
    imp.add_argument("out_dir", metavar="OUT", help="the output folder of `grader run`")
    imp.add_argument("sheet", metavar="SHEET", help="the filled .xlsx or .csv")
    imp.add_argument("--by", default="sheet", metavar="NAME", help="who graded the sheet (stamped on each score)")
    imp.set_defaults(fn=cmd_manual_import)

    add_portal_commands(sub)
    add_ci_commands(sub)

    check = sub.add_parser("check", help="students: check a notebook's answers before handing it in (missing, "
                                         "wrong type or shape, raising; never their values)")
    check.add_argument("notebook", metavar="NOTEBOOK", help="the .ipynb to check")
    check.add_argument("--assignment", metavar="ID", help="default: the assignment the template names")
    check.set_defaults(fn=cmd_check)

    rub = sub.add_parser("rubric", help="check or list rubrics").add_subparsers(dest="rubric_cmd", required=True)
    chk = rub.add_parser("check", help="validate a rubric file (file:line for each problem)")
    chk.add_argument("file", help="a rubric .yaml")
    chk.set_defaults(fn=cmd_rubric_check)
    rub.add_parser("list", help="each assignment: automatic, partly automatic or manual questions").set_defaults(
        fn=cmd_rubric_list)
    return p


def fail(exc: Exception, prog: str = "grader") -> int:
    """Say on stderr why a command stopped, in English, and return its exit status: `prog: message`,
    a configuration error's one line per problem (after its headline, if its type has one)."""
    problems = list(exc.problems) if isinstance(exc, ConfigError) else [str(exc)]
    headline = getattr(exc, "headline", None)
    lines = [f"{prog}: {headline}", *problems] if headline else [f"{prog}: {p}" for p in problems]
    print("\n".join(lines), file=sys.stderr)
    return exc.exit_code if isinstance(exc, GraderError) else ConfigError.exit_code


def dispatch(args: argparse.Namespace) -> int:
    """Run the parsed command. The one place an error raised on purpose (`GraderError`) ends a command:
    the command's `on_error` hears of it first (`grader ci` writes the job summary), then `fail`."""
    try:
        return args.fn(args)
    except GraderError as exc:
        if getattr(args, "on_error", None):
            args.on_error(exc)
        return fail(exc, getattr(args, "prog_name", "grader"))


def main(argv: list[str] | None = None) -> int:
    quiet_process()  # before any framework is imported: no start-up noise on the terminal
    args = parser().parse_args(argv)
    try:
        return dispatch(args)
    except KeyboardInterrupt:  # the engine has stopped its workers; what was written stays
        print(f"grader: interrupted; {args.command} stopped (results written before stay)", file=sys.stderr)
        return 130


def entry() -> None:
    """The command: `main`, then an exit without the interpreter's teardown of every module. A run
    leaves about 1,400 modules loaded (WeasyPrint, numpy, the frameworks) whose teardown took 0.7-1.2 s
    of a one-notebook run's 3 s. What an exit must still do is done as the interpreter would do it:
    threads that are not daemons are joined, exit handlers run (temporary folders, multiprocessing's
    helpers, logging), the standard streams are flushed."""
    code = main()
    for thread in threading.enumerate():
        if thread is not threading.main_thread() and not thread.daemon:
            thread.join()
    atexit._run_exitfuncs()
    for stream in (sys.stdout, sys.stderr):
        try:
            stream.flush()
        except (OSError, ValueError):  # a closed pipe: nothing more can be said on it
            pass
    os._exit(code)


if __name__ == "__main__":
    entry()
