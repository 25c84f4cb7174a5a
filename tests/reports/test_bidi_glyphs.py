"""Mixed Persian/English text read off the rendered PDF as a person reads it.

Each paragraph of a corpus taken from the course material (formulas, Keras calls, shapes, signed
numbers, units, Persian quoted inside English, a teaching assistant's Persian comment on an
English line) is set by `set_text`, laid out by the reports' own renderer and stylesheet, and read
back glyph by glyph with its position (pdfminer). A line's glyphs, left to right, must show what a
reader expects: a left-to-right run inside Persian reads left to right and stays whole with its
brackets, a Persian run inside English reads right to left, sentence punctuation stays at the end
of its own sentence, and a Keras call or formula is never split across lines, at any width.

Reading a glyph's character: the PDF maps each glyph to the text it was first drawn for, so the
document opens with every bracket drawn unmirrored; after that a mirrored bracket reads as the
bracket a reader sees. Persian letters come back as base letters (presentation forms are mapped back
with NFKC); spaces and combining marks are left out of the comparison (their positions overlap their
neighbours'), and marks are checked on their own.
"""

from __future__ import annotations

import io
import re
import unicodedata
from dataclasses import dataclass
from functools import cache

import pytest
from pdfminer.high_level import extract_pages
from pdfminer.layout import LTChar

from grader.core.result import StudentResult
from grader.outputs.reports import render_student_report
from grader.outputs.reports.bidi import WHOLE_MAX, set_text
from grader.outputs.reports.render import _pdf

BRACKETS = "()[]{}«»"
WIDE_MM = 520  # one line for every paragraph: past the page edge, where the PDF still holds the glyphs
NARROW_MM = (30, 46, 62, 78)  # a run would straddle a line end at one width or another

