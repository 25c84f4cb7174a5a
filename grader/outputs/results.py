"""The results folder: one JSON per student (`OUT/results/<id>.json`, written atomically), read
back here and nowhere else; the class record (`OUT/class.json`, outside the results folder so no
student id can name it: the roster and the Moodle identity a later `manual import` needs); and the
class's `grades.csv`."""
import csv
import io
import json
from pathlib import Path

from grader.core import atomic
from grader.core.classlist import PENDING_CELL, ClassRecord, Gradebook
from grader.core.result import StudentResult
from grader.untrusted import csv_text

FOLDER = "results"
CLASS_RECORD = "class.json"


def result_path(out: Path, student_id: str) -> Path:
    return out / FOLDER / f"{student_id}.json"


def write_result(out: Path, result: StudentResult) -> None:
    atomic.write_json(result_path(out, result.student_id), result.to_json())


def read_result(path: Path) -> StudentResult | None:
    """A result file of this or an earlier version; None if it is absent or not a result."""
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    return StudentResult.from_json(data) if isinstance(data, dict) and data.get("student_id") else None


def read_results(out: Path) -> dict[str, StudentResult]:
    """Every readable result in `out`, by student id."""
    found = {}
    for path in sorted((out / FOLDER).glob("*.json")):
        result = read_result(path)
        if result is not None:
            found[result.student_id] = result
    return found


def write_class_record(out: Path, record: ClassRecord) -> None:
    atomic.write_json(out / CLASS_RECORD, record.to_json())


def read_class_record(out: Path) -> ClassRecord:
    """The record of the last run into `out`; an empty one (no roster) if there is none."""
    try:
        return ClassRecord.from_json(json.loads((out / CLASS_RECORD).read_text(encoding="utf-8")))
    except (OSError, ValueError):
        return ClassRecord()


def write_grades_csv(path: Path, book: Gradebook) -> None:
    """One row per student of the class (`Gradebook`): id, name, one column per question (`pending`
    while some of its points wait for a person), the points given so far, the maximum, the points
    pending and the standing. Text fields neutralised against formulas (`csv_text`), points as plain numbers."""
    buffer = io.StringIO(newline="")
    out = csv.writer(buffer)
    out.writerow([csv_text(c) for c in ["id", "name", *book.question_ids, "total", "max_total", "manual_pending",
                                        "status"]])
    for row in book.rows:
        cells = [row.points(q) for q in book.question_ids]
        out.writerow([csv_text(row.student.id), csv_text(row.student.name),
                      *[PENDING_CELL if p is None else f"{p:g}" for p in cells],
                      f"{row.total:g}", f"{book.max_total:g}", f"{row.pending_points:g}", row.standing.value])
    atomic.write_text(path, buffer.getvalue(), mode=atomic.plain_mode())  # as open() made it before
