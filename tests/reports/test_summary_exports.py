"""Class summary (hardest questions first, run errors, manual questions) and the gradebook
exports grades.xlsx and moodle.csv, from five hand-made results in the result files' shape."""

import csv
import re

import openpyxl
from pypdf import PdfReader

from grader.core.classlist import ClassRecord
from grader.core.result import AnswerResult, QuestionResult, RunError, Status, Student, StudentResult
from grader.core.text import Text
from grader.engine.class_book import class_record, gradebook, notices
from grader.intake import read_roster
from grader.outputs.gradebook import write_gradebook
from grader.outputs.gradebook.moodle import moodle_number
from grader.outputs.reports import html_for_summary, render_summary

QIDS = ["q1", "q2", "q3", "q4"]
MAX = {"q1": 10, "q2": 5, "q3": 4, "q4": 6}
AUTOMATIC = {"q1": 10, "q2": 5, "q4": 4}  # q3 is all manual, 2 points of q4 are manual
TITLES = {"q1": ("ضرب ماتریس‌ها", "Matrix product"), "q2": ("پس‌انتشار", "Backpropagation"),
          "q3": ("تحلیل نتایج", "Discussing the results"), "q4": ("پیچش", "Convolution")}
META = {"assignment": "hw3", "title": {"fa": "تمرین سوم", "en": "Homework 3"},
        "course": {"fa": "یادگیری ژرف", "en": "Deep Learning"},
        "questions": [{"id": q, "title": {"fa": TITLES[q][0], "en": TITLES[q][1]}, "max_points": MAX[q]}
                      for q in QIDS]}


def question(qid: str, points: float) -> QuestionResult:
    """``points`` of the automatic answer (if the question has one); the manual part, if any,
    is still waiting for a person."""
    answers = []
    if qid in AUTOMATIC:
        answers.append(AnswerResult(f"{qid}_auto", "numeric", AUTOMATIC[qid],
                                    Status.of_fraction(points / AUTOMATIC[qid]), points))
    if MAX[qid] > AUTOMATIC.get(qid, 0):
        answers.append(AnswerResult(f"{qid}_essay", "manual", MAX[qid] - AUTOMATIC.get(qid, 0),
                                    Status.PENDING, by_person=True))
    return QuestionResult(qid, Text(*TITLES[qid]), MAX[qid], answers)


def result(sid: str, names: tuple[str, str] | None, scores: dict, errors: list | None = None) -> StudentResult:
    """``scores``: points per question with automatic answers; no manual point is graded yet."""
    questions = [question(q, p) for q, p in scores.items()]
    questions.insert(2, question("q3", 0))
    return StudentResult(Student(sid, *(names or ("", ""))), "hw3", 25, questions,
                         assignment_title=Text.from_json(META["title"]), course=Text.from_json(META["course"]),
                         errors=errors or [], runtime_s=1.0)


def results() -> list[StudentResult]:
    timeout = RunError("timeout", Text("زمان اجرا به پایان رسید.", "The run timed out."))
    return [
        result("s03", ("کیان موسوی", "Kian Mousavi"), {"q1": 10, "q2": 1, "q4": 4}),
        result("s01", ("آرش رضایی", "Arash Rezaei"), {"q1": 10, "q2": 0, "q4": 2}),
        result("s02", ("نگار احمدی", "Negar Ahmadi"), {"q1": 7.5, "q2": 5, "q4": 4}),
        result("s05", None, {"q1": 0, "q2": 0, "q4": 0}, errors=[timeout]),
        result("s04", ("مهسا کریمی", "Mahsa Karimi"), {"q1": 10, "q2": 2.25, "q4": 3}),
    ]
# mean fractions: q1 37.5/50 = 75 %, q2 8.25/25 = 33 %, q4 (automatic 4 points) 13/20 = 65 %,
# q3 none yet: the summary lists q2, q4, q1, q3.


def write(out, rs: list[StudentResult], assignment: str = "hw3", record: ClassRecord = ClassRecord()) -> None:
    write_gradebook(out, gradebook(record, rs, assignment, QIDS, 25))


def test_xlsx(tmp_path):
    write(tmp_path, results())
    wb = openpyxl.load_workbook(tmp_path / "grades.xlsx")
    assert wb.sheetnames == ["grades", "questions"]
    grades = wb["grades"]
    rows = list(grades.iter_rows(values_only=True))
    assert rows[0] == ("id", "name_fa", "name_en", "q1", "q2", "q3", "q4", "total", "max_total", "manual_pending",
                       "status")
    # q3 and q4 still wait for a person: pending, not 0
    assert rows[1] == ("s01", "آرش رضایی", "Arash Rezaei", 10, 0, "pending", "pending", 12, 25, 6, "pending")
    assert rows[2] == ("s02", "نگار احمدی", "Negar Ahmadi", 7.5, 5, "pending", "pending", 16.5, 25, 6, "pending")
    assert rows[5][:3] == ("s05", None, None) and len(rows) == 6
    assert grades.freeze_panes == "A2" and all(c.font.bold for c in grades[1])
    assert grades.column_dimensions["C"].width >= len("Arash Rezaei")

    stats = {r[0]: r for r in wb["questions"].iter_rows(values_only=True)}
    assert stats["id"] == ("id", "title_fa", "title_en", "max_points", "mean", "median", "max",
                           "mean_fraction", "pass_rate", "errors", "pending_manual")
    assert stats["q1"] == ("q1", "ضرب ماتریس‌ها", "Matrix product", 10, 7.5, 10, 10, 0.75, 0.6, 0, 0)
    assert stats["q3"][7:] == (None, None, 0, 5)  # not graded yet: no fraction, no pass rate
    assert stats["q4"][7:9] == (0.65, None)
    assert wb["questions"]["I2"].number_format == "0%"


