"""Discover the submissions of a class folder (DESIGN.md, "Submissions")."""
import csv
import hashlib
import os
from dataclasses import dataclass
from pathlib import Path

ROSTER = "students.csv"


@dataclass(frozen=True)
class Submission:
    """One student's hand-in: a folder, a lone `.ipynb`, or an LMS `.zip`."""

    student_id: str
    path: Path
    name_fa: str | None = None
    name_en: str | None = None

    def digest(self) -> str:
        """Hash of every file the student handed in, to skip unchanged work on a re-run."""
        h = hashlib.sha256()
        files = sorted(p for p in self.path.rglob("*") if p.is_file()) if self.path.is_dir() else [self.path]
        for f in files:
            h.update(os.fsencode(f.relative_to(self.path.parent)) + b"\0")
            h.update(f.read_bytes())
        return h.hexdigest()[:16]


class RosterError(ValueError):
    """`students.csv` cannot be read: a configuration error, reported before any grading."""


def student_id(name: str) -> str:
    """A folder or file name as an id that survives JSON and file names (bad bytes become U+FFFD)."""
    return name.encode("utf-8", "surrogateescape").decode("utf-8", "replace")


def _roster(root: Path) -> dict[str, dict[str, str]]:
    path = root / ROSTER
    if not path.is_file():
        return {}
    try:
        with path.open(encoding="utf-8-sig", newline="") as f:
            reader = csv.DictReader(f)
            if not reader.fieldnames or "id" not in reader.fieldnames:
                raise RosterError(f"{path}: the first row must name the columns id, name_fa, name_en, email")
            return {row["id"].strip(): row for row in reader if row.get("id")}
    except (UnicodeDecodeError, csv.Error) as exc:
        raise RosterError(f"{path}: cannot read: {exc}") from None


def discover(root: Path) -> list[Submission]:
    """Every submission under `root`, sorted by student id."""
    roster = _roster(root)
    found = []
    for entry in sorted(root.iterdir()):
        if entry.name.startswith((".", "_")) or entry.name == ROSTER:
            continue
        if entry.is_dir() or entry.suffix in (".ipynb", ".zip"):
            sid = student_id(entry.name if entry.is_dir() else entry.stem)
            names = roster.get(sid, {})
            found.append(Submission(sid, entry, names.get("name_fa") or None, names.get("name_en") or None))
    return found
