"""What a pull request may change to be graded: one student's hand-in, nothing else.

The rules come from the base commit (`grader.apps.ci.rules`), but a pull request that also changes a
rubric, the reference code, grader.yaml, a roster, the workflow or another student's hand-in is
refused as a whole rather than graded with its other changes left out: its job fails, so a course's
CI never shows a green grade beside changed rules, and the summary names every path to take out.

Whose hand-in it is can be told only where the base roster has a `github` column: the pull
request's author (from the event GitHub Actions describes) must be that student's account."""
import csv
import io
import json
import os
from dataclasses import dataclass
from pathlib import Path, PurePosixPath

from grader.apps.ci.changes import Change, CIConfigError, changed_submissions
from grader.apps.ci.summary import _bilingual, _code
from grader.intake import RosterError
from grader.intake.discover import same_student, student_id

SHOWN = 50  # paths named in the summary; a pull request touching thousands would drown it

WHY = {
    "outside": ("بیرون از پوشهٔ تحویل دانشجو", "outside a student's hand-in"),
    "several": ("یکی از چند تحویل در این درخواست ادغام", "one of several hand-ins in this pull request"),
    "not_yours": ("در فهرست دانشجویان شاخهٔ پایه، این تحویل از آنِ حساب GitHub {author} نیست",
                  "the base branch's roster does not give this hand-in to the GitHub account {author}"),
}


@dataclass(frozen=True)
class Refusal:
    """A path the pull request changes that keeps it from being graded, and why (a key of `WHY`)."""

    path: str
    why: str
    author: str = ""


def handin_path(change: Change, submissions: PurePosixPath) -> str:
    return f"{submissions}/{change.assignment}/{change.entry}"


def refusals(paths: list[str], changes: list[Change], submissions: PurePosixPath) -> list[Refusal]:
    """Every changed path outside the hand-ins, and every hand-in where there are several."""
    found = [Refusal(p, "outside") for p in paths if not changed_submissions([p], submissions)]
    if len(changes) > 1:
        found += [Refusal(handin_path(c, submissions), "several") for c in changes]
    return found


def pr_author() -> str | None:
    """The GitHub login that opened the pull request, from `$GITHUB_EVENT_PATH`; None outside a
    pull-request event."""
    path = os.environ.get("GITHUB_EVENT_PATH")
    if not path:
        return None
    try:
        event = json.loads(Path(path).read_text(encoding="utf-8"))
    except (OSError, ValueError) as exc:
        raise CIConfigError(f"cannot read the GitHub event {path}: {exc}") from None
    pull = event.get("pull_request") if isinstance(event, dict) else None
    login = ((pull or {}).get("user") or {}).get("login")
    return login if isinstance(login, str) and login else None


def _accounts(roster: bytes) -> dict[str, str] | None:
    """Student id (as `same_student` keys it) → GitHub login, from the roster's `github` column; None
    where it has none."""
    try:
        reader = csv.DictReader(io.StringIO(roster.decode("utf-8-sig"), newline=""))
        if "github" not in (reader.fieldnames or []):
            return None
        return {same_student(row["id"].strip()): (row["github"] or "").strip().removeprefix("@")
                for row in reader if row.get("id")}
    except (UnicodeDecodeError, csv.Error) as exc:
        raise RosterError(f"the base branch's roster cannot be read: {exc}") from None


def not_yours(change: Change, roster: bytes | None, author: str | None,
              submissions: PurePosixPath) -> list[Refusal]:
    """The hand-in, if the base roster gives its student id to another GitHub account than the author's."""
    accounts = _accounts(roster) if roster is not None else None
    if accounts is None:
        return []
    if author is None:
        raise CIConfigError("the base branch's roster names each student's GitHub account (column github), but "
                            "no pull request event says who opened this one ($GITHUB_EVENT_PATH)")
    entry = PurePosixPath(change.entry)
    sid = student_id(entry.stem if entry.suffix in (".ipynb", ".zip") else change.entry)
    if accounts.get(same_student(sid), "").casefold() == author.casefold():  # GitHub logins ignore case
        return []
    return [Refusal(handin_path(change, submissions), "not_yours", author)]


def _items(found: list[Refusal], lang: int) -> list[str]:
    lines = [f"- {_code(r.path)}: {WHY[r.why][lang].format(author=_code(r.author))}" for r in found[:SHOWN]]
    if len(found) > SHOWN:
        more = len(found) - SHOWN
        lines.append(f"- … و {more} مسیر دیگر" if lang == 0 else f"- … and {more} more")
    return lines


def report(found: list[Refusal], base: str, submissions: PurePosixPath) -> str:
    """The job summary of a refused pull request, naming each path that keeps it from being graded."""
    where = _code(f"{submissions}/<assignment>/<student_id>/")
    return _bilingual(
        ["### ⛔ تصحیح انجام نشد: درخواست ادغام فقط می‌تواند تحویل خود دانشجو را تغییر دهد", "",
         f"درخواست ادغامِ یک تحویل فقط فایل‌های پوشهٔ خود دانشجو ({where}) را اضافه یا تغییر می‌دهد. "
         f"قواعد تصحیح (روبریک، کد مرجع، grader.yaml، فهرست دانشجویان) همیشه از شاخهٔ پایه ({_code(base)}) "
         "خوانده می‌شوند. این تغییرها را از درخواست ادغام بیرون ببرید تا تحویل تصحیح شود:", "",
         *_items(found, 0)],
        ["### ⛔ Not graded: a pull request may change only its own student's hand-in", "",
         f"A submission's pull request may only add or change files in the student's own folder ({where}); the "
         f"grading rules (rubric, reference code, grader.yaml, roster) always come from the base branch "
         f"({_code(base)}). Take these changes out of the pull request to have the hand-in graded:", "",
         *_items(found, 1)])
