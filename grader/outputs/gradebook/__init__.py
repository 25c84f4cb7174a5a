"""Class gradebook exports next to grades.csv: a spreadsheet for the teaching assistants
(grades.xlsx) and a CSV for Moodle's grade import (moodle.csv)."""

from __future__ import annotations

from pathlib import Path

from grader.core.classlist import Gradebook

from .moodle import moodle_rows, write_moodle_csv
from .xlsx import write_xlsx

__all__ = ["moodle_rows", "write_gradebook", "write_moodle_csv", "write_xlsx"]


def write_gradebook(out_dir: Path, book: Gradebook) -> None:
    """Write ``out_dir/grades.xlsx`` and ``out_dir/moodle.csv`` for every student of the class."""
    out_dir = Path(out_dir)
    write_xlsx(out_dir / "grades.xlsx", book)
    write_moodle_csv(out_dir / "moodle.csv", book)
