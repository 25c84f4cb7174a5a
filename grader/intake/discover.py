"""Discover the submissions of a class folder.

Names are student-controlled: ids and roster names are cleaned of control and bidi formatting
characters here, once (`grader.untrusted.identifier`), so every report, export and log line gets
the cleaned form. Two ids are the same student when they differ only in case or Unicode
normalisation, as they would name the same result file on macOS or Windows.

Two hand-ins for one id (`alice/` and `alice.ipynb`, say) are the student's problem, not the
class's: neither is graded, the student's result says why in Persian and English (like every other
problem with a hand-in, see `open_submission`), a line on stderr names the files, and the rest of the
class is graded. Two roster rows for one id are the teaching assistant's: the roster is configuration,
so it stops the run before anyone is graded (`RosterError`, exit 2), naming both rows.
"""
import csv
import sys
import unicodedata
from dataclasses import dataclass
from pathlib import Path

from grader.core.classlist import Enrolled
from grader.core.errors import ConfigError
from grader.intake import files
from grader.untrusted import identifier

ROSTER = "students.csv"


@dataclass(frozen=True)
class Submission:
    """One student's hand-in: a folder, a lone `.ipynb`, or an LMS `.zip`."""

    student_id: str
    path: Path
    name_fa: str | None = None
    name_en: str | None = None
    clashes: tuple[Path, ...] = ()  # every hand-in claiming this id, when there is more than one

    def digest(self) -> str:
        """Hash of every file the student handed in, to skip unchanged work on a re-run (removing
        one of two clashing hand-ins changes it). Links are hashed as what they say, never followed."""
        return files.digest(self.clashes or (self.path,))


class RosterError(ConfigError, ValueError):
    """`students.csv` cannot be read: a configuration error, reported before any grading."""


def student_id(name: str) -> str:
    """A folder or file name as an id that survives JSON, file names and terminals (bad bytes become
    U+FFFD; control and bidi formatting characters go)."""
    return identifier(name.encode("utf-8", "surrogateescape").decode("utf-8", "replace"))


def same_student(sid: str) -> str:
    """The key under which two ids are one student."""
    return unicodedata.normalize("NFC", sid).casefold()


def shown(entry: Path) -> str:
    """A hand-in's name for messages: cleaned, and a folder marked with a slash."""
    return student_id(entry.name) + ("/" if entry.is_dir() else "")


def _entry(row: dict[str, str]) -> Enrolled:
    def cell(column: str) -> str:
        return row.get(column, "").strip()
    return Enrolled(cell("id"), cell("name_fa"), cell("name_en"), cell("email"), cell("idnumber"), cell("username"))


def read_roster(root: Path) -> dict[str, Enrolled] | None:
    """The class's roster (`students.csv`), cleaned, by `same_student` key; None when there is none.

    Every cell is cleaned like an id (`identifier`); extra columns are ignored, missing ones are empty."""
    path = root / ROSTER
    if not path.is_file():
        return None
    try:
        with path.open(encoding="utf-8-sig", newline="") as f:
            reader = csv.DictReader(f)
            if not reader.fieldnames or "id" not in reader.fieldnames:
                raise RosterError(f"{path}: the first row must name the columns id, name_fa, name_en, email")
            rows: dict[str, Enrolled] = {}
            lines: dict[str, int] = {}
            for row in reader:
                entry = _entry({k: identifier(v) for k, v in row.items() if isinstance(k, str) and isinstance(v, str)})
                if not entry.id:
                    continue
                key = same_student(entry.id)
                if key in lines:
                    raise RosterError(f"{path}: lines {lines[key]} and {reader.line_num} are both for student id "
                                      f"{entry.id!r}; keep one row per student")
                lines[key] = reader.line_num
                rows[key] = entry
            return rows
    except (UnicodeDecodeError, csv.Error) as exc:
        raise RosterError(f"{path}: cannot read: {exc}") from None


def discover(root: Path) -> list[Submission]:
    """Every submission under `root`, sorted by student id; one per id (see the module's docstring)."""
    roster = read_roster(root) or {}
    claims: dict[str, list[tuple[str, Path]]] = {}
    for entry in sorted(root.iterdir()):
        name = student_id(entry.name)
        if name.startswith((".", "_")) or name == ROSTER:
            continue
        if entry.is_dir() or entry.suffix in (".ipynb", ".zip"):
            sid = name if entry.is_dir() else student_id(entry.stem)
            if not sid:
                print(f"grader: {entry.name!r} gives no student id once its control characters are removed; "
                      "not graded", file=sys.stderr)
                continue
            claims.setdefault(same_student(sid), []).append((sid, entry))
    found = []
    for (sid, entry), *others in claims.values():
        enrolled = roster.get(same_student(sid))
        clashes = (entry, *(e for _, e in others)) if others else ()
        if clashes:
            listed = ", ".join(repr(shown(e)) for e in clashes)
            print(f"grader: student id {sid!r} has {len(clashes)} hand-ins ({listed}); none is graded: keep one "
                  "and run again", file=sys.stderr)
        fa, en = (enrolled.name_fa, enrolled.name_en) if enrolled else ("", "")
        found.append(Submission(sid, entry, fa or None, en or None, clashes))
    return sorted(found, key=lambda s: s.student_id)
