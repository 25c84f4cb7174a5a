"""The pull request's job summary in markdown: a Persian (right-to-left) block, then the English one.

GitHub renders `$GITHUB_STEP_SUMMARY` as GitHub-flavoured markdown, where `<div dir="rtl">` is kept;
everything from the student's side (names, ids, titles, messages, which may quote a student's tag)
is escaped so it cannot break the table or become a link, an image, a heading or emphasis."""
import os
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from grader.core.result import LABEL, Status, StudentResult
from grader.core.text import Text
from grader.outputs.reports.lateness import late_lines
from grader.outputs.reports.persian import fmt_points, persian_digits
from grader.apps.selfcheck import Finding
from grader.untrusted import identifier

ICON = {Status.PASSED: "✅", Status.PARTIAL: "🟡", Status.FAILED: "❌", Status.ERROR: "⚠️", Status.MISSING: "➖",
        Status.PENDING: "✍️", Status.INTERNAL_ERROR: "🛠️"}
SKIPPED = {
    "removed": ("این تحویل در این درخواست ادغام حذف شده است؛ تصحیح نشد.",
                "removed by this pull request; not graded."),
    "symlink": ("یک پیوند نمادین (symlink) است، نه پوشه یا فایل؛ تصحیح نشد.",
                "a symbolic link, not a folder or file; not graded."),
}
ARTIFACT = ("کارنامهٔ کامل (PDF) در بخش Artifacts همین اجرای گردش‌کار است.",
            "The full PDF report is under Artifacts of this workflow run.")


@dataclass
class Outcome:
    """What one assignment's grading produced for the pull request."""

    assignment: str
    title: Text
    results: list[StudentResult]
    skipped: list[tuple[str, str]] = field(default_factory=list)
    checked: list[Finding] = field(default_factory=list)  # `grader check`'s findings, before grading


# Markdown's punctuation: links and images ([]()!), emphasis (*_~), code (`), headings (#), lists
# (+-. at the start of a list item), tables (|), math ($), and what starts an autolink (: @ and the
# dot of www.). A backslash makes each a literal character. & < > become entities instead, as HTML.
_MARKDOWN = re.compile(r"([\\`*_{}\[\]()#+\-.!|~:@$])")


def _inline(text: Any) -> str:
    """One line of untrusted text, shown literally in a table cell, a heading or a list item."""
    text = re.sub(r"\s+", " ", str(text)).strip().replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
    return _MARKDOWN.sub(r"\\\1", text)


def _longest_backticks(text: str) -> int:
    return max((len(run) for run in re.findall(r"`+", text)), default=0)


def _code(text: str) -> str:
    """An inline code span on one line, whose fence is longer than any backtick run inside; `text` is
    an identifier (an id, a hand-in's name), cleaned as at intake."""
    text = re.sub(r"\s+", " ", identifier(text)).strip()
    ticks = "`" * (_longest_backticks(text) + 1)
    return f"{ticks} {text} {ticks}" if "`" in text else f"`{text}`"


def _block(text: str) -> str:
    fence = "`" * max(3, _longest_backticks(text) + 1)
    return f"{fence}text\n{text.rstrip()}\n{fence}"


def _fa_num(x: float) -> str:
    return persian_digits(fmt_points(x))


def _student(result: StudentResult, lang: str) -> str:
    s = result.student
    name = (s.name_fa or s.name_en) if lang == "fa" else (s.name_en or s.name_fa)
    sid = _code(result.student_id)
    return f"{_inline(name)} · {sid}" if name else sid


def _table(result: StudentResult, lang: str) -> list[str]:
    """One row per question; the id has a column of its own, so no bidi run joins it to a Latin title."""
    fa = lang == "fa"
    rows = ["| پرسش | عنوان | امتیاز | وضعیت |" if fa else "| Question | Title | Points | Status |",
            "|:--|:--|:--:|:--|"]
    for q in result.questions:
        points = (f"{_fa_num(q.points)} از {_fa_num(q.max_points)}" if fa
                  else f"{fmt_points(q.points)} / {fmt_points(q.max_points)}")
        rows.append(f"| {_inline(q.id)} | {_inline(getattr(q.title, lang))} | {points} | "
                    f"{ICON[q.status]} {getattr(LABEL[q.status], lang)} |")
    return rows


def _messages(result: StudentResult, lang: str) -> list[str]:
    """What each answer that lost points was told (and the mistake a diagnosis recognised): the
    messages, never a reference value (`grader.apps.ci.visibility` takes those out of the result first)."""
    lines = []
    for q in result.questions:
        for a in q.answers:
            if a.status in (Status.PASSED, Status.PENDING):
                continue
            said = [getattr(a.feedback, lang), getattr(a.diagnosis.mistake, lang) if a.diagnosis else ""]
            said = [text for text in said if text]
            if said:
                where = _inline(q.id) + (f" · {_code(a.name)}" if a.name else "")
                lines.append(f"- {where}: " + " ".join(_inline(text) for text in said))
    if not lines:
        return []
    return ["**پیام‌ها:**" if lang == "fa" else "**Messages:**", "", *lines, ""]


