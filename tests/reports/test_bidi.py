"""`set_text`: which runs of mixed Persian/English text are isolated, in which direction, and what a
student's text cannot do to it. How the isolated runs come out on the page: test_bidi_glyphs.py."""

from __future__ import annotations

import re
import time

import pytest

from grader.core.text import Text
from grader.outputs.reports.bidi import MAX_ISOLATED, WHOLE_MAX, direction_of, set_text, sides
from grader.outputs.reports.view import cut

_TAG = re.compile(r'<bdi dir="(ltr|rtl)" class="[^"]*">|</bdi>')


def runs(text: str, direction: str) -> list[tuple[str, str]]:
    """The outermost isolated runs of `text` set in `direction`: (direction, plain text)."""
    html, found, depth, start, opened = str(set_text(text, direction)), [], 0, 0, ""
    for tag in _TAG.finditer(html):
        if tag.group(1):
            if depth == 0:
                start, opened = tag.end(), tag.group(1)
            depth += 1
        else:
            depth -= 1
            if depth == 0:
                found.append((opened, plain(html[start:tag.start()])))
    return found


def plain(html: str) -> str:
    return re.sub("<[^>]+>", "", html).replace("&lt;", "<").replace("&gt;", ">").replace(
        "&amp;", "&").replace("&#34;", '"').replace("&#39;", "'")


@pytest.mark.parametrize("text, isolated", [
    ("در لایهٔ Conv1D با lr = 0.1 آموزش دهید.", ["Conv1D", "lr = 0.1"]),
    ("ورودی (3,227,227) است و خروجی -1,327,104 شد.", ["(3,227,227)", "-1,327,104"]),
    ("شکل (نه (3, 224, 224)) درست نیست", ["(3, 224, 224)"]),
    ("بهینه‌ساز (مثلاً Adam) را", []),  # the brackets hold Persian too: they stay Persian; Adam needs no box
    ("حافظه 12.5 MB است.", ["12.5 MB"]),  # the full stop ends the Persian sentence
    ("مقدار α = 0.01، و سپس", ["α = 0.01"]),  # the Persian comma is not part of the formula
    ("سلام - خداحافظ.", []),
    ("مقدار -۱۲ در ۴ آذر ۱۴۰۵", ["-۱۲"]),  # a bare Persian number stays in the flow, a signed one does not
    ("تصویرهای (N, 1, 28, 28) با مقدار", ["(N, 1, 28, 28)"]),  # "28)" closes the tuple, it is no list marker
    ("حافظه کمتر 2. جلوگیری از Overfitting 3. کاهش پیچیدگی", ["Overfitting"]),  # list numbers stay Persian
    ("تا ۱۲… و Dropout… است", []),
    # a word of Latin letters between Persian words reads right without a box (bidi._bare_word)...
    ("با SGD و Adam آموزش دهید.", []),
    # ...but not beside another Latin word or a digit (one left-to-right run would swap them), nor
    # at either end of the text, nor before a list number
    ("لایه‌های Flatten، Dense و", ["Flatten", "Dense"]),
    ("مقدار Adam، ۱۲ است", ["Adam"]),
    ("مقدار ۱۲، Adam است", ["Adam"]),
    ("Adam بهتر از SGD", ["Adam", "SGD"]),
    ("نوع x.dtype است", ["x.dtype"]),
    ("حذف شدند. Stop_word ها و فایل .ipynb و مقدار .5 را", ["Stop_word", ".ipynb", ".5"]),  # hw11: a full stop ends the sentence
    # course material: a Persian list of Keras layers is one run per layer, never one backwards run
    ("ورودی ۳۲×۳۲×۳، Conv2D(32, 4×4, relu)، MaxPooling2D(2×2)، Flatten، Dense(5, softmax).",
     ["۳۲×۳۲×۳", "Conv2D(32, 4×4, relu)", "MaxPooling2D(2×2)", "Flatten", "Dense(5, softmax)"]),
    ("مدل اول Conv2D(16, 3×3) روی ورودی ۳ کاناله است", ["Conv2D(16, 3×3)"]),
    ("x̂ = (x − μ)/√(σ² + ε): جلوگیری از تقسیم بر صفر", ["x̂ = (x − μ)/√(σ² + ε)"]),
    ("بررسی کنید “Batch Normalization” در داده های آزمایشی", ["“Batch Normalization”"]),
    ("برای تصویرهای ۲۸×۲۸ MNIST و view(-1, ?) مقدار", ["۲۸×۲۸ MNIST", "view(-1, ?)"]),
])
def test_ltr_runs_inside_persian_text(text, isolated):
    assert runs(text, "rtl") == [("ltr", r) for r in isolated]
    assert plain(str(set_text(text, "rtl"))) == text  # nothing lost, nothing added


