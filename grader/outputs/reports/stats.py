"""Class-level statistics for the summary report (its charts: `charts.py`)."""

from __future__ import annotations

import statistics

from .similarity_view import similarity_view
from grader.core.result import LABEL, Diagnosis, Status, StudentResult
from grader.core.text import Text

from .charts import histogram_svg, mean_fraction_svg
from .view import bi, cut, diagnosis_view, error_view, student_name

TEXT = {  # labels only the class summary uses
    "run_errors": Text("دانشجو با خطای اجرا", "Students with a run error"),
    "per_question": Text("آمار پرسش‌ها، دشوارترین در ابتدا", "Per-question statistics, hardest first"),
    "order": Text("ترتیب: از کمترین میانگین سهم امتیاز به بیشترین. در پرسش‌هایی که بخشی از آن‌ها"
                " هنوز تصحیح دستی نشده، تنها بخش خودکار به حساب آمده است؛"
                " پرسش‌های تماماً دستیِ تصحیح‌نشده در پایان آمده‌اند.",
                "Ordered by the mean fraction of points earned, lowest first. Where part of a question"
                " still awaits manual grading, only its automatically graded part counts;"
                " fully manual ungraded questions come last."),
    "fractions": Text("میانگین سهم امتیاز هر پرسش؛ ستون‌های هاشورخورده: تنها بخش خودکار.",
                    "Mean fraction of points per question; hatched: automatic part only."),
    "mean_pct": Text("میانگین درصد", "Mean %"),
    "pending": LABEL[Status.PENDING],
    "mistakes": Text("اشتباه‌های شناخته‌شده", "Known mistakes"),
    "mistakes_note": Text("شمار دانشجویانی که هر اشتباه شناخته‌شده را در پاسخی داشته‌اند.",
                        "How many students made each known mistake in an answer."),
    "mistake": Text("اشتباه", "Mistake"),
    "answer": Text("پاسخ", "Answer"),
    "pending_note": Text("«تصحیح دستی»: نرخ قبولی پس از تصحیح دستیار آموزشی معلوم می‌شود.",
                       "“manual”: no pass rate until a teaching assistant has graded the question."),
}


def _describe(values: list[float]) -> dict[str, float | None]:
    if not values:
        return {"mean": None, "median": None, "max": None}
    return {"mean": statistics.fmean(values), "median": statistics.median(values),
            "max": max(values)}


def _mean_fraction(points: list[float], manual: list[float], max_points: float | None) -> float | None:
    """Mean share of the points earned. While a person has not graded all of it, only the
    automatically graded part counts (pending manual points are 0); None if there is none."""
    if not max_points or not points:
        return None
    graded = max_points - max(manual)
    if graded <= 0:
        return None
    # min: a student whose manual part is already graded is compared on the same part
    return statistics.fmean(min(p, graded) for p in points) / graded


def question_stats(results: list[StudentResult], meta: dict) -> list[dict]:
    """Per question, in rubric order: mean/median/max points, mean fraction of the points,
    pass rate and error count over all students (a student without the question: 0 points,
    missing). A question some of whose points still wait for a person (``pending`` students)
    has no pass rate yet."""
    rows = []
    for q in meta.get("questions") or []:
        entries = [r.question(q["id"]) for r in results]
        points = [e.points if e else 0.0 for e in entries]
        manual = [e.pending_points if e else 0.0 for e in entries]
        statuses = [e.status if e else Status.MISSING for e in entries]
        pending = sum(s is Status.PENDING or m > 0 for s, m in zip(statuses, manual))
        rows.append({
            "id": q["id"],
            "title": bi(q.get("title")),
            "max_points": q.get("max_points"),
            **_describe(points),
            "mean_fraction": _mean_fraction(points, manual, q.get("max_points")),
            "pass_rate": statuses.count(Status.PASSED) / len(statuses) if statuses and not pending else None,
            "errors": statuses.count(Status.ERROR),
            "pending": pending,
        })
    return rows


def mistake_counts(results: list[StudentResult], meta: dict) -> list[dict]:
    """How many students made each diagnosed mistake, per answer: a student counts once however
    many cells of the answer the mistake explains. Most common first, ties in rubric order."""
    rows: dict[tuple, dict] = {}
    for q in meta.get("questions") or []:
        for result in results:
            entry = result.question(q["id"])
            for answer in entry.answers if entry else []:
                found: list[Diagnosis | None] = [answer.diagnosis, *(d.diagnosis for d in answer.details)]
                name = cut(answer.name, "label")
                views = filter(None, map(diagnosis_view, found))
                for mistake in dict.fromkeys(v["mistake"] for v in views):
                    row = rows.setdefault((q["id"], name, mistake),
                                          {"id": q["id"], "answer": name, "mistake": mistake, "students": 0})
                    row["students"] += 1
    return sorted(rows.values(), key=lambda r: -r["students"])


def hardest_first(rows: list[dict]) -> list[dict]:
    """Questions most students failed first (lowest mean fraction of points); questions
    without a fraction yet (all manual, ungraded) go last, ties and those in rubric order."""
    return sorted(rows, key=lambda r: (r["mean_fraction"] is None, r["mean_fraction"] or 0.0))


def total_stats(results: list[StudentResult]) -> dict[str, float | None]:
    return _describe([r.total for r in results])


def students(results: list[StudentResult]) -> list[dict]:
    """One row per student, sorted by id, with run-level errors."""
    rows = []
    for r in sorted(results, key=lambda r: r.student_id):
        rows.append({
            "id": cut(r.student_id, "id"),
            "name": student_name(r),
            "total": r.total,
            "max_total": r.max_total,
            "errors": [error_view(e) for e in r.errors],
        })
    return rows


def summary_view(results: list[StudentResult], meta: dict) -> dict:
    max_total = next((r.max_total for r in results if r.max_total), None)
    if max_total is None:
        max_total = sum(q.get("max_points") or 0 for q in meta.get("questions") or [])
    questions = hardest_first(question_stats(results, meta))
    return {
        "assignment": cut(meta.get("assignment") or "", "id"),
        "title": bi(meta.get("title")) or bi(meta.get("assignment")),
        "course": bi(meta.get("course")),
        "count": len(results),
        "run_errors": sum(1 for r in results if r.errors),
        "max_total": max_total,
        "totals": total_stats(results),
        "questions": questions,
        "any_pending": any(q["pending"] for q in questions),
        "students": students(results),
        "histogram": histogram_svg([r.total for r in results], max_total),
        "fractions": mean_fraction_svg(questions),
        "mistakes": mistake_counts(results, meta),
        "similarity": similarity_view(meta.get("similarity")),
        "notices": [bi(n) for n in meta.get("notices") or []],  # about the class as a whole (the gradebook's)
        "text": TEXT,
    }
