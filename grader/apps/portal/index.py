"""The class as the portal sees it: built once at start-up from OUT/results/*.json.

Every file the portal can send is named here, so a request only ever picks an entry by key and
never becomes part of a filesystem path.
"""
from __future__ import annotations

import re
import sys
from dataclasses import dataclass
from pathlib import Path

from grader.core.text import Text
from grader.outputs.results import read_result

MAX_ID_LEN = 64
_TO_ASCII = str.maketrans("۰۱۲۳۴۵۶۷۸۹٠١٢٣٤٥٦٧٨٩", "01234567890123456789")
_SAFE_ID = re.compile(r"\w[\w.-]*")


@dataclass(frozen=True)
class Student:
    student_id: str
    name_fa: str
    name_en: str
    total: float
    max_total: float
    errors: int
    manual_pending: float
    pdf: Path | None


@dataclass(frozen=True)
class ClassIndex:
    students: dict[str, Student]
    title: Text
    course: Text
    summary_pdf: Path | None
    grades_csv: Path | None

    @classmethod
    def build(cls, out: Path) -> ClassIndex:
        out = out.resolve()
        students: dict[str, Student] = {}
        title, course = Text(), Text()
        for path in sorted((out / "results").glob("*.json")):
            result = read_result(path)
            sid = result.student_id if result is not None else None
            if result is None or sid != path.stem or not is_safe_id(sid):
                print(f"grader serve: skipping {path}: not a result for student {path.stem!r}", file=sys.stderr)
                continue
            title = result.assignment_title or title
            course = result.course or course
            students[sid] = Student(sid, result.student.name_fa, result.student.name_en, result.total,
                                    result.max_total, len(result.errors), result.pending_points,
                                    _file_in(out, f"{sid}.pdf"))
        return cls(students, title, course, _file_in(out, "summary.pdf"), _file_in(out, "grades.csv"))

    def find(self, student_id: str) -> Student | None:
        """The student with this (normalized) id; anything odd is simply not found."""
        return self.students.get(normalize_id(student_id))


def normalize_id(student_id: str) -> str:
    """Trim and map Persian digits, so '۹۹۱۲۳' finds '99123'; overlong input maps to nothing."""
    text = student_id.strip().translate(_TO_ASCII)
    return text if len(text) <= MAX_ID_LEN else ""


def is_safe_id(sid: object) -> bool:
    return isinstance(sid, str) and len(sid) <= MAX_ID_LEN and bool(_SAFE_ID.fullmatch(sid))


def _file_in(out: Path, name: str) -> Path | None:
    """A regular file directly inside OUT (no symlink out of it), or None."""
    path = out / name
    return path if path.is_file() and not path.is_symlink() and path.resolve().parent == out else None
