"""The class as the portal sees it: built from OUT/results/*.json, and built again whenever a file
there (or a report beside it) is written, added or removed, so a `grader manual import` or a re-run
shows at the next request.

Every file the portal can send is named here, so a request only ever picks an entry by key and
never becomes part of a filesystem path.
"""
from __future__ import annotations

import os
import re
import sys
import threading
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


Fingerprint = tuple[tuple[str, str, int, int, int], ...]


def fingerprint(out: Path) -> Fingerprint:
    """Name, inode, size and modification time of every entry of OUT and OUT/results: an atomic
    rewrite, a new file and a vanished one all change it. A few dozen stat calls, cheap per request."""
    seen = []
    for folder in (out, out / "results"):
        try:
            with os.scandir(folder) as entries:
                for entry in entries:
                    st = entry.stat(follow_symlinks=False)
                    seen.append((folder.name, entry.name, st.st_ino, st.st_size, st.st_mtime_ns))
        except FileNotFoundError:
            continue
    return tuple(sorted(seen))


class LiveIndex:
    """The ClassIndex of OUT as it is on disk now: rebuilt when the fingerprint changed since the
    last build (taken before building, so a write during a build is seen at the next request)."""

    def __init__(self, out: Path) -> None:
        self.out = out.resolve()
        self._lock = threading.Lock()
        self._seen = fingerprint(self.out)
        self._index = ClassIndex.build(self.out)

    def current(self) -> ClassIndex:
        now = fingerprint(self.out)
        with self._lock:
            if now != self._seen:
                self._index, self._seen = ClassIndex.build(self.out), now
            return self._index
