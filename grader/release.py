"""`grader release`: the student template notebook, generated from the rubric.

Every cell the grader relies on carries `metadata.grader` (question id, answer name, or
`manual_answer`), so answers and errors are traced back to their question; an answer's cells are
its check type's (`Check.template_cells`). The first code cell
(`selfcheck`) lets a student check their answers' forms before they hand the notebook in
(`grader.apps.selfcheck`); run first, as when the notebook is graded, it only says so.
"""
from pathlib import Path

import nbformat
from nbformat.v4 import new_code_cell, new_markdown_cell, new_notebook

from grader.checks import REGISTRY
from grader.checks.base import rtl
from grader.rubric import Question, Rubric

RULES = (
    "<div dir=\"rtl\">\n\n"
    "**راهنما:** نام متغیرها و تابع‌های پاسخ را تغییر ندهید و هر پاسخ را در سلول خودش بنویسید. "
    "سلول‌هایی که «داده‌شده» هستند را تغییر ندهید. پاسخ‌های تشریحی را در سلول‌های متنی مشخص‌شده بنویسید. "
    "پیش از تحویل، نوت‌بوک را از ابتدا اجرا کنید.\n\n</div>\n\n"
    "**Instructions:** keep the names of the answer variables and functions, and write each answer in its "
    "own cell. Do not change the cells marked *given*. Write essay answers in the marked text cells. "
    "Run the notebook from the top before you hand it in."
)


def _selfcheck_cell(assignment: str) -> nbformat.NotebookNode:
    """Without grader installed (as in the grader's own sandbox) the cell says how to get it."""
    source = (
        "# پیش از تحویل: پس از اجرای همهٔ سلول‌ها، این سلول را دوباره اجرا کنید. می‌گوید کدام پاسخ‌ها تعریف نشده‌اند،\n"
        "# نوع یا شکل نادرست دارند یا خطا می‌دهند (و هرگز نمی‌گوید پاسخ درست چیست).\n"
        "# Before you hand in: after running all the cells, run this one again. It says which answers are\n"
        "# missing, of the wrong type or shape, or raise (never what they should be). It runs on your machine.\n"
        f"# In a terminal: grader check {assignment}.ipynb\n"
        "try:\n"
        "    from grader.apps.selfcheck import check_here\n"
        "except ImportError:\n"
        "    print(\"grader is not installed here: the course page says how to install it.\")\n"
        "else:\n"
        f"    check_here({assignment!r})"
    )
    return new_code_cell(source, metadata={"grader": {"selfcheck": True}})


def _question_cells(q: Question) -> list[nbformat.NotebookNode]:
    tag = {"grader": {"question": q.id}}
    lines = [f"## {q.id} · {q.title.en}", rtl(f"### {q.title.fa}"), f"*{q.points:g} points / امتیاز*"]
    if q.assumptions:
        lines.append(rtl("**فرض‌ها:**\n" + "\n".join(f"- {a.fa}" for a in q.assumptions)))
        lines.append("**Assumptions:**\n" + "\n".join(f"- {a.en}" for a in q.assumptions))
    cells = [new_markdown_cell("\n\n".join(lines), metadata=tag)]
    if q.setup:
        cells.append(new_code_cell(f"# given / داده‌شده\n{q.setup.rstrip()}", metadata={"grader": {
            "question": q.id, "given": True}}))
    for a in q.answers:
        cells += REGISTRY[a.check].template_cells(q, a)  # each check type says what its answer looks like
    return cells


def template(rubric: Rubric) -> nbformat.NotebookNode:
    """The student template notebook for `rubric`."""
    head = [f"# {rubric.title.en}", rtl(f"# {rubric.title.fa}"), f"{rubric.course.en} · {rubric.course.fa}"]
    if rubric.instructions:
        head += [rtl(rubric.instructions.fa), rubric.instructions.en]
    cells = [new_markdown_cell("\n\n".join(head + [RULES]), metadata={"grader": {"header": True}}),
             _selfcheck_cell(rubric.assignment)]
    for q in rubric.questions:
        cells += _question_cells(q)
    nb = new_notebook(cells=cells, metadata={
        "kernelspec": {"name": "python3", "display_name": "Python 3", "language": "python"},
        "language_info": {"name": "python"}, "grader": {"assignment": rubric.assignment}})
    nbformat.validate(nb)
    return nb


def release(rubric: Rubric, out_dir: Path) -> Path:
    out_dir.mkdir(parents=True, exist_ok=True)
    path = out_dir / f"{rubric.assignment}.ipynb"
    nbformat.write(template(rubric), path)
    return path
