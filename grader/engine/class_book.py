"""The class-level bookkeeping of a run: who the gradebook lists (the roster joined with the
results), what a teaching assistant must be told about the class (students without a submission,
submissions not on the roster, students Moodle cannot match, points pending, a run where most
hand-ins hold none of the assignment's answers), and the outputs of submissions that are no longer handed in.
"""
from __future__ import annotations

from pathlib import Path

from grader.core.classlist import (MOODLE_IDENTITIES, ClassRecord, Enrolled, Gradebook, GradebookRow, Standing)
from grader.core.errors import ConfigError
from grader.core.result import Status, Student, StudentResult
from grader.core.text import Text, persian_digits
from grader.intake import same_student
from grader.outputs.results import FOLDER, read_result, result_path

# A hand-in with at least this share of its automatic answers missing holds none of this assignment's
# work (a real partial hand-in of the sample classes misses up to 60 %); when more than half of the class
# is such, the assignment may be the wrong one.
NONE_OF_IT = 0.9
MOSTLY_MISSING = 0.5
LISTED = 10  # ids named in one notice; the others are counted


def class_record(roster: dict[str, Enrolled] | None, moodle_identity: str) -> ClassRecord:
    """The record of this run's class; a Moodle identity the roster cannot give is a configuration
    error, found before anyone is graded."""
    if moodle_identity not in MOODLE_IDENTITIES:
        raise ConfigError(f"--moodle-identity must be one of {', '.join(MOODLE_IDENTITIES)}, not {moodle_identity!r}")
    if moodle_identity != "idnumber" and not any(e.identity(moodle_identity) for e in (roster or {}).values()):
        raise ConfigError(f"--moodle-identity {moodle_identity}: students.csv needs a column {moodle_identity} "
                          "with each student's value")
    return ClassRecord(None if roster is None else tuple(sorted(roster.values(), key=lambda e: e.id)), moodle_identity)


def _standing(result: StudentResult) -> Standing:
    """A run error (a damaged hand-in, two hand-ins for one id, a cell out of time, a fault of the
    grader's) before pending points: the teaching assistant looks at it either way."""
    if result.errors:
        return Standing.RUN_ERROR
    return Standing.PENDING if result.pending_points else Standing.GRADED


def gradebook(record: ClassRecord, results: list[StudentResult], assignment: str, question_ids: list[str],
              max_total: float) -> Gradebook:
    """Every roster student (no submission: 0 points) and every result (one whose id the roster lacks
    is marked so); without a roster, the results alone, each its own roster entry."""
    rows = []
    if record.roster is None:
        for r in results:
            entry = Enrolled(r.student_id, r.student.name_fa, r.student.name_en, r.student.email)
            rows.append(GradebookRow(r.student, _standing(r), r, entry))
    else:
        by_key = {same_student(r.student_id): r for r in results}
        for entry in record.roster:
            found = by_key.pop(same_student(entry.id), None)
            student = Student(found.student_id if found else entry.id, entry.name_fa, entry.name_en, entry.email)
            rows.append(GradebookRow(student, _standing(found) if found else Standing.NO_SUBMISSION, found, entry))
        rows += [GradebookRow(r.student, Standing.NOT_ON_ROSTER, r, None) for r in by_key.values()]
    return Gradebook(assignment, question_ids, max_total, sorted(rows, key=lambda row: row.student.id),
                     record.moodle_identity)


def _missing_share(result: StudentResult) -> float | None:
    """The share of one hand-in's automatic answers (all answers, for an all-essay assignment) that are
    missing; answers the grader itself failed on are not counted either way (None: nothing counted)."""
    answers = [a for a in result.answers if not a.by_person] or list(result.answers)
    counted = [a for a in answers if a.status is not Status.INTERNAL_ERROR]
    return sum(a.status is Status.MISSING for a in counted) / len(counted) if counted else None


def missing_share(results: list[StudentResult]) -> float:
    """The share of the class's hand-ins that hold (almost) none of this assignment's answers: a
    class of partial hand-ins is not told its assignment may be wrong, a class of another one's is."""
    shares = [s for s in map(_missing_share, results) if s is not None]
    return sum(s >= NONE_OF_IT for s in shares) / len(shares) if shares else 0.0


