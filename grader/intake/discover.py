"""Discover the submissions of a class folder (DESIGN.md, "Submissions")."""
import csv
import hashlib
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
            h.update(f.relative_to(self.path.parent).as_posix().encode() + b"\0")
            h.update(f.read_bytes())
        return h.hexdigest()[:16]


def _roster(root: Path) -> dict[str, dict[str, str]]:
    path = root / ROSTER
    if not path.is_file():
        return {}
    with path.open(encoding="utf-8-sig", newline="") as f:
        return {row["id"].strip(): row for row in csv.DictReader(f) if row.get("id")}


def discover(root: Path) -> list[Submission]:
    """Every submission under `root`, sorted by student id."""
    roster = _roster(root)
    found = []
    for entry in sorted(root.iterdir()):
        if entry.name.startswith((".", "_")) or entry.name == ROSTER:
            continue
        if entry.is_dir() or entry.suffix in (".ipynb", ".zip"):
            sid = entry.name if entry.is_dir() else entry.stem
            names = roster.get(sid, {})
            found.append(Submission(sid, entry, names.get("name_fa") or None, names.get("name_en") or None))
    return found
