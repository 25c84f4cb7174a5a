"""The student report teaches in few pages: page 1 says what to review (each reason once, with its
diagnosis), a correct answer is one line, details are shown only where points were lost, a failing
cell's traceback once and with the student's own frames only, an essay waiting for a person says so
instead of a zero, a teaching assistant's comment is printed once; numbers read as a person reads them."""
from __future__ import annotations

import re

from grader.core.result import AnswerResult, Detail, Diagnosis, QuestionResult, Status
from grader.core.text import Text
from grader.outputs.reports import html_for_student, render_student_report, render_summary
from grader.outputs.reports.similarity_view import similarity_view
from grader.outputs.reports.view import once, student_view, students_frames
from tests.reports.test_reports import META, TRACEBACK, pdf_text, sample_result, three_results

LIB_FRAME = "File /usr/lib/python3/dist-packages/torch/nn/modules/module.py:1773, in Module._call_impl"


def _flat(path) -> str:
    return " ".join(pdf_text(path).split())


def _with_a_failing_cell(result):
    """Two more answers of q3 that came from the one failing cell: the same traceback on each."""
    q3 = result.questions[3]
    for name in ("q3_shape", "q3_params"):
        q3.answers.append(AnswerResult(name, "scalar", 2, Status.ERROR, error=TRACEBACK,
                                       feedback=Text("سلول پاسخ خطا داد.", "The answer's cell raised an error.")))
    return result


def test_page_one_says_what_to_review_each_reason_once(tmp_path):
    result = _with_a_failing_cell(sample_result())
    view = student_view(result)
    names = [item["names"] for item in view["review"]]
    assert names == ["q1a · q1_momentum", "q2 · q2_params", "q3 · q3_model", "q3 · q3_shape, q3 · q3_params",
                     "q6 · q6_loss"]
    out = tmp_path / "s03.pdf"
    render_student_report(result, out)
    first = " ".join(pdf_text(out).split("\f")[0].split())
    assert "What to review" in first and "آنچه باید مرور کنید" in first and "q3 · q3_shape, q3 · q3_params" in first


def test_a_diagnosis_names_the_mistake_on_page_one():
    result = sample_result()
    answer = result.questions[0].answers[1]
    answer.diagnosis = Diagnosis(Text("تکانه دو بار اعمال شده", "Momentum applied twice"),
                                 Text("سرعت را یک بار به‌روز کنید.", "Update the velocity once."))
    item = next(i for i in student_view(result)["review"] if "q1_momentum" in i["names"])
    assert item["mistake"] and item["why"] == Text("تکانه دو بار اعمال شده", "Momentum applied twice")
    html = html_for_student(result)
    assert html.count("Update the velocity once.") == 1  # explained once, in its card


def test_correct_answers_are_one_line_and_details_only_where_points_were_lost():
    view = student_view(sample_result())
    q1a = view["questions"][0]
    sgd, momentum = q1a["answers"]
    assert not sgd["more"] and sgd["expected"] is None and sgd["found"] is None  # passed: its line only
    assert [d["label"] for d in momentum["details"]] == ["w1"] and momentum["right_details"] == 2
    assert [q["id"] for q in view["questions"] if q["shown"]] == ["q1a", "q2", "q3"]  # q1b, q4, q7 right; q6 has no more to say
    html = html_for_student(sample_result())
    assert "2 more items are right" in html and "0.0123" not in html  # q1b's right value is not repeated


def test_an_essay_waiting_for_a_person_is_no_zero():
    text = " ".join(re.sub("<[^>]+>", " ", html_for_student(sample_result())).split())
    assert "awaiting a teaching assistant" in text and "در انتظار دستیار آموزشی" in text
    assert "– / 20" in text and "0 / 20" not in text and "۰ / ۲۰" not in text


def test_essay_points_lost_are_on_the_review_list_and_pending_ones_are_not():
    """An essay left unanswered (0 points at once) or scored below full by a teaching assistant lost
    points as an automatic answer does: page 1 names it; one still waiting for a person is not lost."""
    result = sample_result()
    essay = result.questions[5].answers[0]
    qid = result.questions[5].id
    assert essay.by_person and essay.status is Status.PENDING
    assert not any(qid in i["names"].split(" · ")[0].split(", ") for i in student_view(result)["review"])
    unanswered = Text("پاسخی نوشته نشده است؛ نمره صفر.", "No answer was written: 0 points.")
    essay.set(0, Status.MISSING, unanswered)
    item = next(i for i in student_view(result)["review"] if i["why"] == unanswered)
    assert item["points"] == 0 and item["max_points"] == essay.max_points and not item["mistake"]
    essay.set(15, Status.PARTIAL, Text("نمرهٔ دستیار آموزشی: ۱۵ از ۲۰.", "Scored by a teaching assistant: 15 of 20."))
    item = next(i for i in student_view(result)["review"] if i["points"] == 15)
    assert item["max_points"] == 20
    essay.set(20, Status.PASSED, Text("نمرهٔ دستیار آموزشی: ۲۰ از ۲۰.", "Scored by a teaching assistant: 20 of 20."))
    assert all(i["points"] != 20 for i in student_view(result)["review"])


