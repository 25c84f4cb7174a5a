"""Reading and writing the manual-grading sheet as CSV or XLSX (the same columns either way)."""
import csv
from pathlib import Path

COLUMNS = ["student_id", "name", "question", "title", "max_points", "answer", "answer_sha", "score", "comment"]


def write(path: Path, rows: list[dict[str, object]]) -> None:
    if path.suffix == ".xlsx":
        from openpyxl import Workbook
        from openpyxl.styles import Alignment, Font

        book = Workbook()
        sheet = book.active
        sheet.title = "manual"
        sheet.append(COLUMNS)
        for cell in sheet[1]:
            cell.font = Font(bold=True)
        for row in rows:
            sheet.append([row.get(c, "") for c in COLUMNS])
        for letter, width in zip("ABCDEFGHI", (14, 20, 9, 40, 10, 80, 18, 8, 40)):
            sheet.column_dimensions[letter].width = width
        for cells in sheet.iter_rows(min_row=2, min_col=6, max_col=6):
            cells[0].alignment = Alignment(wrap_text=True, vertical="top")
        book.save(path)
        return
    with path.open("w", encoding="utf-8-sig", newline="") as f:
        out = csv.DictWriter(f, COLUMNS)
        out.writeheader()
        out.writerows(rows)


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
    missing = [c for c in COLUMNS if c not in header]
    if missing:
        raise ValueError(f"{path}: the sheet has no column {', '.join(missing)}")
    return [dict(zip(header, row)) for row in body if any(cell.strip() for cell in row)]
