"""Turn a student's result into a view model for the templates: every text cut to its budget.

Every string a student controls (values, tracebacks, essays, names, ids, labels, feedback that
quotes them) reaches the templates only through `cut`: WeasyPrint's layout time grows about
quadratically with a paragraph's length, so one 150,000-character exception message took two
minutes to lay out. Each kind of text has its own budget of characters, lines and characters per
line, and a cut text says so, in the report's languages ("… N characters cut").
"""

from __future__ import annotations

import datetime
import re
from dataclasses import dataclass
from typing import Any

from grader.core.result import AnswerResult, Diagnosis, QuestionResult, RunError, Status, StudentResult
from grader.core.text import Text, has_rtl

from .lateness import late_lines
from .persian import jalali_date, persian_digits

_ANSI = re.compile(r"\x1b\[[0-9;?]*[A-Za-z]")
MAX_DETAILS = 40


@dataclass(frozen=True)
class Cap:
    """How much of one kind of text a report shows: characters in all, lines, characters per
    line, and whether the end is kept rather than the start (a traceback's last lines explain it)."""

    chars: int
    lines: int
    line: int
    tail: bool = False


CAPS = {
    "traceback": Cap(4000, 40, 300, tail=True),
    "value": Cap(600, 20, 200),  # an expected or found value
    "cell": Cap(200, 3, 100),  # a value in a table of details
    "essay": Cap(20_000, 300, 5000),  # an answer in words, graded by a person
    "code": Cap(1500, 40, 200),  # a code cell quoted by the similarity section
    "text": Cap(1500, 20, 500),  # feedback, messages and notes (they may quote a value)
    "label": Cap(100, 1, 100),  # names of answers, details' labels, error kinds
    "name": Cap(100, 1, 100),
    "id": Cap(60, 1, 60),
}


def cut_marker(n: int, lang: str) -> list[str]:
    """The notice that `n` characters are not shown, one line per language of the report. The
    Persian one is isolated right to left (U+2067…U+2069) so that it reads right in a left-to-right block."""
    fa = f"\u2067… {persian_digits(str(n))} نویسه حذف شد\u2069"
    en = f"… {n} characters cut"
    return [fa] if lang == "fa" else [en] if lang == "en" else [en, fa]


def cut(text: Any, kind: str, lang: str = "both") -> str | None:
    """``str(text)`` within the budget of its kind (`CAPS`); a text that had to be cut ends (or,
    kept from its end, starts) with `cut_marker`. None stays None (e.g. a secret value)."""
    if text is None:
        return None
    cap = CAPS[kind]
    text = str(text).replace("\r\n", "\n").replace("\r", "\n")
    if cap.lines == 1:
        text = text.replace("\n", " ")
    if len(text) <= min(cap.chars, cap.line) and (cap.lines == 1 or "\n" not in text):
        return text
    lines = text.split("\n")
    if cap.tail:
        lines.reverse()
    kept: list[str] = []
    shown, budget = 0, cap.chars
    for line in lines[:cap.lines]:
        if budget <= 0:
            break
        piece = line[:min(cap.line, budget)]
        shown += len(piece) + (1 if kept else 0)
        budget -= len(piece) + 1
        kept.append(piece + "…" if len(piece) < len(line) and cap.lines > 1 else piece)
    missing = len(text) - shown
    if missing <= 0:
        return text
    marker = cut_marker(missing, lang)
    if cap.lines == 1:
        return " ".join([kept[0], *marker])
    if cap.tail:
        kept.reverse()
        return "\n".join([*marker, *kept])
    return "\n".join([*kept, *marker])


LABELS = {
    "report": Text("کارنامهٔ تمرین", "Assignment report"),
    "summary": Text("گزارش کلی کلاس", "Class summary"),
    "student": Text("دانشجو", "Student"),
    "student_id": Text("شمارهٔ دانشجویی", "Student ID"),
    "date": Text("تاریخ تصحیح", "Graded on"),
    "total": Text("نمرهٔ کل", "Total score"),
    "pending": Text("امتیاز در انتظار تصحیح دستی", "points pending manual grading"),
    "run_errors": Text("نوت‌بوک به‌طور کامل تصحیح نشد", "The notebook could not be fully graded"),
    "notices": Text("نکته‌ها", "Notes"),
    "overview": Text("خلاصهٔ پرسش‌ها", "Questions at a glance"),
    "question": Text("پرسش", "Question"),
    "status": Text("وضعیت", "Status"),
    "points": Text("امتیاز", "Points"),
    "assumptions": Text("فرض‌ها", "Assumptions"),
    "expected": Text("مورد انتظار", "Expected"),
    "found": Text("یافت‌شده", "Found"),
    "hidden": Text("پنهان", "hidden"),
    "item": Text("مورد", "Item"),
    "error_output": Text("خروجی خطا", "Error output"),
    "manual_answer": Text("پاسخ دانشجو", "Student's answer"),
    "manual_note": Text("این پرسش را دستیار آموزشی تصحیح می‌کند.",
                      "To be graded by a teaching assistant."),
    "no_answer": Text("پاسخی یافت نشد.", "No answer was found."),
    "integrity": Text("اطلاعات اجرا", "Run information"),
    "more_details": Text("مورد دیگر", "more items"),
    "diagnosis": Text("اشتباه شناخته‌شده", "Known mistake"),
    "students": Text("دانشجویان", "Students"),
    "name": Text("نام", "Name"),
    "errors": Text("خطاها", "Errors"),
    "mean": Text("میانگین", "Mean"),
    "median": Text("میانه", "Median"),
    "max": Text("بیشترین", "Highest"),
    "out_of": Text("سقف امتیاز", "Out of"),
    "pass_rate": Text("نرخ قبولی", "Pass rate"),
    "histogram": Text("توزیع نمرهٔ کل", "Distribution of total scores"),
    "per_question": Text("آمار پرسش‌ها", "Per-question statistics"),
    "fallback_title": Text("کارنامهٔ ساده", "Plain report"),
    "fallback": Text("کارنامهٔ کامل شما صفحه‌آرایی نشد؛ این نسخهٔ ساده تنها نمره‌ها را نشان می‌دهد."
                   " جزئیات را از دستیار آموزشی بپرسید.",
                   "Your full report could not be laid out; this plain version shows the scores only."
                   " Ask a teaching assistant for the details."),
}