# (text, the paragraph's direction, its opposite-direction runs in order). A run of a left-to-right
# paragraph may be (run, [its own left-to-right runs]) when the Persian run holds a signed number.
CORPUS: list[tuple[str, str, list]] = [
    # hw4, page 2: a teaching assistant's Persian comment made the English line read ".4 ... 3 of"
    ("Scored by a teaching assistant: 3 of 4. توضیح درباره نرمال‌سازی دسته کامل نیست", "ltr",
     ["توضیح درباره نرمال‌سازی دسته کامل نیست"]),
    ("Scored by a teaching assistant: 2.5 of 4. (+1) ترتیب لایه‌ها (-0.5) اشکال دارد.", "ltr",
     [("ترتیب لایه‌ها (-0.5) اشکال دارد", ["(-0.5)"])]),
    ("Scored by a teaching assistant: 3 of 4. توضیح درباره x̂ و ε کامل نیست؛ مقدار 1e-5 را بگویید.", "ltr",
     [("توضیح درباره x̂ و ε کامل نیست؛ مقدار 1e-5 را بگویید", ["x̂", "ε", "1e-5"])]),
    ("Scored: 3 of 4. پاسخ درست است ولی Dense(5, softmax) را توضیح نداده‌اید.", "ltr",
     [("پاسخ درست است ولی Dense(5, softmax) را توضیح نداده‌اید", ["Dense(5, softmax)"])]),
    ("Use «الف» or «ب» here.", "ltr", ["الف", "ب"]),
    # hw11: (part "ب"). became .("ب") ... (part
    ('The question is reconstructed from the student\'s answer (part "ب").', "ltr", ["ب"]),
    ("The answer «درست است» was given twice.", "ltr", ["درست است"]),
    # hw5v: Conv2D(16, 3×3) with a mirrored parenthesis
    ("صورت پرسش در دست نیست و از روی پاسخ دانشجو بازسازی شده است: مدل اول Conv2D(16, 3×3) روی ورودی "
     "۳ کاناله و سپس Conv2D(32, 3×3) است؛ در مدل دوم لایه دوم LocallyConnected2D(32, 3×3) است.", "rtl",
     ["Conv2D(16, 3×3)", "Conv2D(32, 3×3)", "LocallyConnected2D(32, 3×3)"]),
    # hw5: Dense(5, softmax) split as ".softmax)"; a Persian list of Keras layers
    ("ورودی ۳۲×۳۲×۳، Conv2D(32, 4×4, relu)، MaxPooling2D(2×2)، Flatten، Dense(256, relu)، Dense(5, softmax).",
     "rtl", ["۳۲×۳۲×۳", "Conv2D(32, 4×4, relu)", "MaxPooling2D(2×2)", "Flatten", "Dense(256, relu)",
             "Dense(5, softmax)"]),
    ("لایهٔ آخر Dense(5, softmax) است.", "rtl", ["Dense(5, softmax)"]),
    # formulas (hw4's epsilon answer, hw5v's receptive field, hw3's shapes)
    ("x̂ = (x − μ)/√(σ² + ε): جلوگیری از تقسیم بر صفر وقتی واریانس صفر است", "rtl", ["x̂ = (x − μ)/√(σ² + ε)"]),
    ("میدان دید r = 1 + (3 − 1) + (3 − 1) = 5 است.", "rtl", ["r = 1 + (3 − 1) + (3 − 1) = 5"]),
    ("ورودی شبکه (3, 227, 227) است و تعداد پارامترها -1,327,104 شد.", "rtl", ["(3, 227, 227)", "-1,327,104"]),
    ("نرخ یادگیری lr = 0.1 و تعداد گام‌ها ۱۰۰ فرض شده است.", "rtl", ["lr = 0.1"]),
    ("حافظهٔ مصرفی حدود 12.5 MB است (با خطای مجاز ±0.1 MB).", "rtl", ["12.5 MB", "±0.1 MB"]),
    ("مقدار ? در view(-1, ?) برای تصویرهای ۲۸×۲۸ از MNIST.", "rtl", ["view(-1, ?)", "۲۸×۲۸", "MNIST"]),
    ("فیلترهای کوچک‌تر مانند 3×3 جزئیات ریز را ثبت می‌کنند.", "rtl", ["3×3"]),
    ("این دیتاست شامل 70,000 تصویر دست‌نوشته از ارقام 0 تا 9 است.", "rtl", ["70,000", "0", "9"]),
    ("ورودی (نه (3, 224, 224)) درست نیست", "rtl", ["(3, 224, 224)"]),
    ("بهینه‌ساز (مثلاً Adam) را با β = 0.9 به کار ببرید.", "rtl", ["Adam", "β = 0.9"]),
    # Latin words between Persian words, left in the Persian text's flow without boxes (bidi._bare_word)
    ("با SGD و Adam و «RMSprop» یک گام از مدل AlexNet را روی IRIS آموزش دهید.", "rtl",
     ["SGD", "Adam", "RMSprop", "AlexNet", "IRIS"]),
    ("بررسی کنید “Batch Normalization” در داده‌های آزمایشی چگونه به کار می‌رود.", "rtl",
     ["“Batch Normalization”"]),
    ("مقدار -۱۲ در ۴ آذر ۱۴۰۵ ثبت شد.", "rtl", ["-۱۲"]),
    # hw11, a student's answer: the full stop of one sentence must not lead the next one's English word
    ("stop_word ها از میان آنها حذف شدند. Stop_word ها در واقع کلماتی هستند که معنا ندارند.", "rtl",
     ["stop_word", "Stop_word"]),
    ("Dropout یک روش رگولاریزیشن است که در جلوگیری از بیش‌برازش (overfitting) موثر است.", "auto",
     ["Dropout", "overfitting"]),
    ("The model failed on an input of shape (8, 3, 227, 227).", "ltr", []),
]


@dataclass(frozen=True)
class Glyph:
    text: str
    x0: float
    x1: float
    baseline: float  # in PDF units from the bottom of the page
    font: str


def _paragraph(text: str, direction: str, width_mm: float) -> str:
    p = set_text(text, direction)
    return (f'<div class="{p.lang}" dir="{p.dir}" style="width: {width_mm}mm; font-size: 12pt; '
            f'break-before: page">{p}</div>')


def _calibration() -> str:
    """Every bracket drawn unmirrored first, in both script classes, so each glyph reads as itself."""
    return "".join(f'<div class="{c}" dir="ltr">{BRACKETS}</div>' for c in ("en", "fa", "ltr"))


def render_pages(paragraphs: list[str]) -> list[list[Glyph]]:
    """Each paragraph on a page of its own, through the reports' renderer and stylesheet: its glyphs."""
    html = f"<html dir='rtl' lang='fa'><body>{_calibration()}{''.join(paragraphs)}</body></html>"
    return [list(_glyphs(page)) for page in extract_pages(io.BytesIO(_pdf(html)))][1:]