@pytest.mark.parametrize("text, isolated", [
    ('The question is reconstructed from the student\'s answer (part "ب").', ["ب"]),  # quotes, bracket, stop: English
    ("Scored by a teaching assistant: 3 of 4. پاسخ خوبی است", ["پاسخ خوبی است"]),
    ("… 5000 characters cut\n… ۵۰۰۰ نویسه حذف شد", ["۵۰۰۰ نویسه حذف شد"]),  # a Persian number leads its words
    ("The answer «درست» was", ["درست"]),
    ("Layer 3 نمره 2 of x", ["نمره 2"]),  # a number after Persian words reads with them
    # hw4: a TA's Persian comment with terms in it reads as one clause, its terms isolated inside it
    ("Scored by a teaching assistant: 3 of 4. توضیح درباره x̂ و ε کامل نیست؛ مقدار 1e-5 را بگویید.",
     ["توضیح درباره x̂ و ε کامل نیست؛ مقدار 1e-5 را بگویید"]),
    ("Scored: 3 of 4. پاسخ درست است ولی Dense(5, softmax) را توضیح نداده‌اید.",
     ["پاسخ درست است ولی Dense(5, softmax) را توضیح نداده‌اید"]),
    ("Use «الف» or «ب» here", ["الف", "ب"]),  # two quoted words of the English sentence
    ("The model (مدل) uses Adam (آدام)", ["مدل", "آدام"]),
    ("First نظر اول. Then a sentence. نظر دوم", ["نظر اول", "نظر دوم"]),
])
def test_rtl_runs_inside_english_text(text, isolated):
    assert runs(text, "ltr") == [("rtl", r) for r in isolated]
    assert plain(str(set_text(text, "ltr"))) == text


def test_a_persian_run_inside_english_isolates_its_own_signed_numbers():
    html = str(set_text("Scored by a teaching assistant: 3 of 4. (+1) ترتیب لایه‌ها (-0.5) اشکال دارد", "ltr"))
    inner = re.search(r'<bdi dir="rtl" class="fa">(.*)</bdi>', html).group(1)
    assert inner.startswith("ترتیب")  # "(+1)" before the Persian belongs to the English line
    assert '<bdi dir="ltr" class="ltr whole">(-0.5)</bdi>' in inner  # the minus stays on the left


def test_combining_marks_stay_with_their_letter():
    assert runs("مقدار x̂ را", "rtl") == [("ltr", "x̂")]  # one box, one font: no dotted circle
    assert runs("لایهٔ Dense", "rtl") == [("ltr", "Dense")]  # the hamza above is the Persian word's
    assert runs("Use لایهٔ here", "ltr") == [("rtl", "لایهٔ")]


def test_short_runs_never_break_and_long_ones_only_between_their_parts():
    short = "Dense(5, softmax)"
    assert f'class="ltr whole">{short}</bdi>' in str(set_text(f"لایهٔ {short} است.", "rtl"))
    long = "Conv2D(16, 3×3) then MaxPooling2D(2×2) then Dense(5, softmax)"
    assert len(long) > WHOLE_MAX
    html = str(set_text(f"مدل {long} است", "rtl"))
    assert '<bdi dir="ltr" class="ltr">Conv2D(16,\u00a03×3) then MaxPooling2D(2×2) then Dense(5,\u00a0softmax)</bdi>' in html


@pytest.mark.parametrize("text, direction", [
    ("Dropout یک روش رگولاریزیشن است که در جلوگیری از بیش‌برازش موثر است.", "rtl"),  # opens with English
    ("Use Adam (آدام) with lr = 0.1", "ltr"),
    ("ab سل", "ltr"),  # a tie: the first strong character
    ("12.5", "ltr"),
    ("", "ltr"),
    ("\nسلام", "rtl"),
])
def test_auto_direction_is_that_of_most_letters_of_the_first_line(text, direction):
    assert direction_of(text) == direction
    assert set_text(text).dir == direction


def test_a_bilingual_text_sets_each_side_in_its_language():
    pair = Text("پاسخ (بخش «ب») بازسازی شده است.", 'The answer is reconstructed (part "ب").')
    fa, en = sides(pair, "both")
    assert (fa.dir, fa.lang, en.dir, en.lang) == ("rtl", "fa", "ltr", "en")  # not "rtl" for its Persian letter
    assert [p.dir for p in sides(Text(en="Sara"), "fa")] == ["ltr"]  # borrowed: still English
    assert [p.dir for p in sides(Text("سارا", "سارا"), "both")] == ["rtl"]  # the same on both sides: by its script


def test_text_is_escaped_and_kept():
    html = str(set_text("اگر a<b & c باشد <script>", "rtl"))
    assert "a&lt;b &amp; c" in html and "<script>" not in html
    assert plain(html) == "اگر a<b & c باشد <script>"


# --- hostile text -------------------------------------------------------------------------------

BIDI_CONTROLS = "\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069\u200e\u200f\u061c"


