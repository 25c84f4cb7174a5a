"""``moodle.csv``: the class totals in the shape Moodle's CSV grade import reads
(Grades > Import > CSV file; UTF-8, comma separated, one header row).

Moodle matches each row to a user by one identifier column chosen on its import page
("Map from" / "Map to"). The results hold the roster's names but not its e-mail
addresses, so the file is keyed by the student id under ``ID number`` — map it to the
user's "ID number" profile field, which must hold the same student numbers. Should the
results ever carry ``student.email`` for every student, the file is keyed by
``Email address`` instead (Moodle compares e-mail addresses case-sensitively).
"""

from __future__ import annotations

import csv
import io
from pathlib import Path

from grader.core import atomic
from grader.core.result import StudentResult
from grader.untrusted import csv_text


def moodle_number(x: float) -> str:
    """A grade as Moodle reads it: '.' decimals, no exponent, at most 5 decimals (its precision)."""
    text = f"{float(x):.5f}".rstrip("0").rstrip(".")
    return "0" if text == "-0" else text


def _identifier(results: list[StudentResult]) -> tuple[str, list[str]]:
    emails = [r.student.email.strip() for r in results]
    if results and all(emails):
        return "Email address", emails
    return "ID number", [r.student_id for r in results]


def write_moodle_csv(path: Path, results: list[StudentResult], assignment: str) -> None:
    """One row per student, sorted by id: identifier, then ``<assignment> total``. Points still
    awaiting manual grading are not in the total yet: import again after ``manual import``.
    Text fields are neutralised against formulas (`csv_text`)."""
    ordered = sorted(results, key=lambda r: r.student_id)
    column, keys = _identifier(ordered)
    buffer = io.StringIO(newline="")
    out = csv.writer(buffer, lineterminator="\n")
    out.writerow([csv_text(column), csv_text(f"{assignment} total")])
    for key, r in zip(keys, ordered):
        out.writerow([csv_text(key), moodle_number(r.total)])
    atomic.write_text(path, buffer.getvalue(), mode=atomic.plain_mode())  # UTF-8 without BOM
