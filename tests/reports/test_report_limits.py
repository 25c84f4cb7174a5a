"""Hostile text cannot make a report slow: every student-controlled string is cut in the view with a
visible marker, and a report that still takes too long (or crashes the renderer) becomes a plain
report with the scores instead of holding up the class."""

from __future__ import annotations

import os
import time
from dataclasses import replace

from pypdf import PdfReader

from grader.core.result import Status, Student
from grader.core.text import Text
from grader.outputs.reports import render_student_report, render_summary
from grader.outputs.reports import render as render_mod
from grader.outputs.reports.view import cut
from tests.reports.test_reports import META, pdf_text, sample_result, three_results

HUGE = 150_000


def test_cut_keeps_short_text_and_says_how_much_it_cut():
    assert cut(None, "value") is None
    assert cut("[0.9, 0.81]", "value") == "[0.9, 0.81]"
    assert cut("a\nb", "value") == "a\nb"
    assert cut("x" * 250, "value", "en") == "x" * 200 + "…\n… 50 characters cut"
    assert cut("x" * 250, "value", "fa") == "x" * 200 + "…\n\u2067… ۵۰ نویسه حذف شد\u2069"
    assert cut("x" * 250, "value") == "x" * 200 + "…\n… 50 characters cut\n\u2067… ۵۰ نویسه حذف شد\u2069"
    assert cut("a\n" * 30, "value", "en") == "a\n" * 19 + "a\n… 21 characters cut"  # 20 lines of 31
    assert cut("n" * 70, "id", "en") == "n" * 60 + " … 10 characters cut"  # one line, marker inline
    assert cut("a\nb", "id") == "a b"


def test_traceback_keeps_its_end_and_long_lines_are_cut():
    tb = "".join(f"frame {i}\n" for i in range(100)) + "ValueError: " + "v" * 1000
    shown = cut(tb, "traceback", "en")
    lines = shown.split("\n")
    assert lines[-1] == "ValueError: " + "v" * 288 + "…"  # 300 characters a line
    assert lines[1] == "frame 61" and len(lines) == 41  # the last 40 lines, after the marker
    # 1,902 characters, 651 shown: 39 lines of "frame NN" and 300 of the last one, with 40 line breaks
    assert lines[0] == "… 1251 characters cut"


def test_150000_characters_render_in_seconds_with_the_cut_marker(tmp_path):
    result = sample_result()
    answer = result.questions[3].answers[0]  # q3_model, an error with a traceback
    answer.error = "Traceback (most recent call last):\n  File x\nValueError: " + "e" * HUGE
    answer.found = "f" * HUGE
    result.errors[0] = replace(result.errors[0], detail="d" * HUGE)
    result.questions[5].answer_text = "essay " * (HUGE // 6)  # 150,000 characters on one line, not shown
    essay = result.questions[5].answers[0]  # graded, with a 150,000-character comment
    essay.set(10, Status.PARTIAL, Text("نمرهٔ دستیار آموزشی: ۱۰ از ۲۰. " + "c" * HUGE,
                                       "Scored by a teaching assistant: 10 of 20. " + "c" * HUGE))
    result.questions[0].answers[1].details[0].label = "l" * HUGE
    result.student = Student(result.student_id, "نام" * HUGE, "N" * HUGE)
    out = tmp_path / "huge.pdf"
    start = time.monotonic()
    render_student_report(result, out)
    took = time.monotonic() - start
    assert took < 20, took  # was over two minutes before the cuts
    text = pdf_text(out)
    assert "… 149712 characters cut" in text  # traceback: its 3 lines kept, the last one cut at 300
    assert "… 149800 characters cut" in text  # found value: one line of 200
    assert "… 149500 characters cut" in text  # the comment, once: one line of 500
    assert "essay essay" not in text  # the report shows the points of an essay, not the essay
    assert "نویسه حذف شد" in text and "Plain report" not in text
    assert "ValueError:" in text and "e" * 80 in text


def test_summary_cuts_names_and_messages(tmp_path):
    results = three_results()
    results[0].student = Student(results[0].student_id, name_en="N" * HUGE)
    results[2].errors[0] = replace(results[2].errors[0], message=Text("پیام " * HUGE, "message " * HUGE))
    out = tmp_path / "summary.pdf"
    start = time.monotonic()
    render_summary(results, META, out)
    assert time.monotonic() - start < 20
    text = " ".join(pdf_text(out).split())  # a marker may wrap in its column
    assert "… 149900 characters cut" in text and "… 1199500 characters cut" in text


def test_a_render_past_its_limit_becomes_the_plain_report(tmp_path, capsys):
    out = tmp_path / "s03.pdf"
    render_student_report(sample_result(), out, timeout_s=0.001)
    text = pdf_text(out)
    assert "Your full report could not be laid out" in text and "جزئیات" in text
    assert "Plain report" in text and "Sara Mohammadi" in text and "s03" in text
    for qid, points in [("q1a", "8 / 10"), ("q2", "8.5 / 10"), ("q7", "25 / 25"), ("total", "61.5 / 100")]:
        assert points in text, qid
    assert "Error output" not in text and "mat1 and mat2" not in text  # none of the full report
    assert "awaiting a teaching" in text and "– / 20" in text and "0 / 20" not in text  # q5, an essay
    assert len(PdfReader(out).pages) == 1
    assert "not laid out within 0.001 s" in capsys.readouterr().err
    assert [p.name for p in tmp_path.iterdir()] == ["s03.pdf"]  # the child's partial file is gone


def test_a_renderer_that_crashes_becomes_the_plain_report(tmp_path, capsys, monkeypatch):
    real, parent = render_mod._pdf, os.getpid()

    def crash_in_child(html):
        if os.getpid() != parent:  # only the full report's child crashes
            raise MemoryError("layout blew up")
        return real(html)

    monkeypatch.setattr(render_mod, "_pdf", crash_in_child)
    out = tmp_path / "s03.pdf"
    render_student_report(sample_result(), out)
    assert "Your full report could not be laid out" in pdf_text(out)
    assert "MemoryError: layout blew up" in capsys.readouterr().err


def test_a_normal_report_is_unchanged_by_the_limit(tmp_path):
    out = tmp_path / "s03.pdf"
    render_student_report(sample_result(), out)
    text = pdf_text(out)
    assert "characters cut" not in text and "Plain report" not in text and "mat1 and mat2" in text