def _glyphs(layout):
    if isinstance(layout, LTChar):
        yield Glyph(layout.get_text(), layout.x0, layout.x1, layout.matrix[5], layout.fontname)
    elif hasattr(layout, "__iter__"):
        for child in layout:
            yield from _glyphs(child)


def lines(glyphs: list[Glyph]) -> list[list[Glyph]]:
    """Glyphs grouped into lines, top to bottom, each left to right."""
    out: list[list[Glyph]] = []
    for g in sorted(glyphs, key=lambda g: -g.baseline):
        if out and abs(out[-1][0].baseline - g.baseline) < 3:
            out[-1].append(g)
        else:
            out.append([g])
    return [sorted(line, key=lambda g: g.x0) for line in out]


def _skipped(char: str) -> bool:
    return char.isspace() or unicodedata.category(char) in ("Mn", "Cf")


def norm(text: str) -> str:
    """Text as compared: presentation forms as base letters, no spaces, joiners or combining marks."""
    text = "".join(unicodedata.normalize("NFKC", c) if "\ufb50" <= c <= "\ufeff" else c for c in text)
    return "".join(c for c in text if not _skipped(c))


def visual(line: list[Glyph]) -> str:
    """A line as a reader sees it, left to right; a Persian ligature (لا) holds its letters in
    reading order, so it is turned around like the rest of its run."""
    return norm("".join(g.text[::-1] if len(g.text) > 1 and set_text(g.text).dir == "rtl" else g.text
                        for g in line))


_MIRROR = str.maketrans(BRACKETS, ")(][}{»«")
_NUMBER = re.compile(r"[0-9۰-۹٠-٩](?:[0-9۰-۹٠-٩٫٬.,]*[0-9۰-۹٠-٩])?")


def drawn_rtl(text: str) -> str:
    """A right-to-left stretch as drawn left to right: turned around, brackets mirrored, each number
    still left to right."""
    return _NUMBER.sub(lambda m: m.group()[::-1], text[::-1].translate(_MIRROR))


def expected_visual(text: str, direction: str, runs: list) -> str:
    """How `text` must look, left to right, with `runs` isolated in the opposite direction."""
    segments, pos = [], 0
    for run in runs:
        body, inner = (run, []) if isinstance(run, str) else run
        at = text.index(body, pos)
        segments += [text[pos:at], (body, inner)]
        pos = at + len(body)
    segments.append(text[pos:])
    if direction == "rtl":
        return norm("".join(s[0] if isinstance(s, tuple) else drawn_rtl(s) for s in reversed(segments)))
    return norm("".join(expected_visual(s[0], "rtl", s[1]) if isinstance(s, tuple) else s for s in segments))


def _direction(text: str, direction: str) -> str:
    return set_text(text, direction).dir


@cache
def corpus_pages() -> tuple[list[list[Glyph]], ...]:
    paragraphs = [_paragraph(t, d, w) for t, d, _ in CORPUS for w in (WIDE_MM, *NARROW_MM)]
    return tuple(render_pages(paragraphs))


def _pages_of(case: int) -> list[list[Glyph]]:
    per = 1 + len(NARROW_MM)
    return list(corpus_pages()[case * per:(case + 1) * per])


@pytest.mark.parametrize("case", range(len(CORPUS)), ids=[t[:40] for t, _, _ in CORPUS])
def test_a_line_reads_as_a_person_reads_it(case):
    """At full width each paragraph is one line, and that line, left to right, is exactly the
    paragraph with its Persian stretches turned around and its isolated runs kept in their order."""
    text, direction, runs = CORPUS[case]
    wide = lines(_pages_of(case)[0])
    assert len(wide) == 1, [visual(line) for line in wide]
    assert visual(wide[0]) == expected_visual(text, _direction(text, direction), runs)


@pytest.mark.parametrize("case", range(len(CORPUS)), ids=[t[:40] for t, _, _ in CORPUS])
def test_a_run_is_never_split_across_lines(case):
    """At every narrow width, each short run (a Keras call, a formula, a shape, a Persian comment's
    number) sits whole on one line, with the sentence's full stop beside it when one follows."""
    text, direction, runs = CORPUS[case]
    paragraph_dir = _direction(text, direction)
    for width, page in zip(NARROW_MM, _pages_of(case)[1:], strict=True):
        seen = [visual(line) for line in lines(page)]
        for run in runs:
            body, inner = (run, []) if isinstance(run, str) else run
            for piece in ([body] if paragraph_dir == "rtl" else inner):
                if len(piece) > WHOLE_MAX:
                    continue
                shown = norm(piece)
                assert any(shown in line for line in seen), (width, piece, seen)
                if text[text.index(piece) + len(piece):].startswith(".") and paragraph_dir == "rtl":
                    assert any("." + shown in line for line in seen), (width, piece, seen)


