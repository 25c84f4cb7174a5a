"""The one store of essay scores, written by the sheet import and by the portal alike.

`OUT/manual/scores.json` maps student → question → entry. An entry is a score given for one exact
answer text (`answer_sha`), stamped with who gave it and when, and versioned: a write names the
version it saw, so a grade given by someone else meanwhile is never overwritten unseen. A score
whose answer has changed since (a resubmission) is not applied; it stays as a hint for the next
grade. `OUT/manual/items.json` holds the rubric items staff define per question; an entry graded
by items is rescored whenever an item's points change.
"""
from __future__ import annotations

import contextlib
import datetime as dt
import fcntl
import hashlib
import json
import re
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from grader.checks.values import Unreadable, read_number
from grader.core.atomic import write_json
from grader.core.errors import GraderError

SCORES = Path("manual") / "scores.json"
ITEMS = Path("manual") / "items.json"
LOCK = Path("manual") / ".lock"
HISTORY = 20  # earlier entries kept per answer, for whoever asks who changed a score
MAX_COMMENT = 2000
MAX_ITEM_TEXT = 200
MAX_ITEMS = 30


def answer_sha(text: str | None) -> str:
    return hashlib.sha256((text or "").strip().encode("utf-8")).hexdigest()[:16]


class Refusal(GraderError, ValueError):
    """One write not made, with the reason in English and Persian."""

    def __init__(self, en: str, fa: str, current: dict[str, Any] | None = None) -> None:
        super().__init__(en)
        self.en, self.fa, self.current = en, fa, current


def read_score(text: str) -> float:
    """A score as a person types it: '2.5', '۲٫۵', '2,5' (a lone decimal comma, as spreadsheets in
    many locales write it)."""
    try:
        return read_number(text)
    except Unreadable:
        if re.fullmatch(r"\s*[0-9۰-۹٠-٩]+,[0-9۰-۹٠-٩]+\s*", text):
            return read_number(text.replace(",", "."))
        raise


def _now() -> str:
    return dt.datetime.now(dt.UTC).isoformat(timespec="seconds")


def _read(path: Path) -> dict[str, Any]:
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return {}
    return data if isinstance(data, dict) else {}


def load_scores(out: Path) -> dict[str, dict[str, dict[str, Any]]]:
    return _read(out / SCORES)


def load_items(out: Path) -> dict[str, list[dict[str, Any]]]:
    return _read(out / ITEMS)


