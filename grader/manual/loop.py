"""Export manual questions for a person, import their scores, and keep them across re-runs.

Scores live in the store (`grader.manual.store`), each for the exact answer text it was given
for: `grader run` re-applies a score only while the answer is unchanged; a resubmitted answer
waits for a grade again, its earlier score and comment shown to the grader as a hint only.
An essay question left unanswered is scored 0 ("no answer") without anyone's work.
"""
from __future__ import annotations

from pathlib import Path
from typing import Any

from grader.checks.values import Unreadable
from grader.core.errors import ConfigError
from grader.core.result import FEEDBACK, QuestionResult, Status, StudentResult
from grader.core.text import Text, persian_digits
from grader.manual import sheet
from grader.manual.store import Grade, Refusal, answer_sha, load_scores, locked, read_score, record, state
from grader.outputs.reports.persian import fmt_points
from grader.outputs.results import read_results, write_result
from grader.untrusted import xlsx_storable

NO_ANSWER = Text("پاسخی برای این پرسش نوشته نشده است؛ نمره صفر.", "No answer was written: 0 points.")
SHEET_GRADER = "sheet"  # who a sheet's scores are stamped with when the importer names no one


class ManualSheetError(ConfigError, ValueError):
    """A sheet that cannot be read at all, or a sheet export that would lose scores not yet imported;
    `headline` says which, above the problems."""

    def __init__(self, problems: list[str], headline: str):
        super().__init__(problems)
        self.headline = headline


def manual_questions(result: StudentResult) -> list[QuestionResult]:
    """The questions of `result` that a person grades (in part)."""
    return [q for q in result.questions if q.by_person]


def hint(entry: dict[str, Any]) -> str:
    """An earlier answer's grade, for the grader to see beside the new answer."""
    text = f"{entry['score']:g} for an earlier answer"
    return f"{text}: {entry['comment']}" if entry.get("comment") else text


def _unimported(path: Path, store: dict[str, Any]) -> int:
    """Rows of an existing sheet holding a score or comment that the store does not hold."""
    try:
        rows = sheet.read(path)
    except (OSError, ValueError):
        return 0
    count = 0
    for row in rows:
        if not (row["score"].strip() or row["comment"].strip()):
            continue
        entry = store.get(row["student_id"].strip(), {}).get(row["question"].strip())
        try:
            same_score = entry is not None and read_score(row["score"]) == entry["score"]
        except Unreadable:
            same_score = False
        if not (same_score and entry.get("answer_sha") == row["answer_sha"].strip()
                and row["comment"].strip() == entry.get("comment", "")):
            count += 1
    return count


def refuse_unimported(out: Path, paths: list[Path]) -> None:
    """ManualSheetError naming each existing sheet that holds scores the store does not."""
    store = load_scores(out)
    problems = [f"{path} holds {lost} score(s) not imported yet: run `grader manual import` with it first, "
                "or export with --force to discard them"
                for path in paths if path.exists() and (lost := _unimported(path, store))]
    if problems:
        raise ManualSheetError(problems, "nothing exported:")


def export_sheet(out: Path, path: Path, force: bool = False) -> int:
    """Write one row per answered manual question; returns the number of rows.

    A score is filled in only for the very answer it was given for; a changed answer's earlier
    grade goes to `previous`. An existing sheet with scores not yet imported is not overwritten
    unless `force` (ManualSheetError)."""
    if not force:
        refuse_unimported(out, [path])
    store = load_scores(out)
    rows = []
    for sid, result in read_results(out).items():
        for q in manual_questions(result):
            text = q.answer_text or ""
            entry = store.get(sid, {}).get(q.id)
            now = state(entry, text)
            if now == "no_answer":
                continue
            graded = now == "graded"
            rows.append({"student_id": sid, "name": result.student.name,
                         "question": q.id, "title": q.title.en, "max_points": f"{q.person_points:g}",
                         "answer": text, "answer_sha": answer_sha(text),
                         "score": f"{entry['score']:g}" if graded else "",
                         "comment": entry.get("comment", "") if graded else "",
                         "previous": hint(entry) if now == "changed" else "",
                         "version": str(entry.get("version", 1)) if entry else "0"})
    sheet.write(path, rows)
    return len(rows)