def test_combining_marks_are_drawn_over_their_letter_with_its_font():
    """x̂ (x and U+0302) inside Persian, inside English and in a student's essay: the circumflex is
    drawn by the letter's font over the letter, not as a dotted circle beside it."""
    texts = [("مقدار x̂ را حساب کنید", "rtl"), ("The estimate x̂ is normalised", "ltr"),
             ("در نرمال‌سازی x̂ = (x − μ)/σ است", "auto")]
    for page in render_pages([_paragraph(t, d, WIDE_MM) for t, d in texts]):
        marks = [i for i, g in enumerate(page) if g.text == "\u0302"]
        assert len(marks) == 1, [g.text for g in page]
        mark = page[marks[0]]
        base = next(g for g in page if g.text == "x")  # the first x is the mark's
        assert base.font == mark.font and "Arabic" not in mark.font
        assert base.x0 <= mark.x0 <= base.x1  # over the letter, no advance of its own
        assert "\u25cc" not in "".join(g.text for g in page)


def test_bidi_controls_in_student_text_do_not_reorder_the_line():
    """An RLO, RLE or RLI a student typed would turn the text after it around; on the page the
    words still read in their order."""
    hostile = [("answer \u202eevil text\u202c here", "ltr", "answereviltexthere"),
               ("پاسخ \u202eDense(5)\u202c است", "rtl", None),
               ("x \u2067abc\u2069 \u202bdef\u202c y", "auto", "xabcdefy")]
    for (text, direction, shown), page in zip(hostile, render_pages([_paragraph(t, d, WIDE_MM) for t, d, _ in hostile]),
                                              strict=True):
        line = visual(lines(page)[0])
        if shown is None:
            shown = expected_visual("پاسخ Dense(5) است", "rtl", ["Dense(5)"])
        assert line == shown, (text, line)


def test_a_report_sets_each_language_line_in_its_own_direction(tmp_path):
    """Through the whole report (view, templates, stylesheet): the English line of a teaching
    assistant's score reads from the left, and quoted Persian stays inside its brackets."""
    comment = "توضیح درباره نرمال‌سازی دسته کامل نیست"
    result = StudentResult.from_json({
        "student_id": "s-bidi", "assignment": "hw4", "total": 3, "max_total": 12,
        "questions": [{
            "id": "q6", "title": {"fa": "نرمال‌سازی دسته", "en": "Batch normalization"},
            "points": 3, "max_points": 12, "status": "partial",
            "answers": [{
                "name": "q6_eps", "check": "scalar", "points": 3, "max_points": 10, "status": "partial",
                "expected": "1e-05", "found": "0.001",
                "feedback": {"fa": f"نمره دستیار آموزشی: ۳ از ۱۰. {comment}",
                             "en": f"Scored by a teaching assistant: 3 of 10. {comment}"},
            }, {
                "name": "q6_params", "check": "scalar", "points": 0, "max_points": 2, "status": "failed",
                "expected": "128", "found": "64",
                "feedback": {"fa": "پرسش از روی پاسخ دانشجو بازسازی شده است (بخش «ب»).",
                             "en": 'The question is reconstructed from the student\'s answer (part "ب").'},
            }],
        }],
    })
    pdf = tmp_path / "report.pdf"
    render_student_report(result, pdf)
    shown = [visual(line) for page in extract_pages(str(pdf)) for line in lines(list(_glyphs(page)))]
    scored = [line for line in shown if "Scoredbyateachingassistant" in line]
    assert scored and all(line.startswith("Scoredbyateachingassistant:3of10.") for line in scored), scored
    part = [line for line in shown if "reconstructedfromthestudent" in line]
    # brackets read back by their glyphs, which a mirrored bracket elsewhere on the page may share
    assert part and all(re.sub("[()]", "|", line).endswith('|part"ب"|.') for line in part), part
