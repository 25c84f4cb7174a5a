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

from grader.core.result import FEEDBACK, AnswerResult, Detail, Diagnosis, QuestionResult, RunError, Status, \
    StudentResult
from grader.core.text import Text

from .lateness import late_lines
from .numbers import readable
from .persian import jalali_date, persian_digits

_ANSI = re.compile(r"\x1b\[[0-9;?]*[A-Za-z]")
MAX_DETAILS = 40
MAX_NAMES = 12  # answers named in one item of "what to review"
# A question's status at a glance, one glyph where a bilingual badge was: the page lays out ten
# times fewer boxes for its table of questions (a legend under it names each glyph once)
GLYPH = {Status.PASSED: "✓", Status.PARTIAL: "◐", Status.FAILED: "✗", Status.ERROR: "!",
         Status.MISSING: "–", Status.PENDING: "…", Status.INTERNAL_ERROR: "⚠"}


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
    "integrity": Text("اطلاعات اجرا", "Run information"),
    "more_details": Text("مورد دیگر", "more items"),
    "diagnosis": Text("اشتباه شناخته‌شده", "Known mistake"),
    "review": Text("آنچه باید مرور کنید", "What to review"),
    "review_none": Text("همهٔ پاسخ‌های تصحیح‌شده درست‌اند.", "Every graded answer is correct."),
    "awaiting": Text("در انتظار دستیار آموزشی", "awaiting a teaching assistant"),
    "ta_comment": Text("نظر دستیار آموزشی", "Teaching assistant's comment"),
    "same_error": Text("همان خطای سلولِ پاسخ", "The same error as the cell of"),
    "right_items": Text("مورد دیگر درست است", "more items are right"),
    "frames_hidden": Text("قاب کتابخانه پنهان شد", "library frames hidden"),
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


# A frame header of a Jupyter traceback: the student's cell, or a file (a library's, or a function
# defined in a cell, which IPython runs from its own temporary file)
_FRAME = re.compile(r"^(?:Cell In\[\d*\], line \d+|File [^\n]*)")
_CELL_FILE = re.compile(r"File (?:/[^\s:]*)?/ipykernel_\d+/\d+\.py:(\d+)")
_PATH = re.compile(r"(?:/[\w.@+-]+){2,}/([\w.@+-]+)")
_CONTROL = re.compile(r"[\x00-\x08\x0b-\x1f\x7f-\x9f]")


def students_frames(text: str) -> tuple[str, int]:
    """A Jupyter traceback with the student's own frames only (a cell, or a function defined in one),
    each library frame left out (their count is returned), and no file path of the grading machine:
    a cell's temporary file reads "File <cell>:18", any other path its last part."""
    kept: list[str] = []
    hidden, keep = 0, True
    for line in text.split("\n"):
        if _FRAME.match(line):
            keep = line.startswith("Cell In[") or bool(_CELL_FILE.match(line))
            hidden += not keep
        elif line and not line[0].isspace() and not line.startswith("-"):
            keep = True  # the exception's own lines, after the frames
        if keep:
            kept.append(_PATH.sub(r"…/\1", _CELL_FILE.sub(r"File <cell>:\1", line)))
    return "\n".join(kept), hidden


def traceback_view(text: Any, lang: str) -> tuple[str | None, int]:
    """Drop ANSI colour codes (Jupyter tracebacks carry them) and other control characters, the
    library frames and the machine's paths (`students_frames`), and keep the last lines; with the
    number of library frames left out."""
    if not text:
        return None, 0
    shown, hidden = students_frames(_CONTROL.sub("", _ANSI.sub("", str(text))).rstrip())
    return cut(shown, "traceback", lang), hidden


def clean_traceback(text: Any, lang: str) -> str | None:
    """`traceback_view`'s text."""
    return traceback_view(text, lang)[0]


def once(value: Any) -> tuple[Text, str | None]:
    """A bilingual text whose two lines end alike (a teaching assistant's comment, written once and
    added to both) as the two lines without it and the shared part, printed once; a text whose two
    lines are the same is that line once."""
    text = Text.from_json(value)
    fa, en = text.fa or "", text.en or ""
    if not fa or not en:
        return text, None
    if fa == en:
        return Text(), fa
    n = 0
    while n < min(len(fa), len(en)) and fa[-1 - n] == en[-1 - n]:
        n += 1
    shared = fa[len(fa) - n:]
    start = shared.find(" ")  # the shared part starts at a word
    shared = shared[start:].strip() if start >= 0 else ""
    if len(shared) < 3 or not any(c.isalpha() for c in shared):
        return text, None
    return Text(fa[:len(fa) - len(shared)].rstrip(), en[:len(en) - len(shared)].rstrip()), shared


def diagnosis_view(value: Diagnosis | None) -> dict | None:
    """A diagnosed mistake ({"mistake", "explain"}, each bilingual), or None where there is none."""
    if value is None:
        return None
    return {"mistake": bi(value.mistake), "explain": bi(value.explain)}


def _value(text: str | None, kind: str, lang: str) -> str | None:
    """A stored value cut to its budget first (`readable` then costs no more than the cut text) and
    its numbers made readable."""
    return readable(cut(text, kind, lang))


def _mark(d: Detail, secret: bool) -> str:
    """✓ only where something was compared and matched; a row that only informs (a measured F1, the
    device) gets no mark, so a failing metric never sits beside a ✓."""
    if not d.ok:
        return "✗"
    return "✓" if d.expected is not None or secret else ""


def lost(a: AnswerResult) -> bool:
    """Points were lost on this answer (it is graded, and not in full)."""
    return a.status is not Status.PENDING and a.points < a.max_points


