"""``moodle.csv``: the class's grades in the shape Moodle's CSV grade import reads (Grades >
Import > CSV file; UTF-8, comma separated, one header row): an identifier, the total and a short
bilingual feedback per student.

Moodle matches each row to a user by the one column chosen on its import page ("Map from" /
"Map to"): `grader run --moodle-identity` picks which roster column that is (`MOODLE_IDENTITIES`:
the ID number, default, else the student id; the e-mail address; the username). A row whose user
Moodle cannot find aborts the whole import, so only roster students with that identifier are
written: a submission not on the roster, or a student whose roster cell is empty, is left out (the
class summary and the terminal name them). A student with no submission gets 0. While points of
a student's essays wait for a person the grade is "-", which Moodle imports as no grade, and the
feedback says what is pending; `manual import` writes the file again once they are graded.
"""

from __future__ import annotations

import csv
import io
from pathlib import Path

from grader.core import atomic
from grader.core.classlist import MOODLE_IDENTITIES, Gradebook, GradebookRow
from grader.core.text import Text, persian_digits
from grader.untrusted import csv_text

NO_GRADE = "-"  # Moodle's import: no grade (as an empty cell)
NO_SUBMISSION = Text("تحویلی دریافت نشد: صفر نمره.", "No submission: 0 points.")


def moodle_number(x: float) -> str:
    """A grade as Moodle reads it: '.' decimals, no exponent, at most 5 decimals (its precision)."""
    text = f"{float(x):.5f}".rstrip("0").rstrip(".")
    return "0" if text == "-0" else text


def feedback(row: GradebookRow, question_ids: list[str]) -> Text:
    """Points per question in both languages, a pending question said to be pending."""
    if row.result is None:
        return NO_SUBMISSION
    fa, en = [], []
    for qid in question_ids:
        question = row.result.question(qid)
        if question is None:
            continue
        if question.pending_points:
            pending = moodle_number(question.pending_points)
            fa.append(f"{qid}: در انتظار تصحیح ({persian_digits(pending)} نمره)")
            en.append(f"{qid}: pending ({pending} points)")
        else:
            got, top = moodle_number(question.points), moodle_number(question.max_points)
            fa.append(f"{qid}: {persian_digits(got)} از {persian_digits(top)}")
            en.append(f"{qid}: {got}/{top}")
    return Text("، ".join(fa), ", ".join(en))


def moodle_rows(book: Gradebook) -> list[tuple[str, GradebookRow]]:
    """The rows Moodle can match, with their identifier: roster students whose identifier is not empty."""
    keyed = [(row.enrolled.identity(book.moodle_identity) if row.enrolled else "", row) for row in book.rows]
    return [(key, row) for key, row in keyed if key]


def write_moodle_csv(path: Path, book: Gradebook) -> None:
    """Identifier, ``<assignment> total`` and ``<assignment> feedback`` (Persian, a line break,
    English), a row per student Moodle can match (`moodle_rows`). Text fields are neutralised
    against formulas (`csv_text`)."""
    buffer = io.StringIO(newline="")
    out = csv.writer(buffer, lineterminator="\n")
    out.writerow([csv_text(MOODLE_IDENTITIES[book.moodle_identity]), csv_text(f"{book.assignment} total"),
                  csv_text(f"{book.assignment} feedback")])
    for key, row in moodle_rows(book):
        text = feedback(row, book.question_ids)
        grade = NO_GRADE if row.pending_points else moodle_number(row.total)
        out.writerow([csv_text(key), grade, csv_text(f"{text.fa}\n{text.en}")])
    atomic.write_text(path, buffer.getvalue(), mode=atomic.plain_mode())  # UTF-8 without BOM
