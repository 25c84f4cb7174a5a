"""Turn a grader result dict (any key but a few may be missing) into a tidy view model,
so the templates never have to guard against absent or null values.

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

from .bidi import has_rtl
from .persian import jalali_date, persian_digits

LANGS = ("both", "fa", "en")
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


@dataclass(frozen=True)
class Bi:
    """A Persian/English text pair; either side may be empty."""

    fa: str = ""
    en: str = ""

    def __bool__(self) -> bool:
        return bool(self.fa or self.en)

    def texts(self, lang: str) -> list[str]:
        """The texts to show for ``lang``; a missing side falls back to the other one."""
        if lang == "fa":
            return [t for t in (self.fa or self.en,) if t]
        if lang == "en":
            return [t for t in (self.en or self.fa,) if t]
        return [t for t in dict.fromkeys((self.fa, self.en)) if t]

    def side(self, which: str, lang: str) -> str:
        """Text for the Persian ("fa") or English ("en") column of a side-by-side layout;
        borrows the other language only when that column is the only one shown."""
        own, other = (self.fa, self.en) if which == "fa" else (self.en, self.fa)
        return own or (other if lang == which else "")


STATUS = {
    "passed": Bi("قبول", "passed"),
    "partial": Bi("نسبی", "partial"),
    "failed": Bi("نادرست", "failed"),
    "error": Bi("خطا", "error"),
    "missing": Bi("بی‌پاسخ", "missing"),
    "manual": Bi("تصحیح دستی", "manual"),
    "internal_error": Bi("خطای سامانه", "grader fault"),
}

LABELS = {
    "report": Bi("کارنامهٔ تمرین", "Assignment report"),
    "summary": Bi("گزارش کلی کلاس", "Class summary"),
    "student": Bi("دانشجو", "Student"),
    "student_id": Bi("شمارهٔ دانشجویی", "Student ID"),
    "date": Bi("تاریخ تصحیح", "Graded on"),
    "total": Bi("نمرهٔ کل", "Total score"),
    "pending": Bi("امتیاز در انتظار تصحیح دستی", "points pending manual grading"),
    "run_errors": Bi("نوت‌بوک به‌طور کامل تصحیح نشد", "The notebook could not be fully graded"),
    "notices": Bi("نکته‌ها", "Notes"),
    "overview": Bi("خلاصهٔ پرسش‌ها", "Questions at a glance"),
    "question": Bi("پرسش", "Question"),
    "status": Bi("وضعیت", "Status"),
    "points": Bi("امتیاز", "Points"),
    "assumptions": Bi("فرض‌ها", "Assumptions"),
    "expected": Bi("مورد انتظار", "Expected"),
    "found": Bi("یافت‌شده", "Found"),
    "hidden": Bi("پنهان", "hidden"),
    "item": Bi("مورد", "Item"),
    "error_output": Bi("خروجی خطا", "Error output"),
    "manual_answer": Bi("پاسخ دانشجو", "Student's answer"),
    "manual_note": Bi("این پرسش را دستیار آموزشی تصحیح می‌کند.",
                      "To be graded by a teaching assistant."),
    "no_answer": Bi("پاسخی یافت نشد.", "No answer was found."),
    "integrity": Bi("اطلاعات اجرا", "Run information"),
    "more_details": Bi("مورد دیگر", "more items"),
    "diagnosis": Bi("اشتباه شناخته‌شده", "Known mistake"),
    "students": Bi("دانشجویان", "Students"),
    "name": Bi("نام", "Name"),
    "errors": Bi("خطاها", "Errors"),
    "mean": Bi("میانگین", "Mean"),
    "median": Bi("میانه", "Median"),
    "max": Bi("بیشترین", "Highest"),
    "out_of": Bi("سقف امتیاز", "Out of"),
    "pass_rate": Bi("نرخ قبولی", "Pass rate"),
    "histogram": Bi("توزیع نمرهٔ کل", "Distribution of total scores"),
    "per_question": Bi("آمار پرسش‌ها", "Per-question statistics"),
    "fallback_title": Bi("کارنامهٔ ساده", "Plain report"),
    "fallback": Bi("کارنامهٔ کامل شما صفحه‌آرایی نشد؛ این نسخهٔ ساده تنها نمره‌ها را نشان می‌دهد."
                   " جزئیات را از دستیار آموزشی بپرسید.",
                   "Your full report could not be laid out; this plain version shows the scores only."
                   " Ask a teaching assistant for the details."),
}


def bi(value: Any) -> Bi:
    """Accept {"fa", "en"} dicts, plain strings (side chosen by script) or None; each side cut
    as "text" with the marker in its own language."""
    if isinstance(value, dict):
        return Bi(cut(value.get("fa") or "", "text", "fa"), cut(value.get("en") or "", "text", "en"))
    if value in (None, ""):
        return Bi()
    text = str(value)
    return Bi(fa=cut(text, "text", "fa")) if has_rtl(text) else Bi(en=cut(text, "text", "en"))


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


def diagnosis_view(value: Any) -> dict | None:
    """A diagnosed mistake ({"mistake", "explain"}, each bilingual), or None where there is none."""
    if not isinstance(value, dict) or not (bi(value.get("mistake")) or bi(value.get("explain"))):
        return None
    return {"mistake": bi(value.get("mistake")), "explain": bi(value.get("explain"))}


def _answer(a: dict, lang: str) -> dict:
    details = [d for d in (a.get("details") or []) if isinstance(d, dict)]
    return {
        "name": cut(a.get("name") or "", "label", lang),
        "check": cut(a.get("check"), "label", lang),
        "points": a.get("points"),
        "max_points": a.get("max_points"),
        "status": cut(a.get("status") or "missing", "label", lang),
        "secret": bool(a.get("secret")),
        "expected": cut(a.get("expected"), "value", lang),
        "found": cut(a.get("found"), "value", lang),
        "feedback": bi(a.get("feedback")),
        "error": clean_traceback(a.get("error"), lang),
        "diagnosis": diagnosis_view(a.get("diagnosis")),
        "details": [
            {"label": cut(d.get("label") or "", "label", lang), "expected": cut(d.get("expected"), "cell", lang),
             "found": cut(d.get("found"), "cell", lang), "ok": d.get("ok"),
             "note": cut(d.get("note"), "text", lang) if d.get("note") else None,
             "diagnosis": diagnosis_view(d.get("diagnosis"))}
            for d in details[:MAX_DETAILS]
        ],
        "more_details": max(0, len(details) - MAX_DETAILS),
        "diagnoses": _distinct([a.get("diagnosis"), *(d.get("diagnosis") for d in details[:MAX_DETAILS])]),
    }


def _distinct(values: list[Any]) -> list[dict]:
    """Each diagnosis once, in order: eight cells wrong by one mistake are explained once."""
    seen, out = set(), []
    for view in filter(None, map(diagnosis_view, values)):
        key = (view["mistake"], view["explain"])
        if key not in seen:
            seen.add(key)
            out.append(view)
    return out


def _question(q: dict, lang: str) -> dict:
    answer_text = cut(q.get("answer_text") or None, "essay", lang)
    return {
        "id": cut(q.get("id") or "", "id", lang),
        "title": bi(q.get("title")),
        "points": q.get("points"),
        "max_points": q.get("max_points"),
        "status": cut(q.get("status") or "missing", "label", lang),
        "feedback": bi(q.get("feedback")),
        "assumptions": [b for b in map(bi, q.get("assumptions") or []) if b],
        "answer_text": answer_text,
        "answer_text_rtl": has_rtl(str(q.get("answer_text") or "")),  # the student's text, not the marker
        "answers": [_answer(a, lang) for a in q.get("answers") or []
                    if isinstance(a, dict) and a.get("check") != "manual"],
    }


def error_view(e: Any, lang: str = "both") -> dict:
    """A run-level error: its kind, bilingual message and (traceback-like) detail."""
    if not isinstance(e, dict):
        return {"kind": "", "message": bi(e), "detail": None}
    return {"kind": cut(e.get("kind") or "", "label", lang), "message": bi(e.get("message")),
            "detail": clean_traceback(e.get("detail"), lang)}


def student_name(result: dict) -> Bi:
    """Student name in both scripts; the id stands in for a missing name."""
    names = result.get("student") or {}
    fa, en = names.get("name_fa") or "", names.get("name_en") or ""
    sid = str(result["student_id"])
    return Bi(cut(fa or en or sid, "name", "fa"), cut(en or sid, "name", "en"))


def student_view(result: dict, lang: str = "both") -> dict:
    """View model of one student's result; cut texts are marked in `lang`."""
    graded = parse_date(result.get("graded_at"))
    total, max_total = result["total"], result["max_total"]
    sid = cut(result["student_id"], "id", lang)
    return {
        "student_id": sid,
        "sid": Bi(sid, sid),
        "name": student_name(result),
        "assignment": cut(result["assignment"], "id", lang),
        "title": bi(result.get("assignment_title")) or Bi(en=cut(result["assignment"], "id", "en")),
        "course": bi(result.get("course")),
        "date": Bi(jalali_date(graded), graded.isoformat()) if graded else Bi(),
        "total": total,
        "max_total": max_total,
        "percent": max(0.0, min(100.0, 100 * total / max_total)) if max_total else 0.0,
        "manual_pending": result.get("manual_pending") or 0,
        "runtime_s": result.get("runtime_s"),
        "errors": [error_view(e, lang) for e in result.get("errors") or []],
        "notices": [b for b in map(bi, result.get("notices") or []) if b],
        "questions": [_question(q, lang) for q in result["questions"] if isinstance(q, dict)],
        "hashes": {cut(k, "label", lang): cut(v, "id", lang) for k, v in (result.get("hashes") or {}).items() if v},
    }
