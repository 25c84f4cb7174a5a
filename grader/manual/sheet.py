"""Reading and writing the manual-grading sheet as CSV or XLSX (the same columns either way).

Answers and names are the students' text, so no cell may be a formula when a teaching assistant
opens the sheet: XLSX holds them as text cells, CSV with a leading apostrophe where a spreadsheet
would see a formula (`grader.untrusted`). Reading a CSV takes that apostrophe off again, so an
untouched sheet imports with its answers exactly as exported. `previous` (an earlier answer's grade,
a hint) and `version` (of the stored grade the row was exported with) may be missing from sheets
exported before they existed."""
import csv
from pathlib import Path

from grader.untrusted import csv_plain, csv_text, xlsx_row

REQUIRED = ["student_id", "name", "question", "title", "max_points", "answer", "answer_sha", "score", "comment"]
COLUMNS = [*REQUIRED, "previous", "version"]
TEXT = [c for c in COLUMNS if c not in ("max_points", "score", "version")]  # numbers stay as they are


def write(path: Path, rows: list[dict[str, object]]) -> None:
    if path.suffix == ".xlsx":
        from openpyxl import Workbook
        from openpyxl.styles import Alignment, Font

        book = Workbook()
        sheet = book.active
        sheet.title = "manual"
        xlsx_row(sheet, COLUMNS)
        for cell in sheet[1]:
            cell.font = Font(bold=True)
        for row in rows:
            xlsx_row(sheet, [row.get(c, "") for c in COLUMNS])
        for letter, width in zip("ABCDEFGHIJK", (14, 20, 9, 40, 10, 80, 18, 8, 40, 30, 8)):
            sheet.column_dimensions[letter].width = width
        for cells in sheet.iter_rows(min_row=2, min_col=6, max_col=6):
            cells[0].alignment = Alignment(wrap_text=True, vertical="top")
        book.save(path)
        return
    with path.open("w", encoding="utf-8-sig", newline="") as f:
        out = csv.DictWriter(f, COLUMNS)
        out.writeheader()
        for row in rows:
            out.writerow({c: csv_text(v) if c in TEXT and isinstance(v, str) else v for c, v in row.items()})


def read(path: Path) -> list[dict[str, str]]:
    """Rows as dicts of text; the header row must hold every column."""
    if path.suffix == ".xlsx":
        from openpyxl import load_workbook

        values = list(load_workbook(path, read_only=True).active.iter_rows(values_only=True))
        header = [str(v or "") for v in values[0]] if values else []
        body = [["" if v is None else str(v) for v in row] for row in values[1:]]
    else:
        with path.open(encoding="utf-8-sig", newline="") as f:
            rows = list(csv.reader(f))
        header, body = (rows[0], rows[1:]) if rows else ([], [])
        body = [[csv_plain(cell) if column in TEXT else cell for column, cell in zip(header, row)] for row in body]
    missing = [c for c in REQUIRED if c not in header]
    if missing:
        raise ValueError(f"{path}: the sheet has no column {', '.join(missing)}")
    return [dict(zip(header, row)) for row in body if any(cell.strip() for cell in row)]