def _ids(rows: list[GradebookRow]) -> tuple[str, str]:
    """The rows' ids for a notice, Persian and English (the first `LISTED`, then how many more)."""
    ids = [row.student.id for row in rows]
    more = len(ids) - LISTED
    shown = ", ".join(ids[:LISTED])
    return (shown + (f" و {persian_digits(str(more))} نفر دیگر" if more > 0 else ""),
            shown + (f" and {more} more" if more > 0 else ""))


def notices(book: Gradebook) -> list[Text]:
    """What the class summary and the terminal say about the gradebook, in Persian and English."""
    found = []
    absent = [row for row in book.rows if row.standing is Standing.NO_SUBMISSION]
    unlisted = [row for row in book.rows if row.standing is Standing.NOT_ON_ROSTER]
    unmatched = [row for row in book.rows if row.enrolled and not row.enrolled.identity(book.moodle_identity)]
    pending = [row for row in book.rows if row.pending_points]
    column = book.moodle_identity
    if absent:
        fa, en = _ids(absent)
        found.append(Text(f"{persian_digits(str(len(absent)))} دانشجوی فهرست کلاس چیزی تحویل نداده‌اند و صفر گرفته‌اند"
                          f" (وضعیت «تحویل نداده»): {fa}",
                          f"{len(absent)} student(s) of the roster handed in nothing and get 0 points "
                          f"(status 'no submission'): {en}"))
    if unlisted:
        fa, en = _ids(unlisted)
        found.append(Text(f"{persian_digits(str(len(unlisted)))} تحویلی با شناسه‌ای که در فهرست کلاس (students.csv) نیست"
                          f" تصحیح شد، با وضعیت «نه در فهرست کلاس»، و در moodle.csv نیامده است: {fa}",
                          f"{len(unlisted)} submission(s) under an id that the roster (students.csv) lacks were graded, "
                          f"marked 'not on roster' and left out of moodle.csv: {en}"))
    if unmatched:
        fa, en = _ids(unmatched)
        found.append(Text(f"{persian_digits(str(len(unmatched)))} دانشجو در ستون {column} فهرست کلاس مقداری ندارند"
                          f" و در moodle.csv نیامده‌اند: {fa}",
                          f"{len(unmatched)} student(s) have no {column} in the roster and are left out of "
                          f"moodle.csv: {en}"))
    if pending:
        found.append(Text(f"نمره‌ی تشریحی {persian_digits(str(len(pending)))} دانشجو هنوز در انتظار تصحیح است؛"
                          " moodle.csv تا آن زمان به آن‌ها نمره‌ای نمی‌دهد («-»).",
                          f"{len(pending)} student(s) have essay points pending: moodle.csv gives them no grade "
                          "('-') until those are graded."))
    share = missing_share([row.result for row in book.rows if row.result])
    if share > MOSTLY_MISSING:
        percent = f"{round(100 * share)}"
        found.append(Text(f"در {persian_digits(percent)}٪ از تحویل‌ها تقریباً هیچ پاسخ خودکاری پیدا نشد: شاید تکلیف "
                          f"{book.assignment} برای این پوشه درست نیست (--assignment).",
                          f"{percent}% of the hand-ins hold almost none of the automatic answers: {book.assignment} "
                          "may be the wrong assignment for these submissions (--assignment)."))
    return found


def remove_vanished(out: Path, assignment: str, present: set[str]) -> list[str]:
    """Delete the result and the report of each student of `assignment` whose submission is gone
    (id not in `present`), and return their ids. Only files grader wrote are touched: a result file
    that reads as this assignment's result, under its own id's name, and that id's PDF."""
    gone = []
    for path in sorted((out / FOLDER).glob("*.json")):
        result = read_result(path)
        if result is None or result.assignment != assignment or result.student_id in present \
                or result_path(out, result.student_id) != path:
            continue
        (out / f"{result.student_id}.pdf").unlink(missing_ok=True)
        path.unlink()
        gone.append(result.student_id)
    return gone
