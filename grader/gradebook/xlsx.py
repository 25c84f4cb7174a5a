"""``grades.xlsx``: the gradebook as a spreadsheet, with the per-question statistics of the
class summary on a second sheet, so a teaching assistant can sort and filter both."""

from __future__ import annotations

import io
from pathlib import Path
from typing import Any

from openpyxl import Workbook
from openpyxl.styles import Alignment, Font
from openpyxl.utils import get_column_letter
from openpyxl.worksheet.worksheet import Worksheet

from grader.core import atomic
from grader.reports.stats import question_stats
from grader.untrusted import xlsx_row

_MIN_WIDTH, _MAX_WIDTH = 6, 48


def _num(x: Any) -> float | None:
    """A number as stored: rounded off float noise (35.050400000001); None stays empty."""
    return None if x is None else round(float(x), 4)


def _sheet(ws: Worksheet, header: list[str], rows: list[list[Any]]) -> None:
    """Every text a text cell, never a formula (`xlsx_row`): names and ids come from students."""
    xlsx_row(ws, header)
    for row in rows:
        xlsx_row(ws, row)
    for cell in ws[1]:
        cell.font = Font(bold=True)
    ws.freeze_panes = "A2"
    for i, column in enumerate(ws.iter_cols(values_only=True), start=1):
        width = max(len(str(v)) for v in column if v is not None) + 2
        ws.column_dimensions[get_column_letter(i)].width = min(max(width, _MIN_WIDTH), _MAX_WIDTH)


def _rtl(ws: Worksheet, column: int) -> None:
    """Persian cells right-aligned and read right to left, as a Persian reader expects."""
    for (cell,) in ws.iter_rows(min_row=2, min_col=column, max_col=column):
        cell.alignment = Alignment(horizontal="right", readingOrder=2)


def _grades(ws: Worksheet, results: list[dict], question_ids: list[str]) -> None:
    rows = []
    for r in sorted(results, key=lambda r: str(r["student_id"])):
        points = {q.get("id"): q.get("points") for q in r.get("questions") or [] if isinstance(q, dict)}
        student = r.get("student") or {}
        rows.append([str(r["student_id"]), student.get("name_fa") or "", student.get("name_en") or "",
                     *[_num(points.get(q) or 0) for q in question_ids],
                     _num(r["total"]), _num(r["max_total"]), _num(r.get("manual_pending") or 0)])
    _sheet(ws, ["id", "name_fa", "name_en", *question_ids, "total", "max_total", "manual_pending"], rows)
    _rtl(ws, 2)


def _meta(results: list[dict], question_ids: list[str]) -> dict:
    """Titles and maximum points of the questions, as the results carry them."""
    found: dict[str, dict] = {}
    for r in results:
        for q in r.get("questions") or []:
            if isinstance(q, dict) and q.get("id") in question_ids:
                found.setdefault(q["id"], q)
    return {"questions": [{"id": qid, "title": found.get(qid, {}).get("title"),
                           "max_points": found.get(qid, {}).get("max_points")} for qid in question_ids]}


def _questions(ws: Worksheet, results: list[dict], question_ids: list[str]) -> None:
    header = ["id", "title_fa", "title_en", "max_points", "mean", "median", "max",
              "mean_fraction", "pass_rate", "errors", "pending_manual"]
    rows = [[s["id"], s["title"].fa, s["title"].en, _num(s["max_points"]), _num(s["mean"]),
             _num(s["median"]), _num(s["max"]), _num(s["mean_fraction"]), _num(s["pass_rate"]),
             s["errors"], s["pending"]]
            for s in question_stats(results, _meta(results, question_ids))]
    _sheet(ws, header, rows)
    _rtl(ws, 2)
    for column in ("H", "I"):  # fractions shown as percentages; an empty pass rate: not graded yet
        for (cell,) in ws.iter_rows(min_row=2, min_col=ws[column + "1"].column, max_col=ws[column + "1"].column):
            cell.number_format = "0%"


def write_xlsx(path: Path, results: list[dict], question_ids: list[str]) -> None:
    """Sheets 'grades' (one row per student, sorted by id) and 'questions' (rubric order)."""
    wb = Workbook()
    grades = wb.active
    grades.title = "grades"
    _grades(grades, results, question_ids)
    _questions(wb.create_sheet("questions"), results, question_ids)
    buffer = io.BytesIO()
    wb.save(buffer)
    atomic.write_bytes(path, buffer.getvalue(), mode=atomic.plain_mode())
