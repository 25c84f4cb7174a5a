"""`grader check`: a student checks their notebook before they hand it in.

It says which answers are missing, are of the wrong type or shape, or raise, in Persian and English,
and never what an answer should be: the forms it compares with (a number, an array of some shape, a
dict with some keys) are taken from the reference answers when the check runs, and no reference value
is printed or stored. It runs on the student's own machine, on their own code, so it needs no
sandbox: the notebook runs in an ordinary kernel. The same check runs in `grader ci` before grading,
and in the first cell of the released template (`check_here`), on the running kernel's answers.

Forms are checked for number, array and function answers; for other automatic answers (tables, for
example), only that they exist and can be read. Saved models, experiments and essays are left to
grading."""
import argparse
import copy
import sys
import traceback
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import nbformat

from grader.checks.base import Check, ValueCheck
from grader.checks.evidence import CELL_ERRORS
from grader.checks.function import FunctionCheck
from grader.core.settings import Course
from grader.checks.values import Unreadable, as_array, as_mapping
from grader.engine.plan import GradingPlan
from grader.kernel.probe import Reply, Request
from grader.rubric import Question

FORMS = ("numeric", "array", "function")  # answer kinds whose type and shape are compared


@dataclass(frozen=True)
class Finding:
    """One answer that would lose points for its form, not its value."""

    question: str
    name: str
    problem: str  # missing | raised | type | shape | keys | unreadable
    fa: str
    en: str


def _describe(value: Any) -> tuple[str, str]:
    """What a value is, in words, never what it holds."""
    if isinstance(value, bool):
        return "یک مقدار درست/نادرست (bool)", "a bool"
    if isinstance(value, dict):
        return "یک دیکشنری", "a dict"
    if isinstance(value, str):
        return "یک رشته (str)", "a str"
    try:
        arr = as_array(value)
    except Unreadable:
        name = type(value).__name__
        return f"از نوع {name}", f"a {name}"
    if arr.ndim == 0:
        return "یک عدد", "a number"
    return f"آرایه‌ای با شکل {arr.shape}", f"an array of shape {arr.shape}"


def _mismatch(found: Any, expected: Any) -> tuple[str, str, str] | None:
    """(problem, fa, en) where `found` cannot be of the form of `expected`; the words name types,
    shapes and keys only."""
    if isinstance(expected, dict):
        keys = list(expected)
        try:
            parts = as_mapping(found, keys)
        except Unreadable:
            fa, en = _describe(found)
            return ("type", f"{fa} است؛ یک دیکشنری با کلیدهای {'، '.join(keys)} خواسته شده است.",
                    f"is {en}; a dict with the keys {', '.join(keys)} is asked for.")
        missing = [k for k in keys if k not in parts]
        if missing:
            return ("keys", f"این کلیدها را ندارد: {'، '.join(missing)}.", f"lacks the keys {', '.join(missing)}.")
        for key in keys:
            inner = _mismatch(parts[key], expected[key])
            if inner:
                return inner[0], f"[{key}] {inner[1]}", f"[{key}] {inner[2]}"
        return None
    try:
        want = as_array(expected)
    except Unreadable:
        return None  # not numbers: its form is left to grading
    try:
        got = as_array(found)
    except Unreadable:
        fa, en = _describe(found)
        if want.ndim == 0:
            return "type", f"{fa} است؛ یک عدد خواسته شده است.", f"is {en}; a number is asked for."
        return ("type", f"{fa} است؛ آرایه‌ای از عددها با شکل {want.shape} خواسته شده است.",
                f"is {en}; an array of numbers of shape {want.shape} is asked for.")
    if want.ndim == 0:
        if got.size != 1:
            return ("shape", f"آرایه‌ای با شکل {got.shape} است؛ یک عدد خواسته شده است.",
                    f"is an array of shape {got.shape}; one number is asked for.")
        return None
    if got.shape != want.shape and (got.size != want.size or got.squeeze().shape != want.squeeze().shape):
        return ("shape", f"شکل آن {got.shape} است؛ شکل {want.shape} خواسته شده است.",
                f"has shape {got.shape}; shape {want.shape} is asked for.")
    return None


