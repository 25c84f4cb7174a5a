"""Turn a grader result dict (any key but a few may be missing) into a tidy view model,
so the templates never have to guard against absent or null values."""

from __future__ import annotations

import datetime
import re
from dataclasses import dataclass
from typing import Any

from .bidi import has_rtl
from .persian import jalali_date

LANGS = ("both", "fa", "en")
_ANSI = re.compile(r"\x1b\[[0-9;?]*[A-Za-z]")
MAX_TRACEBACK_LINES = 40  # the end of a traceback is what explains the error
MAX_VALUE_CHARS = 4000  # a huge repr would turn one report into dozens of pages
MAX_DETAILS = 40


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
}


def bi(value: Any) -> Bi:
    """Accept {"fa", "en"} dicts, plain strings (side chosen by script) or None."""
    if isinstance(value, dict):
        return Bi(str(value.get("fa") or ""), str(value.get("en") or ""))
    if value in (None, ""):
        return Bi()
    text = str(value)
    return Bi(fa=text) if has_rtl(text) else Bi(en=text)


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


def clip(text: Any, limit: int = MAX_VALUE_CHARS) -> str | None:
    """``str(text)`` cut to ``limit`` characters; None stays None (e.g. a secret value)."""
    if text is None:
        return None
    text = str(text)
    return text if len(text) <= limit else text[:limit] + " …"


def clean_traceback(text: Any) -> str | None:
    """Drop ANSI colour codes (Jupyter tracebacks carry them) and keep the last lines."""
    if not text:
        return None
    lines = _ANSI.sub("", str(text)).rstrip().splitlines()
    if len(lines) > MAX_TRACEBACK_LINES:
        lines = ["…"] + lines[-MAX_TRACEBACK_LINES:]
    return "\n".join(lines)


def _answer(a: dict) -> dict:
    details = [d for d in (a.get("details") or []) if isinstance(d, dict)]
    return {
        "name": str(a.get("name") or ""),
        "check": a.get("check"),
        "points": a.get("points"),
        "max_points": a.get("max_points"),
        "status": a.get("status") or "missing",
        "secret": bool(a.get("secret")),
        "expected": clip(a.get("expected")),
        "found": clip(a.get("found")),
        "feedback": bi(a.get("feedback")),
        "error": clean_traceback(a.get("error")),
        "details": [
            {"label": str(d.get("label") or ""), "expected": clip(d.get("expected"), 300),
             "found": clip(d.get("found"), 300), "ok": d.get("ok")}
            for d in details[:MAX_DETAILS]
        ],
        "more_details": max(0, len(details) - MAX_DETAILS),
    }


def _question(q: dict) -> dict:
    answer_text = clip(q.get("answer_text") or None)
    return {
        "id": str(q.get("id") or ""),
        "title": bi(q.get("title")),
        "points": q.get("points"),
        "max_points": q.get("max_points"),
        "status": q.get("status") or "missing",
        "feedback": bi(q.get("feedback")),
        "assumptions": [b for b in map(bi, q.get("assumptions") or []) if b],
        "answer_text": answer_text,
        "answer_text_rtl": has_rtl(answer_text),
        "answers": [_answer(a) for a in q.get("answers") or []
                    if isinstance(a, dict) and a.get("check") != "manual"],
    }


def _error(e: Any) -> dict:
    if not isinstance(e, dict):
        return {"kind": "", "message": bi(e), "detail": None}
    return {"kind": str(e.get("kind") or ""), "message": bi(e.get("message")),
            "detail": clean_traceback(e.get("detail"))}


def student_name(result: dict) -> Bi:
    """Student name in both scripts; the id stands in for a missing name."""
    names = result.get("student") or {}
    fa, en = names.get("name_fa") or "", names.get("name_en") or ""
    sid = str(result["student_id"])
    return Bi(fa or en or sid, en or sid)


def student_view(result: dict) -> dict:
    """View model of one student's result."""
    graded = parse_date(result.get("graded_at"))
    total, max_total = result["total"], result["max_total"]
    return {
        "student_id": str(result["student_id"]),
        "sid": Bi(str(result["student_id"]), str(result["student_id"])),
        "name": student_name(result),
        "assignment": str(result["assignment"]),
        "title": bi(result.get("assignment_title")) or Bi(en=str(result["assignment"])),
        "course": bi(result.get("course")),
        "date": Bi(jalali_date(graded), graded.isoformat()) if graded else Bi(),
        "total": total,
        "max_total": max_total,
        "percent": max(0.0, min(100.0, 100 * total / max_total)) if max_total else 0.0,
        "manual_pending": result.get("manual_pending") or 0,
        "runtime_s": result.get("runtime_s"),
        "errors": [_error(e) for e in result.get("errors") or []],
        "notices": [b for b in map(bi, result.get("notices") or []) if b],
        "questions": [_question(q) for q in result["questions"] if isinstance(q, dict)],
        "hashes": {k: str(v) for k, v in (result.get("hashes") or {}).items() if v},
    }
