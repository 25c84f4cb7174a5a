"""Result files: one JSON per student (written atomically) and the class gradebook."""
import csv
import json
import os
import tempfile
from pathlib import Path
from typing import Any

from grader.untrusted import csv_text


def write_json(path: Path, data: Any) -> None:
    """Write via a temporary file and rename, so a killed run never leaves half a result."""
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    with os.fdopen(fd, "w", encoding="utf-8") as f:
        json.dump(data, f, ensure_ascii=False, indent=1)
    os.replace(tmp, path)


def read_result(path: Path) -> dict[str, Any] | None:
    try:
        return json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None


def write_grades_csv(path: Path, results: list[dict[str, Any]], question_ids: list[str]) -> None:
    """One row per student: id, name, one column per question, total; text fields
    neutralised against formulas (`csv_text`), points as plain numbers."""
    tmp = path.with_suffix(".csv.tmp")
    with tmp.open("w", encoding="utf-8", newline="") as f:
        out = csv.writer(f)
        out.writerow([csv_text(c) for c in ["id", "name", *question_ids, "total", "max_total", "manual_pending"]])
        for r in sorted(results, key=lambda r: r["student_id"]):
            points = {q["id"]: q["points"] for q in r["questions"]}
            student = r.get("student") or {}
            out.writerow([csv_text(r["student_id"]), csv_text(student.get("name_en") or student.get("name_fa") or ""),
                          *[f"{points.get(q, 0):g}" for q in question_ids],
                          f"{r['total']:g}", f"{r['max_total']:g}", f"{r.get('manual_pending', 0):g}"])
    os.replace(tmp, path)
