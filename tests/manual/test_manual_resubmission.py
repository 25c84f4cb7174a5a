"""Essay scores and resubmissions: a score applies to the exact answer it was given for.

Results are built as `grader run` leaves them (fresh, then `apply_saved` with the store, as the
worker does), so each rule is checked without running notebooks.
"""
import csv
from pathlib import Path

import pytest

from grader.manual import ManualSheetError, apply_saved, export_sheet, import_sheet, load_scores
from grader.manual.loop import NO_ANSWER
from grader.manual.store import Grade, Refusal, answer_sha, locked, read_score, record, save_item
from grader.core.result import AnswerResult, QuestionResult, Status, Student, StudentResult
from grader.core.text import Text
from grader.outputs.results import read_result, result_path, write_result

ANSWERS = {"ana": "Dropout regularises.", "ben": "Ben's answer", "cyrus": None, "dina": "  "}


def fresh(sid: str, text: str | None) -> StudentResult:
    essay = AnswerResult("", "manual", 3, Status.PENDING, by_person=True)
    q = QuestionResult("q3", Text("تشریحی", "Essay"), 3, [essay],
                       answer_text=text.strip() if text and text.strip() else None)
    auto = QuestionResult("q1", Text("عددی", "Number"), 4, [AnswerResult("", "numeric", 4, Status.PASSED, 4.0)])
    return StudentResult(Student(sid, name_en=sid.title()), "hw", 7, [auto, q])


def run(out: Path, answers: dict[str, str | None]) -> None:
    """What `grader run` does to the results: grade afresh, then re-apply the stored scores."""
    store = load_scores(out)
    for sid, text in answers.items():
        result = fresh(sid, text)
        apply_saved(result, store.get(sid, {}))
        write_result(out, result)


def q3(out: Path, sid: str) -> QuestionResult:
    return read_result(result_path(out, sid)).question("q3")


def rows(path: Path) -> list[dict[str, str]]:
    with path.open(encoding="utf-8-sig", newline="") as f:
        return list(csv.DictReader(f))


def fill(path: Path, scores: dict[str, tuple[str, str]], source: Path | None = None) -> None:
    body = rows(source or path)
    for row in body:
        if row["student_id"] in scores:
            row["score"], row["comment"] = scores[row["student_id"]]
    with path.open("w", encoding="utf-8", newline="") as f:
        w = csv.DictWriter(f, list(body[0]))
        w.writeheader()
        w.writerows(body)


@pytest.fixture
def out(tmp_path: Path) -> Path:
    out = tmp_path / "out"
    run(out, ANSWERS)
    return out


def test_unanswered_is_zero_without_a_grade_and_pending_stays_pending(out):
    assert q3(out, "cyrus").status is Status.MISSING and q3(out, "cyrus").points == 0
    assert q3(out, "cyrus").answers[0].feedback == NO_ANSWER and q3(out, "dina").status is Status.MISSING
    assert read_result(result_path(out, "cyrus")).pending_points == 0
    ana = read_result(result_path(out, "ana"))
    assert q3(out, "ana").status is Status.PENDING and ana.pending_points == 3 and ana.total == 4
    sheet = out / "manual.csv"
    assert export_sheet(out, sheet) == 2 and {r["student_id"] for r in rows(sheet)} == {"ana", "ben"}


def test_an_unreadable_notebook_keeps_its_own_message(out):
    result = fresh("eve", None)
    error = Text("نوت‌بوک خوانده نشد", "The notebook could not be read")
    result.questions[1].answers[0].set(0.0, Status.ERROR, error)
    assert not apply_saved(result, {}) and result.questions[1].answers[0].feedback == error
    assert result.questions[1].status is Status.ERROR


def test_persian_and_decimal_comma_scores(out):
    assert read_score("۲٫۵") == 2.5 and read_score("2,5") == 2.5 and read_score("٢.٥") == 2.5
    sheet = out / "manual.csv"
    export_sheet(out, sheet)
    fill(sheet, {"ana": ("۲٫۵", "خوب"), "ben": ("a lot", "")})
    refused: list[str] = []
    assert import_sheet(out, sheet, refused=refused) == ["ana"]
    assert q3(out, "ana").points == 2.5 and q3(out, "ana").status is Status.PARTIAL
    assert refused == ["row 3: score 'a lot' is not a number"] and q3(out, "ben").status is Status.PENDING