def bi(value: Any) -> Text:
    """A bilingual text (or what `Text.from_json` reads as one), each side cut as "text" with the
    marker in its own language."""
    text = Text.from_json(value)
    return Text(cut(text.fa, "text", "fa"), cut(text.en, "text", "en"))


def parse_date(value: Any) -> datetime.date | None:
    """The calendar date of an ISO timestamp (in its own offset), or None."""
    if isinstance(value, datetime.datetime):
        return value.date()
    if isinstance(value, datetime.date):
        return value
    try:
        return datetime.datetime.fromisoformat(str(value)).date()
    except ValueError:
        return None


def clean_traceback(text: Any, lang: str) -> str | None:
    """Drop ANSI colour codes (Jupyter tracebacks carry them) and keep the last lines."""
    if not text:
        return None
    return cut(_ANSI.sub("", str(text)).rstrip(), "traceback", lang)


def diagnosis_view(value: Diagnosis | None) -> dict | None:
    """A diagnosed mistake ({"mistake", "explain"}, each bilingual), or None where there is none."""
    if value is None:
        return None
    return {"mistake": bi(value.mistake), "explain": bi(value.explain)}


def _answer(a: AnswerResult, lang: str) -> dict:
    shown = a.details[:MAX_DETAILS]
    return {
        "name": cut(a.name, "label", lang),
        "check": cut(a.check, "label", lang),
        "points": a.points,
        "max_points": a.max_points,
        "status": a.status,
        "secret": a.secret,
        "expected": cut(a.expected, "value", lang),
        "found": cut(a.found, "value", lang),
        "feedback": bi(a.feedback),
        "error": clean_traceback(a.error, lang),
        "diagnosis": diagnosis_view(a.diagnosis),
        "details": [
            {"label": cut(d.label, "label", lang), "expected": cut(d.expected, "cell", lang),
             "found": cut(d.found, "cell", lang), "ok": d.ok,
             "note": cut(d.note, "text", lang) if d.note else None,
             "diagnosis": diagnosis_view(d.diagnosis)}
            for d in shown
        ],
        "more_details": max(0, len(a.details) - MAX_DETAILS),
        "diagnoses": _distinct([a.diagnosis, *(d.diagnosis for d in shown)]),
    }


def _distinct(values: list[Diagnosis | None]) -> list[dict]:
    """Each diagnosis once, in order: eight cells wrong by one mistake are explained once."""
    seen, out = set(), []
    for view in filter(None, map(diagnosis_view, values)):
        key = (view["mistake"], view["explain"])
        if key not in seen:
            seen.add(key)
            out.append(view)
    return out


def _question(q: QuestionResult, lang: str) -> dict:
    return {
        "id": cut(q.id, "id", lang),
        "title": bi(q.title),
        "points": q.points,
        "max_points": q.max_points,
        "status": q.status,
        "pending": q.status is Status.PENDING,  # waiting for a person
        "feedback": bi(q.feedback),
        "assumptions": [b for b in map(bi, q.assumptions) if b],
        "answer_text": cut(q.answer_text or None, "essay", lang),
        "answer_text_rtl": has_rtl(q.answer_text or ""),  # the student's text, not the marker
        "answers": [_answer(a, lang) for a in q.answers if not a.by_person],
    }


def error_view(e: RunError, lang: str = "both") -> dict:
    """A run-level error: its kind, bilingual message and (traceback-like) detail."""
    return {"kind": cut(e.kind, "label", lang), "message": bi(e.message), "detail": clean_traceback(e.detail, lang)}


def student_name(result: StudentResult) -> Text:
    """Student name in both scripts; the id stands in for a missing name."""
    fa, en, sid = result.student.name_fa, result.student.name_en, result.student_id
    return Text(cut(fa or en or sid, "name", "fa"), cut(en or sid, "name", "en"))


def student_view(result: StudentResult, lang: str = "both") -> dict:
    """View model of one student's result; cut texts are marked in `lang`."""
    graded = parse_date(result.graded_at)
    total, max_total = result.total, result.max_total
    sid = cut(result.student_id, "id", lang)
    return {
        "student_id": sid,
        "sid": Text(sid, sid),
        "name": student_name(result),
        "assignment": cut(result.assignment, "id", lang),
        "title": bi(result.assignment_title) or Text(en=cut(result.assignment, "id", "en")),
        "course": bi(result.course),
        "date": Text(jalali_date(graded), graded.isoformat()) if graded else Text(),
        "total": total,
        "max_total": max_total,
        "percent": max(0.0, min(100.0, 100 * total / max_total)) if max_total else 0.0,
        "manual_pending": result.pending_points,
        "late": late_lines(result),
        "runtime_s": result.runtime_s,
        "errors": [error_view(e, lang) for e in result.errors],
        "notices": [b for b in map(bi, result.notices) if b],
        "questions": [_question(q, lang) for q in result.questions],
        "hashes": {cut(k, "label", lang): cut(v, "id", lang) for k, v in result.hashes.items() if v},
    }
