"""Class-level statistics and the score histogram for the summary report."""

from __future__ import annotations

import base64
import io
import statistics

from matplotlib.figure import Figure  # not pyplot: no global figure state, no GUI backend

from .view import bi, student_name


def _points(result: dict, qid: str) -> tuple[float, str]:
    for q in result.get("questions") or []:
        if isinstance(q, dict) and q.get("id") == qid:
            return float(q.get("points") or 0), q.get("status") or "missing"
    return 0.0, "missing"


def _describe(values: list[float]) -> dict[str, float | None]:
    if not values:
        return {"mean": None, "median": None, "max": None}
    return {"mean": statistics.fmean(values), "median": statistics.median(values),
            "max": max(values)}


def question_stats(results: list[dict], meta: dict) -> list[dict]:
    """Per question: mean/median/max points, pass rate and error count over all students
    (a student without the question counts as 0 points, not passed)."""
    rows = []
    for q in meta.get("questions") or []:
        scored = [_points(r, q["id"]) for r in results]
        statuses = [status for _, status in scored]
        rows.append({
            "id": q["id"],
            "title": bi(q.get("title")),
            "max_points": q.get("max_points"),
            **_describe([p for p, _ in scored]),
            # a question still waiting for a person has no pass rate yet
            "pass_rate": statuses.count("passed") / len(statuses) if statuses and "manual" not in statuses else None,
            "errors": statuses.count("error"),
        })
    return rows


def total_stats(results: list[dict]) -> dict[str, float | None]:
    return _describe([float(r["total"]) for r in results])


def students(results: list[dict]) -> list[dict]:
    """One row per student, sorted by id, with run-level errors."""
    rows = []
    for r in sorted(results, key=lambda r: str(r["student_id"])):
        errors = [e for e in r.get("errors") or [] if e]
        rows.append({
            "id": str(r["student_id"]),
            "name": student_name(r),
            "total": r["total"],
            "max_total": r["max_total"],
            "errors": [{"kind": e.get("kind") or "", "message": bi(e.get("message"))}
                       if isinstance(e, dict) else {"kind": "", "message": bi(e)}
                       for e in errors],
        })
    return rows


def histogram_svg(totals: list[float], max_total: float) -> str:
    """Histogram of total scores as an SVG data URI (text drawn as paths: no font needs)."""
    fig = Figure(figsize=(6.6, 2.1))
    ax = fig.add_subplot()
    top = max([max_total, *totals]) or 1
    ax.hist(totals, bins=10, range=(0, top), color="#4f6d8f", edgecolor="white")
    if totals:
        ax.axvline(statistics.fmean(totals), color="#c2410c", lw=1.2, ls="--",
                   label=f"mean {statistics.fmean(totals):.1f}")
        ax.axvline(statistics.median(totals), color="#15803d", lw=1.2, ls=":",
                   label=f"median {statistics.median(totals):.1f}")
        ax.legend(frameon=False, fontsize=8)
    ax.set_xlim(0, top)
    ax.set_xlabel("Total score", fontsize=8)
    ax.set_ylabel("Students", fontsize=8)
    ax.yaxis.get_major_locator().set_params(integer=True)
    ax.tick_params(labelsize=8)
    for side in ("top", "right"):
        ax.spines[side].set_visible(False)
    fig.tight_layout()
    buf = io.BytesIO()
    fig.savefig(buf, format="svg")
    return "data:image/svg+xml;base64," + base64.b64encode(buf.getvalue()).decode()


def summary_view(results: list[dict], meta: dict) -> dict:
    max_total = next((r["max_total"] for r in results if r.get("max_total")), None)
    if max_total is None:
        max_total = sum(q.get("max_points") or 0 for q in meta.get("questions") or [])
    return {
        "assignment": str(meta.get("assignment") or ""),
        "title": bi(meta.get("title")) or bi(meta.get("assignment")),
        "course": bi(meta.get("course")),
        "count": len(results),
        "max_total": max_total,
        "totals": total_stats(results),
        "questions": question_stats(results, meta),
        "students": students(results),
        "histogram": histogram_svg([float(r["total"]) for r in results], max_total),
    }