def _late(result: StudentResult, lang: str) -> list[str]:
    """The deadline, the pull request's time and the penalty, as the PDF report has them."""
    return [*(f"- {_inline(getattr(line, lang))}" for line in late_lines(result)), ""] if result.late else []


def _student_section(result: StudentResult, lang: str) -> list[str]:
    fa = lang == "fa"
    total, top, pending = result.total, result.max_total, result.pending_points
    line = (f"**نمرهٔ کل: {_fa_num(total)} از {_fa_num(top)}**" if fa
            else f"**Total: {fmt_points(total)} / {fmt_points(top)}**")
    if pending:
        line += (f" · {_fa_num(pending)} امتیاز در انتظار تصحیح دستی" if fa
                 else f" · {fmt_points(pending)} points pending manual grading")
    out = [f"### {_student(result, lang)}", "", line, "", *_late(result, lang), *_table(result, lang), "",
           *_messages(result, lang)]
    if result.errors:
        out += ["**نوت‌بوک به‌طور کامل تصحیح نشد:**" if fa else "**The notebook could not be fully graded:**", ""]
        for err in result.errors:
            out.append(f"- {_inline(getattr(err.message, lang) or err.kind)}")
            if not fa and err.detail:
                out += ["", *("  " + ln for ln in _block(err.detail).splitlines()), ""]
        out.append("")
    return out


def _language_block(outcomes: list[Outcome], lang: str) -> list[str]:
    fa = lang == "fa"
    out = []
    for o in outcomes:
        title = _inline(getattr(o.title, lang) or o.assignment)
        out += [f"## {'تصحیح خودکار' if fa else 'Automatic grading'} · {title} ({_code(o.assignment)})", ""]
        if o.checked:
            out += ["**پیش از تصحیح، بررسی شکل پاسخ‌ها (grader check) این‌ها را یافت:**" if fa else
                    "**Before grading, the form check (grader check) found:**", "",
                    *(f"- {_inline(f.fa if fa else f.en)}" for f in o.checked), ""]
        for result in o.results:
            out += _student_section(result, lang)
        for entry, why in o.skipped:
            out += [f"- {_code(entry)}: {SKIPPED[why][0 if fa else 1]}", ""]
    if any(o.results for o in outcomes):
        out += [ARTIFACT[0 if fa else 1], ""]
    return out


def _bilingual(fa: list[str], en: list[str]) -> str:
    return "\n".join(['<div dir="rtl">', "", *fa, "", "</div>", "", *en, ""])


def graded(outcomes: list[Outcome]) -> str:
    return _bilingual(_language_block(outcomes, "fa"), _language_block(outcomes, "en"))


def nothing_to_grade(submissions: str, base: str) -> str:
    where = _code(f"{submissions}/<assignment>/<student_id>/")
    return _bilingual(
        ["### تصحیح خودکار", "",
         f"این درخواست ادغام هیچ تحویلی را در {where} تغییر نمی‌دهد (در مقایسه با {_code(base)})؛ "
         "چیزی برای تصحیح نبود."],
        ["### Automatic grading", "",
         f"No submission: this pull request changes nothing under {where} (compared with {_code(base)}), "
         "so nothing was graded."])


def not_graded(reason: str) -> str:
    return _bilingual(
        ["### ⛔ تصحیح انجام نشد", "",
         "پیام زیر علت را می‌گوید. اگر نام پوشهٔ تمرین و شمارهٔ دانشجویی را درست نوشته‌اید، "
         "به دستیار آموزشی خبر دهید."],
        ["### ⛔ Not graded", "",
         "The message below says why. If your assignment folder and student id are spelled right, "
         "tell a teaching assistant.", "", _block(reason)])


def setup_incomplete(reason: str) -> str:
    """Not graded because the course's set-up is incomplete (a dataset, the sandbox, the roster): the
    student can do nothing about it but tell a teaching assistant."""
    return _bilingual(
        ["### ⛔ تصحیح انجام نشد: پیکربندی درس کامل نیست", "",
         "این مشکل از تحویل شما نیست. پیام زیر را به دستیار آموزشی نشان دهید؛ پس از رفع آن، گردش‌کار را "
         "دوباره اجرا کنید."],
        ["### ⛔ Not graded: the course set-up is incomplete", "",
         "This is not a problem with your hand-in. Show the message below to a teaching assistant; once it is "
         "fixed, run the workflow again.", "", _block(reason)])


def publish(markdown: str) -> None:
    """Append to the job summary on GitHub Actions, else print it."""
    path = os.environ.get("GITHUB_STEP_SUMMARY")
    if not path:
        print(markdown)
        return
    with Path(path).open("a", encoding="utf-8") as f:
        f.write(markdown + "\n")