def _last_line(error: str | None) -> str:
    """The exception line of a traceback (the student's own; `execute` already took out terminal colours)."""
    lines = [ln.strip() for ln in (error or "").splitlines() if ln.strip()]
    return lines[-1][:300] if lines else ""


def _from_reply(name: str, reply: Reply | None, cell_error: str | None) -> tuple[str, str, str] | None:
    """Missing, or could not be read or called; None when a value came back."""
    if reply is not None and reply.status == "ok":
        return None
    if reply is None or reply.status == "missing":
        if cell_error:
            line = _last_line(cell_error)
            return ("raised", f"سلولی که آن را می‌سازد خطا داد: {line}", f"the cell that builds it raised {line}")
        return "missing", "تعریف نشده است (یا None است).", "is not defined (or is None)."
    if reply.reason == "raised":
        line = _last_line(reply.error)
        return "raised", f"خواندن یا فراخوانی آن خطا داد: {line}", f"raised {line}"
    if reply.reason == "timeout":
        return "raised", "از زمان مجاز بیشتر طول کشید.", "ran past its time limit."
    return "unreadable", "خوانده نشد.", f"could not be read ({reply.reason})."


def checked(checks: list[tuple[Question, list[Check]]]) -> list[Check]:
    """The checks `grader check` looks at: every answer the notebook defines, except saved models and
    experiments (what grading evaluates at length) and essays."""
    return [c for _, cs in checks for c in cs if isinstance(c, (ValueCheck, FunctionCheck))]


def requests(checks: list[Check]) -> list[Request]:
    return [r for c in checks for r in c.requests()]


def findings(checks: list[Check], replies: dict[str, Reply], cell_errors: dict[str, str]) -> list[Finding]:
    """What is wrong with each answer's form, from what the kernel returned for `requests(checks)`."""
    out = []
    for c in checks:
        name, qid = c.answer.name, c.question.id
        if isinstance(c, FunctionCheck):
            got = [replies.get(f"{name}#{i}") for i in range(len(c.trials))]
            bad = [r for r in got if r is None or r.status != "ok"]
            if bad:
                problem = _from_reply(name, bad[0], cell_errors.get(qid))
            else:
                problem = None if c.only_length_differs(got[0].value, c.trials[0][1]) else \
                    _mismatch(got[0].value, c.trials[0][1])
                problem = problem and (problem[0], f"خروجی آن {problem[1]}", f"its result {problem[2]}")
        else:
            reply = replies.get(name)
            problem = _from_reply(name, reply, cell_errors.get(qid))
            if problem is None and c.kind in FORMS:
                problem = _mismatch(reply.value, c.expected)
        if problem:
            out.append(Finding(qid, name, problem[0], f"{qid} · {name}: {problem[1]}", f"{qid} · {name}: {problem[2]}"))
    return out


def report(found: list[Finding], total: int) -> str:
    """The lines a student reads: Persian first, then English."""
    if not found:
        return (f"همهٔ {total} پاسخ بررسی‌شده تعریف شده‌اند و نوع و شکل درستی دارند (درستی مقدارها را تصحیح می‌گوید).\n"
                f"All {total} answers checked are defined and of the right type and shape (grading tells whether "
                "their values are right).")
    return "\n".join([f"{len(found)} پاسخ از {total} پاسخ بررسی‌شده ایراد دارد:", *(f"- {f.fa}" for f in found), "",
                      f"{len(found)} of {total} answers checked have a problem:", *(f"- {f.en}" for f in found)])