def test_a_score_follows_its_answer_text_not_the_student(out):
    sheet = out / "manual.csv"
    export_sheet(out, sheet)
    fill(sheet, {"ana": ("2.5", "Say why."), "ben": ("3", "")})
    assert sorted(import_sheet(out, sheet)) == ["ana", "ben"]
    old = out / "old.csv"
    old.write_bytes(sheet.read_bytes())

    run(out, {**ANSWERS, "ben": "Ben's NEW answer"})  # ben resubmits; ana's unchanged answer keeps its score
    assert q3(out, "ana").points == 2.5 and q3(out, "ben").status is Status.PENDING
    assert read_result(result_path(out, "ben")).pending_points == 3

    export_sheet(out, sheet)  # everything was imported, so no refusal
    again = {r["student_id"]: r for r in rows(sheet)}
    assert again["ana"]["score"] == "2.5" and again["ana"]["previous"] == ""
    assert again["ben"]["score"] == "" and again["ben"]["comment"] == ""  # never pre-filled for the new text
    assert again["ben"]["previous"] == "3 for an earlier answer" and again["ben"]["version"] == "1"

    refused: list[str] = []  # the old filled sheet: ben's row is for his old answer, ana's row still good
    assert import_sheet(out, old, refused=refused) == []
    assert len(refused) == 1 and refused[0].startswith("row 3: the answer of ben q3 changed since it was shown")
    assert q3(out, "ben").status is Status.PENDING and q3(out, "ana").points == 2.5

    fill(sheet, {"ben": ("1", "Shorter now.")})
    assert import_sheet(out, sheet) == ["ben"] and q3(out, "ben").points == 1
    entry = load_scores(out)["ben"]["q3"]
    assert entry["version"] == 2 and entry["history"][0]["score"] == 3 and entry["by"] == "sheet"


def test_export_never_overwrites_a_filled_sheet_not_imported(out):
    sheet = out / "manual.csv"
    export_sheet(out, sheet)
    fill(sheet, {"ana": ("2", "")})
    with pytest.raises(ManualSheetError, match="holds 1 score"):
        export_sheet(out, sheet)
    assert rows(sheet)[0]["score"] == "2"
    import_sheet(out, sheet)
    assert export_sheet(out, sheet) == 2  # imported now: free to overwrite
    fill(sheet, {"ben": ("1", "")})
    assert export_sheet(out, sheet, force=True) == 2 and {r["score"] for r in rows(sheet)} == {"2", ""}


def test_edited_answer_cell_refuses_that_row_only(out):
    sheet = out / "manual.csv"
    export_sheet(out, sheet)
    body = rows(sheet)
    body[0]["answer"] += " (better)"
    body[0]["score"] = body[1]["score"] = "3"
    with sheet.open("w", encoding="utf-8", newline="") as f:
        w = csv.DictWriter(f, list(body[0]))
        w.writeheader()
        w.writerows(body)
    refused: list[str] = []
    assert import_sheet(out, sheet, refused=refused) == ["ben"]
    assert refused == ["row 2: the answer cell of ana q3 differs from the answer it was exported with; score not applied"]


def test_importing_the_same_sheet_twice_changes_nothing(out):
    sheet = out / "manual.csv"
    export_sheet(out, sheet)
    fill(sheet, {"ana": ("2", "ok")})
    assert import_sheet(out, sheet) == ["ana"]
    refused: list[str] = []
    assert import_sheet(out, sheet, refused=refused) == [] and refused == []
    assert load_scores(out)["ana"]["q3"]["version"] == 1


def test_a_sheet_never_overwrites_a_grade_given_since_it_was_exported(out):
    sheet = out / "manual.csv"
    export_sheet(out, sheet)
    with locked(out):
        record(out, "ana", "q3", text=ANSWERS["ana"], top=3, seen_sha=answer_sha(ANSWERS["ana"]), seen_version=0,
               grade=Grade(score=3, comment="portal"), by="ta-one")
    fill(sheet, {"ana": ("1", "sheet")})
    refused: list[str] = []
    import_sheet(out, sheet, refused=refused)
    assert len(refused) == 1 and "was graded by ta-one at" in refused[0] and "nothing was overwritten" in refused[0]
    assert load_scores(out)["ana"]["q3"]["score"] == 3


def test_rubric_items_rescore_every_answer_that_has_them(out):
    with locked(out):
        save_item(out, "q3", 3, {"fa": "نکته اصلی", "en": "main point", "points": 2}, by="ta-one")
        save_item(out, "q3", 3, {"fa": "بی‌دقتی", "en": "sloppy", "points": -0.5}, by="ta-one")
        for sid in ("ana", "ben"):
            record(out, sid, "q3", text=ANSWERS[sid], top=3, seen_sha=answer_sha(ANSWERS[sid]), seen_version=0,
                   grade=Grade(items=("i1",) if sid == "ben" else ("i1", "i2"), adjust=0.5), by="ta-one")
        assert {s: e["q3"]["score"] for s, e in load_scores(out).items()} == {"ana": 2, "ben": 2.5}
        assert sorted(save_item(out, "q3", 3, {"id": "i1", "fa": "نکته اصلی", "en": "main point", "points": 1},
                                by="ta-two")) == ["ana", "ben"]
        with pytest.raises(Refusal):
            save_item(out, "q3", 3, {"fa": "", "en": "", "points": 1}, by="ta-two")
    store = load_scores(out)
    assert {s: e["q3"]["score"] for s, e in store.items()} == {"ana": 1, "ben": 1.5}
    assert store["ana"]["q3"]["by"] == "ta-two" and store["ana"]["q3"]["version"] == 2
    run(out, ANSWERS)  # a later run applies the entry alone, with its items in the feedback
    assert q3(out, "ana").points == 1
    assert "(+1) main point (-0.5) sloppy (+0.5)" in q3(out, "ana").answers[0].feedback.en
