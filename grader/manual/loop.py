"""Export manual questions for a person, import their scores, and keep them across re-runs.

Scores live in `OUT/manual/scores.json`, keyed by student and question together with the
hash of the answer text they were given for; `grader run` re-applies them to fresh results,
dropping a score whose answer text has since changed (a resubmission is graded anew).
"""
import hashlib
import json
from pathlib import Path
from typing import Any

from grader.manual import sheet
from grader.reports.persian import persian_digits
from grader.results import read_result, write_json
from grader.scoring import summarize, total
from grader.untrusted import xlsx_storable

STORE = Path("manual") / "scores.json"


class ManualSheetError(ValueError):
    """A sheet that cannot be merged, with every problem found in it."""

    def __init__(self, problems: list[str]):
        super().__init__("\n".join(problems))
        self.problems = problems


def answer_sha(text: str | None) -> str:
    return hashlib.sha256((text or "").strip().encode("utf-8")).hexdigest()[:16]


def _results(out: Path) -> dict[str, dict[str, Any]]:
    found = {}
    for path in sorted((out / "results").glob("*.json")):
        result = read_result(path)
        if result:
            found[result["student_id"]] = result
    return found


def _manual_questions(result: dict[str, Any]) -> list[dict[str, Any]]:
    return [q for q in result["questions"] if any(a["check"] == "manual" for a in q["answers"])]


def _manual_max(question: dict[str, Any]) -> float:
    """The points of a question that a person grades."""
    return sum(a["max_points"] for a in question["answers"] if a["check"] == "manual")


def export_sheet(out: Path, path: Path) -> int:
    """Write one row per student and manual question; returns the number of rows."""
    store = load_scores(out)
    rows = []
    for sid, result in _results(out).items():
        student = result.get("student") or {}
        for q in _manual_questions(result):
            saved = store.get(sid, {}).get(q["id"], {})
            manual_max = _manual_max(q)
            rows.append({"student_id": sid, "name": student.get("name_en") or student.get("name_fa") or "",
                         "question": q["id"], "title": q["title"]["en"], "max_points": f"{manual_max:g}",
                         "answer": q.get("answer_text") or "", "answer_sha": answer_sha(q.get("answer_text")),
                         "score": saved.get("score", ""), "comment": saved.get("comment", "")})
    sheet.write(path, rows)
    return len(rows)


def load_scores(out: Path) -> dict[str, dict[str, dict[str, Any]]]:
    try:
        return json.loads((out / STORE).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return {}


def _check_row(row: dict[str, str], results: dict[str, dict[str, Any]], line: int) -> tuple[list[str], Any]:
    where = f"row {line}"
    result = results.get(row["student_id"].strip())
    if result is None:
        return [f"{where}: unknown student {row['student_id']!r}"], None
    question = next((q for q in _manual_questions(result) if q["id"] == row["question"].strip()), None)
    if question is None:
        return [f"{where}: {row['question']!r} is not a manual question of {row['student_id']}"], None
    problems = []
    text = question.get("answer_text") or ""
    as_exported = {answer_sha(text), answer_sha(xlsx_storable(text))}  # XLSX cannot hold some control characters
    if answer_sha(row["answer"]) not in as_exported or row["answer_sha"].strip() != answer_sha(text):
        problems.append(f"{where}: the answer text of {row['student_id']} {question['id']} was edited in the sheet")
    score = None
    if row["score"].strip():
        try:
            score = float(row["score"].replace(",", ".").strip())
        except ValueError:
            problems.append(f"{where}: score {row['score']!r} is not a number")
        else:
            top = _manual_max(question)
            if not 0 <= score <= top:
                problems.append(f"{where}: score {score:g} is outside 0..{top:g} for {question['id']}")
    return problems, score


def import_sheet(out: Path, path: Path) -> list[str]:
    """Merge a filled sheet into the store and the results, all or nothing; returns the students changed."""
    try:
        rows = sheet.read(path)
    except (OSError, ValueError) as exc:
        raise ManualSheetError([str(exc)]) from None
    results = _results(out)
    store = load_scores(out)
    problems = []
    for line, row in enumerate(rows, start=2):
        row_problems, score = _check_row(row, results, line)
        problems += row_problems
        if not row_problems and score is not None:
            store.setdefault(row["student_id"].strip(), {})[row["question"].strip()] = {
                "score": score, "comment": row["comment"].strip(), "answer_sha": row["answer_sha"].strip()}
    if problems:
        raise ManualSheetError(problems)
    write_json(out / STORE, store)
    changed = []
    for sid, result in results.items():
        if apply_saved(result, store.get(sid, {})):
            write_json(out / "results" / f"{sid}.json", result)
            changed.append(sid)
    return changed


def _graded_feedback(score: float, top: float, comment: str) -> dict[str, str]:
    fa = persian_digits(f"نمره دستیار آموزشی: {score:g} از {top:g}.")
    en = f"Scored by a teaching assistant: {score:g} of {top:g}."
    return {"fa": f"{fa} {comment}".strip(), "en": f"{en} {comment}".strip()}


def apply_saved(result: dict[str, Any], scores: dict[str, dict[str, Any]]) -> bool:
    """Put saved manual scores into a result whose answer text is unchanged; True if it changed."""
    changed = False
    for q in _manual_questions(result):
        saved = scores.get(q["id"])
        if not saved or saved["answer_sha"] != answer_sha(q.get("answer_text")):
            continue
        manual = [a for a in q["answers"] if a["check"] == "manual"]
        top = _manual_max(q)
        for a in manual:  # one manual answer per question in practice; split pro rata otherwise
            a["points"] = round(saved["score"] * a["max_points"] / top, 4)
            fraction = a["points"] / a["max_points"]
            a["status"] = "passed" if fraction >= 1 - 1e-9 else "partial" if fraction > 0 else "failed"
            a["feedback"] = _graded_feedback(saved["score"], top, saved.get("comment", ""))
        summarize(q)
        changed = True
    if changed:
        result["total"], result["manual_pending"] = total(result["questions"])
    return changed
