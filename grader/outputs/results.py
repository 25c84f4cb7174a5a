"""The results folder: one JSON per student (`OUT/results/<id>.json`, written atomically), read
back here and nowhere else, and the class's `grades.csv`."""
import csv
import io
import json
from pathlib import Path

from grader.core import atomic
from grader.core.result import StudentResult
from grader.untrusted import csv_text

FOLDER = "results"


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


def write_grades_csv(path: Path, results: list[StudentResult], question_ids: list[str]) -> None:
    """One row per student: id, name, one column per question, total; text fields
    neutralised against formulas (`csv_text`), points as plain numbers."""
    buffer = io.StringIO(newline="")
    out = csv.writer(buffer)
    out.writerow([csv_text(c) for c in ["id", "name", *question_ids, "total", "max_total", "manual_pending"]])
    for r in sorted(results, key=lambda r: r.student_id):
        points = {q.id: q.points for q in r.questions}
        out.writerow([csv_text(r.student_id), csv_text(r.student.name),
                      *[f"{points.get(q, 0):g}" for q in question_ids],
                      f"{r.total:g}", f"{r.max_total:g}", f"{r.pending_points:g}"])
    atomic.write_text(path, buffer.getvalue(), mode=atomic.plain_mode())  # as open() made it before