def graded(r: StudentResult) -> StudentResult:
    """`r` with every essay graded 0, so the total is final."""
    for a in r.answers:
        if a.status is Status.PENDING:
            a.set(0.0, Status.FAILED, Text())
    return r


def moodle_lines(out) -> list[list[str]]:
    with (out / "moodle.csv").open(encoding="utf-8", newline="") as f:
        return [row[:2] for row in csv.reader(f)]


def test_moodle_csv_keyed_by_id_number(tmp_path):
    write(tmp_path, [graded(r) for r in results()])
    assert moodle_lines(tmp_path) == [["ID number", "hw3 total"], ["s01", "12"], ["s02", "16.5"], ["s03", "15"],
                                      ["s04", "15.25"], ["s05", "0"]]
    write(tmp_path, results())  # essays still pending: no grade yet
    assert [row[1] for row in moodle_lines(tmp_path)[1:]] == ["-"] * 5


def test_moodle_csv_keyed_by_the_rosters_email(tmp_path):
    rs = [graded(r) for r in results() if r.student.name]
    rs[0].questions = [question("q1", 1 / 3), question("q2", 0), question("q4", 0)]  # a total of 1/3
    graded(rs[0])
    (tmp_path / "students.csv").write_text("id,name_fa,name_en,email\n" + "".join(
        f"{r.student_id},{r.student.name_fa},{r.student.name_en},{r.student_id}@example.edu\n" for r in rs))
    write(tmp_path, rs, "hw 3", class_record(read_roster(tmp_path), "email"))
    assert moodle_lines(tmp_path) == [
        ["Email address", "hw 3 total"], ["s01@example.edu", "12"], ["s02@example.edu", "16.5"],
        ["s03@example.edu", "0.3333"], ["s04@example.edu", "15.25"]]  # a total is rounded to 4 decimals
    assert moodle_number(1 / 3) == "0.33333" and moodle_number(1e-9) == "0"  # Moodle's 5 decimals, no exponent


def qstats_rows(html: str) -> list[str]:
    table = html[html.index('<table class="grid qstats">'):]
    table = table[:table.index("</table>")]
    return re.findall(r"<tr[^>]*>.*?</tr>", table[table.index("<tbody>"):], re.S)


def test_summary_html_hardest_first_and_manual_pass_rate(tmp_path):
    html = html_for_summary(results(), META)
    rows = qstats_rows(html)
    assert [re.search(r'<code dir="ltr">(q\d)</code>', r).group(1) for r in rows] == ["q2", "q4", "q1", "q3"]
    assert "دشوارترین در ابتدا" in html and "hardest first" in html
    # cells: id, title, out of, mean, median, max, mean %, pass rate, errors
    pass_rate = {qid: re.findall(r"<td[^>]*>(.*?)</td>", r, re.S)[7]
                 for qid, r in zip(["q2", "q4", "q1", "q3"], rows)}
    assert pass_rate["q1"].strip() == "60%" and pass_rate["q2"].strip() == "20%"
    for manual in ("q3", "q4"):  # points still waiting for a person: not applicable
        cell = pass_rate[manual]
        assert "%" not in cell and "تصحیح دستی" in cell and "manual" in cell
    assert 'class="n na"' in rows[1] and 'class="n na"' in rows[3]
    assert re.search(r'<div class="value">1</div>\s*<div class="fa[^"]*" dir="rtl">دانشجو با خطای اجرا', html)
    assert html.count("data:image/svg+xml;base64,") == 2  # histogram and mean fraction chart


def test_summary_pdf_renders(tmp_path):
    out = tmp_path / "summary.pdf"
    render_summary(results(), META, out)
    text = "\n".join(p.extract_text() for p in PdfReader(out).pages)
    assert out.read_bytes().startswith(b"%PDF") and "hardest first" in text and "Kian Mousavi" in text


def test_summary_lists_the_class_notices_escaped(tmp_path):
    """What the gradebook tells a teaching assistant (here: a roster student with no submission, whose
    id is markup) stands at the top of the summary, in both languages, as text."""
    (tmp_path / "students.csv").write_text("id,name_fa,name_en\ns01,آرش,Arash\n<b>x</b>,ب,B\n")
    book = gradebook(class_record(read_roster(tmp_path), "idnumber"), results(), "hw3", QIDS, 25)
    told = notices(book)
    html = html_for_summary(results(), {**META, "notices": [n.to_json() for n in told]})
    section = html[html.index('<section class="note">'):html.index('<section class="histogram">')]
    assert "handed in nothing" in section and "تحویل نداده‌اند" in section and "essay points pending" in section
    assert "&lt;b&gt;x&lt;/b&gt;" in section and "<b>x" not in section
    assert '<section class="note">' not in html_for_summary(results(), META)  # no notices, no section