def _row(out: Path, row: dict[str, str], found: dict[str, StudentResult], line: int, by: str) -> str | None:
    """Record one row; the reason it was refused, or None."""
    where = f"row {line}"
    sid, qid = row["student_id"].strip(), row["question"].strip()
    result = found.get(sid)
    if result is None:
        return f"{where}: unknown student {row['student_id']!r}"
    question = next((q for q in manual_questions(result) if q.id == qid), None)
    if question is None:
        return f"{where}: {row['question']!r} is not a manual question of {sid}"
    if not row["score"].strip():
        return None
    try:
        score = read_score(row["score"])
    except Unreadable:
        return f"{where}: score {row['score']!r} is not a number"
    seen, text = row["answer_sha"].strip(), question.answer_text or ""
    as_exported = {answer_sha(text), answer_sha(xlsx_storable(text))}  # XLSX cannot hold some control characters
    if seen == answer_sha(text) and answer_sha(row["answer"]) not in as_exported:
        return f"{where}: the answer cell of {sid} {qid} differs from the answer it was exported with; score not applied"
    version = row.get("version", "").strip()
    try:
        record(out, sid, qid, text=text, top=question.person_points, seen_sha=seen,
               seen_version=int(version) if version.isdigit() else None,
               grade=Grade(comment=row["comment"], score=score), by=by)
    except Refusal as exc:
        if exc.current is not None and exc.current.get("answer_sha") == seen \
                and exc.current.get("score") == score and exc.current.get("comment", "") == row["comment"].strip():
            return None  # this very grade is already stored (the sheet imported twice)
        return f"{where}: {exc.en}"
    return None


def import_sheet(out: Path, path: Path, by: str = SHEET_GRADER, refused: list[str] | None = None) -> list[str]:
    """Merge a filled sheet into the store and the results; returns the students whose result changed.

    Every good row is applied; each other row is left out, its reason appended to `refused`.
    ManualSheetError only if the file cannot be read at all."""
    try:
        rows = sheet.read(path)
    except (OSError, ValueError) as exc:
        raise ManualSheetError([str(exc)], "the sheet was not imported:") from None
    found = read_results(out)
    with locked(out):
        for line, row in enumerate(rows, start=2):
            problem = _row(out, row, found, line, by)
            if problem and refused is not None:
                refused.append(problem)
        store = load_scores(out)
    return reapply(out, store, found)


def reapply(out: Path, store: dict[str, Any], found: dict[str, StudentResult], only: set[str] | None = None) -> list[str]:
    """Apply the store to the results on disk; returns the students whose result changed."""
    changed = []
    for sid, result in found.items():
        if only is not None and sid not in only:
            continue
        if apply_saved(result, store.get(sid, {})):
            write_result(out, result)
            changed.append(sid)
    return changed


def _graded_feedback(entry: dict[str, Any], top: float) -> Text:
    score, comment = entry["score"], entry.get("comment", "")
    fa = [persian_digits(f"نمره دستیار آموزشی: {fmt_points(score)} از {fmt_points(top)}.")]
    en = [f"Scored by a teaching assistant: {score:g} of {top:g}."]
    for item in entry.get("items", []):
        fa.append(persian_digits(f"({item['points']:+g})") + f" {item['fa'] or item['en']}")
        en.append(f"({item['points']:+g}) {item['en'] or item['fa']}")
    if entry.get("adjust"):
        fa.append(persian_digits(f"({entry['adjust']:+g})"))
        en.append(f"({entry['adjust']:+g})")
    return Text(" ".join([*fa, comment]).strip(), " ".join([*en, comment]).strip())


def apply_saved(result: StudentResult, scores: dict[str, dict[str, Any]]) -> bool:
    """Put saved manual scores into a result where the answer text is the one they were given for,
    and 0 where no answer was written; True if the result changed."""
    changed = False
    for q in manual_questions(result):
        entry = scores.get(q.id)
        now = state(entry, q.answer_text)
        top = q.person_points
        for a in q.by_person:  # one such answer per question in practice; split pro rata otherwise
            if now == "no_answer":
                if a.status in (Status.PENDING, Status.MISSING):  # not a notebook that could not be read at all
                    changed |= a.set(0.0, Status.MISSING, NO_ANSWER)
            elif now == "graded":
                points = round(entry["score"] * a.max_points / top, 4)
                changed |= a.set(points, Status.of_fraction(points / a.max_points), _graded_feedback(entry, top))
            elif a.status is not Status.PENDING:  # a score on disk for an answer since changed waits again
                changed |= a.set(0.0, Status.PENDING, FEEDBACK[Status.PENDING])
    return changed