@pytest.mark.parametrize("direction", ["rtl", "ltr", "auto"])
def test_bidi_controls_in_student_text_are_dropped(direction):
    """An override (RLO), an embedding or an isolate a student typed would reorder the text after
    it inside its box; none survives, and Persian keeps its zero-width non-joiner."""
    text = f"نام\u202eevil\u202c می‌شود \u2067Dense(5)\u2069 {BIDI_CONTROLS} end"
    html = str(set_text(text, direction))
    assert not set(html) & set(BIDI_CONTROLS)
    assert "\u200c" in html  # ZWNJ of می‌شود
    assert plain(html) == text.translate(dict.fromkeys(map(ord, BIDI_CONTROLS)))


def test_a_control_cannot_hide_a_run_from_isolation():
    """RLO before a Latin run must not keep it out of its box (it is dropped first)."""
    assert runs("مقدار \u202e-1,327,104\u202c است", "rtl") == [("ltr", "-1,327,104")]


def test_closing_boxes_cannot_be_injected():
    html = str(set_text('</bdi><bdi dir="rtl"> ب', "ltr"))
    assert html.count("<bdi") == html.count("</bdi>") == 1


@pytest.mark.parametrize("direction", ["rtl", "ltr"])
def test_the_boxes_of_one_text_are_bounded(direction):
    html = str(set_text("ب a 1. " * 1000 if direction == "rtl" else "a ب (-1) " * 1000, direction))
    assert html.count("<bdi") == MAX_ISOLATED  # nested boxes draw on the same budget
    assert html.count("<bdi") == html.count("</bdi>")


def test_long_hostile_text_is_set_quickly():
    """A guard against quadratic work on hostile text, not a speed target: quadratic on 20,000
    brackets takes minutes, linear work milliseconds, so a loaded machine's few seconds pass."""
    texts = ["ب" + "(" * 20_000, "a ب " * 10_000, "ب x̂ " * 10_000, "(" * 5000 + "ب" + ")" * 5000, "ب " + "-" * 40_000 + " a"]
    for direction in ("rtl", "ltr"):
        for text in texts:
            start = time.perf_counter()
            set_text(text, direction)
            assert time.perf_counter() - start < 10.0, (direction, text[:20])


def test_cut_markers_read_right_inside_either_direction():
    text = cut("پاسخ " * 2000, "essay")
    html = str(set_text(text, "rtl"))
    assert '<bdi dir="ltr" class="ltr whole">… 5000 characters cut</bdi>' in html  # the ellipsis leads, on the left
    assert "… ۵۰۰۰ نویسه حذف شد" in plain(html)  # the Persian marker is Persian text of the paragraph
    english = str(set_text(cut("answer " * 3000, "essay"), "ltr"))
    assert re.search('<bdi dir="rtl" class="fa">[۰-۹]+ نویسه حذف شد</bdi>$', english)


def test_no_bidi_control_a_student_typed_reaches_a_report():
    """Every place a report shows student-made text (name, value, traceback, essay, feedback that
    quotes a value, a table cell and its note, a run error) sets it through `set_text`."""
    from grader.core.result import StudentResult
    from grader.outputs.reports import html_for_student

    evil = f"x{BIDI_CONTROLS}y"
    result = StudentResult.from_json({
        "student_id": "s-evil", "assignment": "hw3", "total": 0, "max_total": 20,
        "student": {"name_fa": f"سارا {evil}", "name_en": f"Sara {evil}"},
        "notices": [{"fa": f"نکته {evil}", "en": f"note {evil}"}],
        "errors": [{"kind": "timeout", "message": {"fa": f"خطا {evil}", "en": f"error {evil}"}, "detail": evil}],
        "questions": [{
            "id": "q1", "title": {"fa": "پرسش", "en": "Question"}, "points": 0, "max_points": 20,
            "status": "failed", "answer_text": f"پاسخ {evil}",
            "answers": [{"name": "q1_value", "check": "table", "points": 0, "max_points": 10, "status": "failed",
                         "expected": "[1, 2]", "found": evil, "error": f"Traceback\nValueError: {evil}",
                         "feedback": {"fa": f"مقدار {evil} درست نیست.", "en": f"The value {evil} is wrong."},
                         "details": [{"label": "cell 1", "expected": "1", "found": evil, "ok": False,
                                      "note": f"reads as {evil}"}]},
                        {"name": None, "check": "manual", "points": 0, "max_points": 10, "status": "failed",
                         "by_person": True, "feedback": {"fa": f"نمره {evil}", "en": f"Scored {evil}"}}],
        }],
    })
    for lang in ("both", "fa", "en"):
        body = html_for_student(result, lang).split("<body>", 1)[1]
        assert "xy" in body  # the poisoned texts are shown...
        assert not set(body) & set(BIDI_CONTROLS), lang  # ...without their controls
