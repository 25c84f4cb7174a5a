"""Tests of the PDF report layer: Persian formatting and the rendered PDFs (bidirectional text: test_bidi*.py)."""

from __future__ import annotations

import copy
import datetime
import re
import shutil
import subprocess
from pathlib import Path

import pytest
from pypdf import PdfReader

from grader.core.result import RunError, Status, Student, StudentResult
from grader.core.text import Text
from grader.outputs.reports import html_for_student, render_student_report, render_summary
from grader.outputs.reports.persian import fmt_points, jalali_date, persian_digits
from grader.outputs.reports.stats import question_stats, total_stats

TRACEBACK = (
    "\x1b[0;31m---------------------------------------------------------------------------\x1b[0m\n"
    "\x1b[0;31mRuntimeError\x1b[0m                              Traceback (most recent call last)\n"
    "Cell In[12], line 7\n"
    "      5 model = ConvNet()\n"
    "      6 x = torch.randn(8, 3, 227, 227)\n"
    "----> 7 y = model(x)\n"
    "File /usr/lib/python3/dist-packages/torch/nn/modules/module.py:1773, in Module._call_impl\n"
    "   1771     return forward_call(*args, **kwargs)\n"
    "File /tmp/ipykernel_41/2207.py:18, in ConvNet.forward(self, x)\n"
    "     17 x = torch.flatten(x, 1)\n"
    "---> 18 return self.fc(x)\n"
    "\x1b[0;31mRuntimeError\x1b[0m: mat1 and mat2 shapes cannot be multiplied (8x186624 and 9216x4096)"
)
TRACEBACK_LAST = "RuntimeError: mat1 and mat2 shapes cannot be multiplied"


def _q(qid, fa, en, points, max_points, status, **extra):
    return {"id": qid, "title": {"fa": fa, "en": en}, "points": points,
            "max_points": max_points, "status": status, **extra}


def _a(name, points, max_points, status, expected, found, **extra):
    return {"name": name, "check": extra.pop("check", "scalar"), "points": points,
            "max_points": max_points, "status": status, "expected": expected,
            "found": found, "error": None, **extra}