@contextlib.contextmanager
def locked(out: Path) -> Iterator[None]:
    """One writer at a time over both files, across processes (a sheet import while the portal runs)."""
    path = out / LOCK
    path.parent.mkdir(parents=True, exist_ok=True)
    with path.open("a") as f:
        fcntl.flock(f.fileno(), fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(f.fileno(), fcntl.LOCK_UN)


@dataclass(frozen=True)
class Grade:
    """What one person decided for one answer: a score, or rubric items plus an adjustment."""

    comment: str = ""
    score: float | None = None
    items: tuple[str, ...] | None = None
    adjust: float = 0.0


def state(entry: dict[str, Any] | None, text: str | None) -> str:
    """'no_answer', 'graded', 'changed' (graded for an earlier text: grade again) or 'pending'."""
    if not (text or "").strip():
        return "no_answer"
    if not entry:
        return "pending"
    return "graded" if entry.get("answer_sha") == answer_sha(text) else "changed"


def items_score(chosen: list[dict[str, Any]], adjust: float, top: float) -> float:
    return round(min(top, max(0.0, sum(i["points"] for i in chosen) + adjust)), 4)


def record(out: Path, student: str, question: str, *, text: str | None, top: float, seen_sha: str,
           seen_version: int | None, grade: Grade, by: str) -> dict[str, Any]:
    """Store `grade` for the answer whose hash the grader saw; returns the new entry.

    Refusal when the answer changed since (`seen_sha` is not the current text's), when someone
    else graded it after `seen_version` (None: the caller had no version to show, as an old
    sheet), or when the score is outside 0..top. Hold `locked(out)` around it.
    """
    if not (text or "").strip():
        raise Refusal(f"{student} {question} has no answer; it is scored 0 without a grade",
                      f"پاسخی برای {question} نوشته نشده و خودکار صفر است")
    if seen_sha != answer_sha(text):
        raise Refusal(f"the answer of {student} {question} changed since it was shown (a resubmission): "
                      "grade the new answer", f"پاسخ {question} پس از نمایش تغییر کرده (ارسال دوباره)؛ پاسخ تازه را تصحیح کنید")
    scores = load_scores(out)
    old = scores.get(student, {}).get(question)
    version = int(old.get("version", 1)) if old else 0
    if seen_version is not None and seen_version != version:
        who, when = (old or {}).get("by") or "?", (old or {}).get("at") or "?"
        raise Refusal(f"{student} {question} was graded by {who} at {when} after you loaded it; "
                      "reload to see that grade, nothing was overwritten",
                      f"{question} پس از بارگذاری صفحه توسط {who} ({when}) تصحیح شد؛ صفحه را تازه کنید، چیزی از دست نرفت",
                      old)
    comment = grade.comment.strip()[:MAX_COMMENT]
    entry: dict[str, Any] = {"answer_sha": seen_sha, "comment": comment, "by": by, "at": _now(),
                             "version": version + 1}
    if grade.items is not None:
        if not -top <= grade.adjust <= top:
            raise Refusal(f"an adjustment must lie within ±{top:g}", f"تغییر نمره باید میان ±{top:g} باشد")
        chosen = [dict(i) for i in load_items(out).get(question, []) if i["id"] in grade.items]
        entry.update(items=chosen, adjust=grade.adjust, score=items_score(chosen, grade.adjust, top))
    else:
        if grade.score is None or not 0 <= grade.score <= top:
            raise Refusal(f"score {grade.score} is outside 0..{top:g} for {question}",
                          f"نمره بیرون از بازهٔ ۰ تا {top:g} است")
        entry["score"] = grade.score
    if old:
        entry["history"] = ([{k: v for k, v in old.items() if k != "history"}] + old.get("history", []))[:HISTORY]
    scores.setdefault(student, {})[question] = entry
    write_json(out / SCORES, scores)
    return entry


def save_item(out: Path, question: str, top: float, item: dict[str, Any], by: str) -> list[str]:
    """Add or change a rubric item; every answer graded with it is rescored. Returns the students
    whose score changed. Hold `locked(out)` around it."""
    items = load_items(out)
    mine = items.setdefault(question, [])
    fa, en = (str(item.get(k, "")).strip()[:MAX_ITEM_TEXT] for k in ("fa", "en"))
    if not (fa or en):
        raise Refusal("an item needs a comment in Persian or English", "هر بند به توضیحی فارسی یا انگلیسی نیاز دارد")
    points = float(item["points"])
    if not -top <= points <= top:
        raise Refusal(f"an item's points must lie within ±{top:g}", f"امتیاز بند باید میان ±{top:g} باشد")
    current = next((i for i in mine if i["id"] == item.get("id")), None)
    if current is None:
        if len(mine) >= MAX_ITEMS:
            raise Refusal(f"at most {MAX_ITEMS} items per question", f"حداکثر {MAX_ITEMS} بند برای هر پرسش")
        current = {"id": f"i{1 + max((int(i['id'][1:]) for i in mine), default=0)}"}
        mine.append(current)
    current.update(fa=fa, en=en, points=points)
    write_json(out / ITEMS, items)
    scores = load_scores(out)
    changed = []
    for sid, per_question in scores.items():
        entry = per_question.get(question)
        if entry and any(i["id"] == current["id"] for i in entry.get("items", [])):
            history = ([{k: v for k, v in entry.items() if k != "history"}] + entry.get("history", []))[:HISTORY]
            chosen = [dict(current) if i["id"] == current["id"] else i for i in entry["items"]]
            entry.update(items=chosen, score=items_score(chosen, entry.get("adjust", 0.0), top), by=by, at=_now(),
                         version=int(entry.get("version", 1)) + 1, history=history)
            changed.append(sid)
    if changed:
        write_json(out / SCORES, scores)
    return changed