def check_notebook(nb: nbformat.NotebookNode, workdir: Path, plan: GradingPlan, *,
                   use_sandbox: bool) -> tuple[list[Finding], int]:
    """Run `nb` (without its check cell) in a kernel of `plan`'s rubric on a copy of `workdir`, and
    check its answers: the findings, and how many answers were checked."""
    from grader.engine.evidence import evidence_from
    from grader.engine.worker import kernel_setup
    from grader.kernel.execute import execute

    checks = checked(plan.checks)
    nb = copy.deepcopy(nb)
    nb.cells = [c for c in nb.cells if not (c.get("metadata", {}).get("grader") or {}).get("selfcheck")]
    setup = kernel_setup(plan, {}, use_sandbox)
    limits = plan.rubric.limits
    execution = execute(nb, workdir, requests(checks), limits=limits, use_sandbox=use_sandbox, env=setup.env,
                        gpu=setup.runtime.gpu, kernel=plan.rubric.kernel, ro_binds=setup.ro_binds)
    evidence = evidence_from(execution, nb, limits.cell_timeout_s, {CELL_ERRORS.name})
    return findings(checks, execution.replies, evidence[CELL_ERRORS]), len(checks)


def check_file(notebook: Path, assignment: str, course: Course | None = None) -> tuple[list[Finding], int]:
    """`grader check`: `notebook` runs in an ordinary kernel, without the sandbox, since it is the
    student's own code on their own machine."""
    from grader.rubric import find_rubric

    course = course or Course.load()
    plan = GradingPlan.build(find_rubric(assignment, course), course=course)
    return check_notebook(nbformat.read(notebook, as_version=4), notebook.resolve().parent, plan, use_sandbox=False)


def _local_reply(namespace: dict[str, Any], request: Request) -> Reply:
    """What the probe would return for `request`, from the running kernel's own variables."""
    value = namespace.get(request.name)
    if value is None:
        return Reply("missing")
    if request.kind != "call":
        return Reply("ok", value)
    try:
        return Reply("ok", value(**request.args))
    except Exception:  # noqa: BLE001 - the student's function raising is what is reported
        return Reply("error", reason="raised", error=traceback.format_exc())


def check_here(assignment: str) -> None:
    """The template's first cell: check the answers this kernel holds now. Run first (nothing defined
    yet, as when the notebook is graded) it only says to run it again at the end, and never raises."""
    from IPython import get_ipython

    from grader.rubric import RubricError, find_rubric
    from grader.checks import load_rubric

    namespace = get_ipython().user_ns
    try:
        rubric_path = find_rubric(assignment)
        names = {a.name for q in load_rubric(rubric_path, references=False).questions for a in q.answers if a.name}
    except RubricError as exc:
        print(f"grader check: {exc}")
        return
    if not any(namespace.get(n) is not None for n in names):
        print("پاسخی هنوز تعریف نشده است: پس از اجرای همهٔ سلول‌ها این سلول را دوباره اجرا کنید.\n"
              "No answer is defined yet: run this cell again after running all the others.")
        return
    checks = checked(GradingPlan.build(rubric_path).checks)
    replies = {r.key: _local_reply(namespace, r) for r in requests(checks)}
    print(report(findings(checks, replies, {}), len(checks)))


def assignment_of(notebook: Path) -> str | None:
    """The assignment a released template names in its metadata."""
    try:
        return (nbformat.read(notebook, as_version=4).metadata.get("grader") or {}).get("assignment")
    except (OSError, ValueError):
        return None


def cmd_check(args: argparse.Namespace) -> int:
    """Exit 0 when every answer checked is in form, 1 when one is not, 2 when nothing could be checked."""
    notebook = Path(args.notebook)
    if not notebook.is_file():
        print(f"grader check: {notebook} is not a file", file=sys.stderr)
        return 2
    assignment = args.assignment or assignment_of(notebook)
    if not assignment:
        print(f"grader check: {notebook} does not say which assignment it is: pass --assignment ID", file=sys.stderr)
        return 2
    found, total = check_file(notebook, assignment, Course.load(getattr(args, "course", None)))
    print(report(found, total))
    return 1 if found else 0