def sample_result() -> StudentResult:
    """A realistic result: mixed Persian/English text, a negative number, a unit,
    parentheses, a traceback, a manual Persian answer and a run-level timeout."""
    return StudentResult.from_json({
        "student_id": "s03",
        "student": {"name_fa": "سارا محمدی", "name_en": "Sara Mohammadi"},
        "assignment": "hw3",
        "assignment_title": {"fa": "تمارین یادگیری ژرف، سری سه", "en": "Deep learning, homework 3"},
        "course": {"fa": "یادگیری ژرف", "en": "Deep Learning"},
        "graded_at": "2026-11-25T12:00:00+00:00",
        "total": 61.5, "max_total": 100, "manual_pending": 20, "runtime_s": 612.3,
        "errors": [{
            "kind": "timeout",
            "message": {"fa": "اجرای نوت‌بوک پس از ۶۰۰ ثانیه متوقف شد؛ سلول‌های پس از سلول ۱۴ اجرا نشدند.",
                        "en": "The notebook hit its 600 s time limit; cells after cell 14 did not run."},
            "detail": "CellTimeoutError: A cell timed out while it was being executed, after 600 seconds.",
        }],
        "notices": [{"fa": "نسخهٔ TensorFlow در محیط تصحیح 2.21 است.",
                     "en": "The grading environment runs TensorFlow 2.21."}],
        "questions": [
            _q("q1a", "بهینه‌ساز SGD با تکانه", "SGD with momentum", 8.0, 10, "partial",
               feedback={"fa": "مقدار w1 پس از گام اول باید 0.9 باشد؛ احتمالاً momentum را دو بار اعمال کرده‌اید.",
                         "en": "w1 should be 0.9 after the first step; momentum was probably applied twice."},
               assumptions=[{"fa": "نرخ یادگیری lr = 0.1 و تعداد گام‌ها ۱۰۰ فرض شده است.",
                             "en": "Learning rate lr = 0.1 and 100 steps are assumed."}],
               answer_text=None,
               answers=[
                   _a("q1_sgd", 4, 4, "passed", "[0.91, 0.8, 0.72]", "[0.91, 0.8, 0.72]", check="array",
                      feedback={"fa": "درست است.", "en": "Correct."}),
                   _a("q1_momentum", 4, 6, "partial", "[0.9, 0.81, 0.729]", "[0.8, 0.81, 0.729]",
                      check="array",
                      details=[{"label": "w1", "expected": "0.9", "found": "0.8", "ok": False},
                               {"label": "w2", "expected": "0.81", "found": "0.81", "ok": True},
                               {"label": "w3", "expected": "0.729", "found": "0.729", "ok": True}],
                      feedback={"fa": "دو مقدار از سه مقدار درست است.",
                                "en": "Two of the three values are correct."}),
               ]),
            _q("q1b", "بهینه‌ساز Adam", "Adam optimiser", 10, 10, "passed",
               answers=[_a("q1_adam", 10, 10, "passed", "0.0123", "0.0123")]),
            _q("q2", "شمار پارامترهای لایهٔ Conv1D", "Parameters of a Conv1D layer", 8.5, 10, "partial",
               feedback={"fa": "تعداد پارامترهای لایهٔ Conv1D با ورودی (3,227,227) نباید منفی باشد؛ مقدار شما -1,327,104 است.",
                         "en": "The parameter count of the Conv1D layer with input (3,227,227) cannot be negative; yours is -1,327,104."},
               assumptions=[{"fa": "ورودی با اندازهٔ دستهٔ ۸ و شکل (3, 227, 227) ساخته می‌شود.",
                             "en": "The input is built with batch size 8 and shape (3, 227, 227)."}],
               answers=[
                   _a("q2_out_shape", 3.5, 3.5, "passed", "(8, 64, 225)", "(8, 64, 225)", check="shape"),
                   _a("q2_params", 0, 1.5, "failed", None, "-1327104", secret=True,
                      feedback={"fa": "تعداد پارامترهای لایهٔ Conv1D با ورودی (3,227,227) نباید منفی باشد؛ مقدار شما -1,327,104 است.",
                                "en": "The parameter count of the Conv1D layer with input (3,227,227) cannot be negative; yours is -1,327,104."}),
                   _a("q2_flops", 5, 5, "passed", "2.9e8", "2.9e8"),
               ]),
            _q("q3", "ساخت شبکهٔ AlexNet", "Building AlexNet", 0, 10, "error",
               feedback={"fa": "مدل روی ورودی (8, 3, 227, 227) اجرا نشد.",
                         "en": "The model failed on an input of shape (8, 3, 227, 227)."},
               answers=[_a("q3_model", 0, 10, "error", "(8, 1000)", None, check="shape",
                           error=TRACEBACK)]),
            _q("q4", "حافظهٔ مدل", "Model memory", 10, 10, "passed",
               answers=[_a("q4_mem", 10, 10, "passed", "12.5", "12.48",
                           feedback={"fa": "حافظهٔ مصرفی حدود 12.5 MB است (با خطای مجاز ±0.1 MB).",
                                     "en": "The memory use is about 12.5 MB (tolerance ±0.1 MB)."})]),
            _q("q5", "نقش Dropout در کاهش بیش‌برازش", "How dropout reduces overfitting", 0, 20, "manual",
               answer_text=("به نظر من Dropout با غیرفعال کردن تصادفی نورون‌ها (با احتمال p = 0.5) "
                            "از هم‌وابستگی ویژگی‌ها جلوگیری می‌کند و بیش‌برازش کم می‌شود.\n"
                            "در زمان آزمون، خروجی‌ها در (1 - p) ضرب می‌شوند."),
               answers=[_a(None, 0, 20, "manual", None, None, check="manual")]),
            _q("q6", "تابع هزینهٔ آنتروپی متقاطع", "Cross-entropy loss", 0, 5, "missing",
               answers=[_a("q6_loss", 0, 5, "missing", "0.6931", None,
                           feedback={"fa": "متغیر q6_loss در نوت‌بوک تعریف نشده است.",
                                     "en": "The variable q6_loss is not defined in the notebook."})]),
            _q("q7", "حلقهٔ آموزش", "Training loop", 25, 25, "passed",
               answers=[_a("q7_acc", 25, 25, "passed", "0.97", "0.9712")]),
        ],
        "hashes": {"submission": "3f1c9a0e5b7d", "rubric": "a41d07c2e9f8", "reference": "9b0e55d13c2a"},
    })


META = {
    "assignment": "hw3",
    "title": {"fa": "تمارین یادگیری ژرف، سری سه", "en": "Deep learning, homework 3"},
    "course": {"fa": "یادگیری ژرف", "en": "Deep Learning"},
    "questions": [{"id": q.id, "title": q.title, "max_points": q.max_points} for q in sample_result().questions],
}


def pdf_text(path: Path) -> str:
    """Text of a PDF, without the bidi control marks that poppler puts around RTL runs."""
    if shutil.which("pdftotext"):
        text = subprocess.run(["pdftotext", "-layout", str(path), "-"], check=True,
                              capture_output=True, text=True).stdout
    else:
        text = "\n".join(p.extract_text() for p in PdfReader(path).pages)
    return re.sub("[\u200e\u200f\u202a-\u202e\u2066-\u2069]", "", text)


@pytest.fixture(scope="module")
def student_pdf(tmp_path_factory) -> Path:
    out = tmp_path_factory.mktemp("reports") / "s03.pdf"
    render_student_report(sample_result(), out)
    return out