def _answer(a: AnswerResult, lang: str, errors: dict[str, str]) -> dict:
    """One answer; `errors` maps each traceback already shown to the answer that showed it, so
    answers from one failing cell print it once."""
    wrong = lost(a)
    # only the rows that lost points, and those that inform (a measured metric, the device)
    rows = [d for d in a.details if _mark(d, a.secret) != "✓"] if wrong else []
    shown = rows[:MAX_DETAILS]
    feedback, comment = once(a.feedback)
    error, hidden = traceback_view(a.error, lang) if wrong else (None, 0)
    name = cut(a.name, "label", lang)
    same_as = errors.get(error) if error else None
    if error and same_as is None:
        errors[error] = name or ""
    return {
        "name": name,
        "check": cut(a.check, "label", lang),
        "points": a.points,
        "max_points": a.max_points,
        "status": a.status,
        "lost": wrong,
        "secret": a.secret,
        "expected": _value(a.expected, "value", lang) if wrong else None,
        "found": _value(a.found, "value", lang) if wrong else None,
        "feedback": bi(feedback),
        "says_more": feedback not in FEEDBACK.values(),  # more than its badge ("Partly correct.")
        "comment": cut(comment, "text", lang),
        "error": None if same_as is not None else error,
        "same_error_as": same_as,
        "frames_hidden": Text(persian_digits(f"{hidden} {LABELS['frames_hidden'].fa}"),
                              f"{hidden} {LABELS['frames_hidden'].en}") if hidden else None,
        "diagnosis": diagnosis_view(a.diagnosis),
        "details": [
            {"label": cut(d.label, "label", lang), "expected": _value(d.expected, "cell", lang),
             "found": _value(d.found, "cell", lang), "ok": d.ok, "mark": _mark(d, a.secret),
             "note": cut(d.note, "text", lang) if d.note else None,
             "diagnosis": diagnosis_view(d.diagnosis)}
            for d in shown
        ],
        "more_details": max(0, len(rows) - MAX_DETAILS),
        "right_details": len(a.details) - len(rows) if wrong else 0,
        "diagnoses": _distinct([a.diagnosis, *(d.diagnosis for d in a.details[:MAX_DETAILS] if not d.ok)]),
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


def _question(q: QuestionResult, lang: str, errors: dict[str, str]) -> dict:
    answers = [_answer(a, lang, errors) for a in q.answers if not a.by_person]
    for a in answers:
        a["more"] = _has_more(a)
    person = [once(a.feedback)[1] for a in q.by_person if a.status is not Status.PENDING]
    return {
        "id": cut(q.id, "id", lang),
        "title": bi(q.title),
        "points": q.points,
        "max_points": q.max_points,
        "status": q.status,
        "pending": q.status is Status.PENDING,  # waiting for a person
        "lost": any(lost(a) for a in q.answers),
        "feedback": bi(once(q.feedback)[0]),
        "comments": [cut(c, "text", lang) for c in person if c],
        "assumptions": [b for b in map(bi, q.assumptions) if b],
        "answers": answers,
        "person_lost": [_person_lost(a, lang) for a in q.by_person if lost(a)],  # for "what to review"
        "shown": any(a["more"] for a in answers) or any(person),  # its card: there is more to say
    }


def _person_lost(a: AnswerResult, lang: str) -> dict:
    """An answer a person grades that lost points (a teaching assistant's score, or an essay left
    unanswered), as "what to review" lists it beside the automatic ones."""
    return {"name": cut(a.name, "label", lang), "points": a.points, "max_points": a.max_points,
            "status": a.status, "lost": True, "diagnoses": [], "feedback": bi(once(a.feedback)[0])}


def review(questions: list[dict]) -> list[dict]:
    """The answers that lost points, for page 1, each reason once: answers that went wrong the same
    way (one diagnosis, or one feedback: a notebook that did not open, a failing cell) are one item
    naming them all, with their points together."""
    items: dict[tuple, dict] = {}
    for q in questions:
        for a in q["answers"] + q["person_lost"]:
            if not a["lost"]:
                continue
            why = a["diagnoses"][0]["mistake"] if a["diagnoses"] else a["feedback"]
            key = (why, a["status"]) if why else (q["id"], a["name"])
            item = items.setdefault(key, {"names": [], "points": 0.0, "max_points": 0.0, "status": a["status"],
                                          "mistake": bool(a["diagnoses"]), "why": why})
            item["names"].append(f"{q['id']} · {a['name']}" if a["name"] else q["id"])
            item["points"] += a["points"]
            item["max_points"] += a["max_points"]
    for item in items.values():
        shown = item["names"][:MAX_NAMES]
        item["names"] = ", ".join(shown) + (f", … (+{len(item['names']) - MAX_NAMES})" if len(item["names"]) > MAX_NAMES else "")
    return list(items.values())


def _has_more(a: dict) -> bool:
    """A lost answer has more to show than its line on page 1: values, cells, a diagnosis, an error."""
    compared = a["found"] is not None and (a["expected"] is not None or a["secret"])
    return a["lost"] and bool(compared or a["details"] or a["diagnoses"] or a["error"] or a["comment"]
                              or a["same_error_as"] is not None)


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
    errors: dict[str, str] = {}  # tracebacks shown so far, across the report
    questions = [_question(q, lang, errors) for q in result.questions]
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
        "questions": questions,
        "review": review(questions),
        "glyphs": {st: g for st, g in GLYPH.items() if any(q.status is st for q in result.questions)},
        "hashes": {cut(k, "label", lang): cut(v, "id", lang) for k, v in result.hashes.items() if v},
    }
