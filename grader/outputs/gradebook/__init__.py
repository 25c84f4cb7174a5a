"""Class gradebook exports next to grades.csv: a spreadsheet for the teaching assistants
(grades.xlsx) and a CSV for Moodle's grade import (moodle.csv)."""

from __future__ import annotations

from pathlib import Path

from grader.core.result import StudentResult

from .moodle import write_moodle_csv
from .xlsx import write_xlsx

__all__ = ["write_gradebook", "write_moodle_csv", "write_xlsx"]


def write_gradebook(out_dir: Path, results: list[StudentResult], question_ids: list[str], assignment: str) -> None:
    """Write ``out_dir/grades.xlsx`` and ``out_dir/moodle.csv`` from the class's results."""
    out_dir = Path(out_dir)
    write_xlsx(out_dir / "grades.xlsx", results, question_ids)
    write_moodle_csv(out_dir / "moodle.csv", results, assignment)