def test_a_teaching_assistants_comment_is_printed_once():
    comment = "Good intuition; در بخش دوم p را فراموش کردید."
    assert once(Text(f"نمرهٔ دستیار آموزشی: ۱۵ از ۲۰. {comment}", f"Scored by a teaching assistant: 15 of 20. {comment}")) \
        == (Text("نمرهٔ دستیار آموزشی: ۱۵ از ۲۰.", "Scored by a teaching assistant: 15 of 20."), comment)
    assert once(Text("درست است.", "Correct.")) == (Text("درست است.", "Correct."), None)  # nothing shared
    assert once(Text("same", "same")) == (Text(), "same")
    result = sample_result()
    result.questions[5].answers[0].set(15, Status.PARTIAL, Text(f"نمرهٔ دستیار آموزشی: ۱۵ از ۲۰. {comment}",
                                                                f"Scored by a teaching assistant: 15 of 20. {comment}"))
    html = html_for_student(result)
    assert html.count("Good intuition") == 1 and "Teaching assistant&#39;s comment" in html


def test_a_failing_cells_traceback_is_shown_once_with_the_students_frames_only(tmp_path):
    result = _with_a_failing_cell(sample_result())
    out = tmp_path / "s03.pdf"
    render_student_report(result, out)
    text = _flat(out)
    assert text.count("Error output") == 1 and text.count("mat1 and mat2") == 1
    assert text.count("The same error as the cell of") == 2 and text.count("q3_model") == 4  # review, card, two notes
    assert "Cell In[12], line 7" in text and "File <cell>:18, in ConvNet.forward" in text
    assert "dist-packages" not in text and "/tmp/ipykernel" not in text and "Module._call_impl" not in text
    assert "1 library frames hidden" in text


def test_a_hostile_traceback_keeps_no_path_and_no_control_character():
    hostile = "\n".join([
        "Traceback (most recent call last):",
        "Cell In[3], line 2",
        "----> 2 open('/work/main/grader/secret/key.txt\x07\x1b]0;title\x07')",
        *(f"File /srv/grader/venv/lib/python3.11/site-packages/lib{i}/mod.py:{i}, in f{i}\n    x = y" for i in range(500)),
        "FileNotFoundError: [Errno 2] No such file: '/work/main/grader/secret/key.txt'\x00\x1b[31m",
    ])
    shown, hidden = students_frames(hostile)
    assert hidden == 500 and "site-packages" not in shown and "/work/main" not in shown
    answer = AnswerResult("leak", "scalar", 1, Status.ERROR, error=hostile)
    result = sample_result()
    result.questions.append(QuestionResult("q9", Text("پ", "Q"), 1, [answer]))
    error = student_view(result)["questions"][-1]["answers"][0]["error"]
    assert "…/key.txt" in error and "/work/" not in error and "/srv/" not in error
    assert not re.search(r"[\x00-\x08\x0b-\x1f\x7f]", error) and len(error) <= 4100


def test_numbers_read_as_a_person_reads_them():
    result = sample_result()
    result.questions[6].answers[0] = AnswerResult(
        "q6_params", "numeric", 5, Status.FAILED, expected="5851340", found="5851339",
        details=[Detail("accuracy", ">= 0.95", "0.9624999761581421", False),
                 Detail("precision / recall / F1 (class 1)", None, "0.000 / 0.000 / 0.000", True)])
    answer = student_view(result)["questions"][6]["answers"][0]
    assert (answer["expected"], answer["found"]) == ("5,851,340", "5,851,339")
    html = html_for_student(result)
    assert "0.9625" in html and "0.9624999761581421" not in html
    f1_row = html[html.index("precision / recall / F1"):]
    f1_row = f1_row[:f1_row.index("</tr>")]
    assert "✓" not in f1_row  # an F1 of 0 is not ticked: the row only informs


def test_a_huge_array_value_stays_capped():
    result = sample_result()
    answer = result.questions[0].answers[1]
    answer.found = "[" + " ".join(["0.123456789012"] * 100_000) + "]"
    answer.details = [Detail(f"[{i}, {i}]", "1", "9" * 10_000, False) for i in range(1000)]
    view = student_view(result)["questions"][0]["answers"][1]
    assert len(view["found"]) < 1000 and "characters cut" in view["found"]
    assert len(view["details"]) == 40 and view["more_details"] == 960
    assert all(len(d["found"]) < 300 for d in view["details"])


def test_the_similarity_score_has_its_scale(tmp_path):
    report = {"threshold": 0.5, "wrong_weight_each": 0.2, "skipped": [],
              "pairs": [{"a": "s01", "b": "s02", "score": 3.0, "code_score": 0.0, "shared_wrong": ["q1"], "flagged": True},
                        {"a": "s01", "b": "s03", "score": 0.925, "code_score": 0.925, "flagged": True},
                        {"a": "s02", "b": "s03", "score": "nan", "code_score": None, "flagged": True}]}
    view = similarity_view(report)
    assert [(p["score"], p["code_score"], p["wrong_score"]) for p in view["pairs"]] == [
        ("3", "0", "3"), ("0.93", "0.93", "0"), ("0", "0", "0")]
    assert "0 to 1" in view["scale"].en and "0.2 for each identical wrong answer" in view["scale"].en
    assert "at 0.5 or above are flagged" in view["scale"].en and "۰٫۵" in view["scale"].fa
    out = tmp_path / "summary.pdf"
    render_summary(three_results(), {**META, "similarity": report}, out)
    text = _flat(out)
    assert "Combined score" in text and "comes only from identical wrong answers" in text


def test_the_students_table_headers_do_not_overlap(tmp_path):
    """Each header's words are laid out apart: the English header words of the Students table come
    out of the PDF as separate words, not run together as "StudNameID"."""
    out = tmp_path / "summary.pdf"
    render_summary(three_results(), META, out)
    text = _flat(out)
    assert "Student ID" in text and "Name" in text and "Total score" in text
    assert not re.search(r"Stud\S*Name|NameID", text)