# --- Persian formatting ---------------------------------------------------------------

def test_persian_digits():
    assert persian_digits("61.5") == "۶۱٫۵"
    assert persian_digits("q1 has 10 points.") == "q۱ has ۱۰ points."
    assert persian_digits("1,327") == "۱,۳۲۷"


def test_jalali_date():
    assert jalali_date(datetime.date(2026, 11, 25)) == "۴ آذر ۱۴۰۵"
    assert jalali_date(datetime.date(2026, 3, 21)) == "۱ فروردین ۱۴۰۵"


@pytest.mark.parametrize("x, text", [(8.0, "8"), (61.5, "61.5"), (1 / 3, "0.33"),
                                     (0.1 + 0.2, "0.3"), (-0.001, "0"), (100, "100")])
def test_fmt_points(x, text):
    assert fmt_points(x) == text


# --- student report -------------------------------------------------------------------

def test_student_pdf_content(student_pdf):
    assert student_pdf.read_bytes().startswith(b"%PDF")
    assert len(PdfReader(student_pdf).pages) >= 1
    text = pdf_text(student_pdf)
    for expected in ("سارا", "محمدی", "Sara Mohammadi", "s03", "61.5", "۱۴۰۵", "آذر",
                     "2026-11-25", "Deep learning, homework 3", "timeout", TRACEBACK_LAST,
                     "پنهان", "hidden"):
        assert expected in text, expected


def test_student_html_marks_up_the_hard_cases():
    html = html_for_student(sample_result())
    assert '<bdi dir="ltr" class="ltr whole">-1,327,104</bdi>' in html
    assert '<bdi dir="ltr" class="ltr whole">(3,227,227)</bdi>' in html
    assert "۴ آذر ۱۴۰۵" in html and "۶۱٫۵ از ۱۰۰" in html
    assert "\x1b[" not in html  # ANSI colours of the traceback are stripped


def test_language_variants(tmp_path):
    en, fa = html_for_student(sample_result(), "en"), html_for_student(sample_result(), "fa")
    assert 'dir="ltr"' in en.split(">", 2)[1] and "Sara Mohammadi" in en
    assert "سارا" not in en and "صفحهٔ" not in en
    assert "Sara Mohammadi" not in fa and "Page " not in fa and "سارا محمدی" in fa
    for lang in ("en", "fa"):
        out = tmp_path / f"{lang}.pdf"
        render_student_report(sample_result(), out, lang=lang)
        assert len(PdfReader(out).pages) >= 1
    with pytest.raises(ValueError):
        html_for_student(sample_result(), "de")


def test_minimal_result_renders():
    """A result file with only the required keys: no names, no errors, nulls everywhere else."""
    result = StudentResult.from_json({"student_id": "s99", "assignment": "hw3", "total": 0, "max_total": 0,
                                      "student": None, "errors": None,
                                      "questions": [{"id": "q1", "title": None, "points": None, "status": None,
                                                     "answers": [{"name": "x", "expected": None, "found": None}]}]})
    html = html_for_student(result)
    assert "s99" in html and "q1" in html


# --- summary --------------------------------------------------------------------------

def three_results() -> list[StudentResult]:
    a = sample_result()
    b = copy.deepcopy(a)
    b.student, b.errors = Student("s01", name_en="Ali Rezaei"), []
    b.questions[0].answers[1].set(6, Status.PASSED, Text())  # q1a: 10 of 10
    b.questions[6].answers[0].set(5, Status.PASSED, Text())  # q6: 5 of 5
    b.questions[5].answers[0].set(16.5, Status.PARTIAL, Text())  # q5 graded: 16.5 of 20
    c = copy.deepcopy(a)
    c.student = Student("s02")
    c.errors = [RunError("invalid_notebook", Text("فایل نوت‌بوک JSON معتبر نیست.", "The notebook is not valid JSON."))]
    c.questions = c.questions[:2]  # 18 points
    return [a, b, c]


def test_summary_statistics():
    rows = {r["id"]: r for r in question_stats(three_results(), META)}
    assert rows["q1a"]["mean"] == pytest.approx(26 / 3)
    assert rows["q1a"]["pass_rate"] == pytest.approx(1 / 3)
    assert rows["q3"]["errors"] == 2 and rows["q3"]["max"] == 0
    assert rows["q7"]["median"] == 25  # s02 lacks q7: counted as 0 points
    assert total_stats(three_results())["median"] == 61.5


def test_summary_pdf(tmp_path):
    out = tmp_path / "summary.pdf"
    render_summary(three_results(), META, out)
    text = pdf_text(out)
    assert text.index("s01") < text.index("s02") < text.index("s03")
    for expected in ("Ali Rezaei", "سارا محمدی", "The notebook is not valid JSON.", "54.83", "61.5"):
        assert expected in text, expected
