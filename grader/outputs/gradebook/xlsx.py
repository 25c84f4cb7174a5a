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
from grader.core.classlist import PENDING_CELL, Gradebook, Standing
from grader.core.result import QuestionResult, StudentResult
from grader.outputs.reports.stats import question_stats
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


def _grades(ws: Worksheet, book: Gradebook) -> None:
    """A question whose points still wait for a person shows `pending` (a text cell, never a 0)."""
    rows = []
    for row in book.rows:
        cells = [row.points(q) for q in book.question_ids]
        rows.append([row.student.id, row.student.name_fa, row.student.name_en,
                     *[PENDING_CELL if p is None else _num(p) for p in cells],
                     _num(row.total), _num(book.max_total), _num(row.pending_points), row.standing.value])
    _sheet(ws, ["id", "name_fa", "name_en", *book.question_ids, "total", "max_total", "manual_pending", "status"], rows)
    _rtl(ws, 2)
    for cells in ws.iter_rows(min_row=2):
        if cells[-1].value != Standing.GRADED:
            cells[-1].font = Font(bold=True)  # the lines a teaching assistant must look at


def _meta(results: list[StudentResult], question_ids: list[str]) -> dict:
    """Titles and maximum points of the questions, as the results carry them."""
    found: dict[str, QuestionResult] = {}
    for r in results:
        for q in r.questions:
            if q.id in question_ids:
                found.setdefault(q.id, q)
    return {"questions": [{"id": qid, "title": found[qid].title if qid in found else None,
                           "max_points": found[qid].max_points if qid in found else None} for qid in question_ids]}


def _questions(ws: Worksheet, results: list[StudentResult], question_ids: list[str]) -> None:
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


def write_xlsx(path: Path, book: Gradebook) -> None:
    """Sheets 'grades' (one row per student of the class, sorted by id) and 'questions' (rubric
    order, from the submissions' results: a student with no submission is not a 0 in them)."""
    wb = Workbook()
    grades = wb.active
    grades.title = "grades"
    _grades(grades, book)
    results = [row.result for row in book.rows if row.result]
    _questions(wb.create_sheet("questions"), results, book.question_ids)
    buffer = io.BytesIO()
    wb.save(buffer)
    atomic.write_bytes(path, buffer.getvalue(), mode=atomic.plain_mode())
