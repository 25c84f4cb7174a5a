"""Essay grading in the portal: one question's answers, grouped, graded a group at a time.

Scores go through the same store and rule as the sheet import (`grader.manual.store.record`):
each grade names the answer hash and the version its grader saw, so a resubmitted answer or a
grade someone else gave meanwhile is refused, never overwritten. Forms never carry student ids:
an answer is named by an opaque key (an HMAC of question and student under a per-start secret),
which also keeps ids out of the page in anonymous mode.
"""
from __future__ import annotations

import hashlib
import hmac
import queue
import secrets
import sys
import threading
import unicodedata
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from grader.core.text import Text
from grader.manual.loop import manual_questions, reapply
from grader.manual.store import Grade, Refusal, answer_sha, load_items, load_scores, locked, record, save_item, state
from grader.outputs.results import read_results
from grader.untrusted import DIGITS, INVISIBLE

SIMILAR = 0.6  # Jaccard similarity of character 3-grams above which two answers share a group
MAX_TEXT = 20_000  # characters of an answer shown


def normalize(text: str) -> str:
    """What two answers must share to count as identical: case, spacing, digit script, the
    Arabic forms of ی and ک and invisible marks do not count."""
    text = unicodedata.normalize("NFKC", text).translate(DIGITS).replace("ي", "ی").replace("ك", "ک")
    return " ".join(text.translate(INVISIBLE).casefold().split())


def _grams(text: str) -> set[str]:
    padded = f" {text} "
    return {padded[i:i + 3] for i in range(max(1, len(padded) - 2))}


def similarity(a: str, b: str) -> float:
    ga, gb = _grams(a), _grams(b)
    return len(ga & gb) / len(ga | gb)


@dataclass
class Answer:
    key: str
    student_id: str
    name_fa: str
    name_en: str
    text: str
    sha: str
    state: str
    entry: dict[str, Any] | None

    @property
    def shown(self) -> str:
        """The text as the page shows it: cut at MAX_TEXT characters (the hash covers all of it)."""
        return self.text if len(self.text) <= MAX_TEXT else self.text[:MAX_TEXT] + " …"

    @property
    def version(self) -> int:
        return int(self.entry.get("version", 1)) if self.entry else 0

    @property
    def token(self) -> str:
        """What a form sends back for this answer: its key, the text hash and the version seen."""
        return f"{self.key}.{self.sha}.{self.version}"


@dataclass
class Group:
    """Answers identical after normalising (`texts`: one list per distinct text), then similar."""

    texts: list[list[Answer]] = field(default_factory=list)

    @property
    def answers(self) -> list[Answer]:
        return [a for same in self.texts for a in same]

    @property
    def done(self) -> bool:
        return all(a.state == "graded" for a in self.answers)

    def _grades(self) -> list[tuple[Any, ...]]:
        """Each graded answer's grade as the form would set it: score, items, adjustment, comment."""
        return [(e.get("score"), tuple(sorted(str(i.get("id")) for i in e.get("items") or [])), e.get("adjust"),
                 e.get("comment") or "") for a in self.answers if a.state == "graded" and (e := a.entry)]

    @property
    def mixed(self) -> bool:
        """Its graded answers hold different grades (one answer regraded alone, a regrade request
        answered): a save would give them all one grade, so the form starts empty and says so."""
        return len(set(self._grades())) > 1

    @property
    def shown(self) -> dict[str, Any] | None:
        """The grade the form starts from: that of the group's graded answers when they agree."""
        if self.mixed:
            return None
        return next((a.entry for a in self.answers if a.state == "graded"), None)

    @property
    def hints(self) -> list[dict[str, Any]]:
        """Earlier grades of answers since changed, for the grader to see, never to apply."""
        return [a.entry for a in self.answers if a.state == "changed" and a.entry]


@dataclass(frozen=True)
class Question:
    id: str
    title: Text
    top: float
    counts: dict[str, int]

    @property
    def answered(self) -> int:
        return sum(n for s, n in self.counts.items() if s != "no_answer")


class Desk:
    """The portal's view of the essay questions of one OUT folder, read from disk per request."""

    def __init__(self, out: Path, on_change: Any = None) -> None:
        self.out = out
        self._secret = secrets.token_bytes(32)
        self.on_change = on_change  # called with the students whose result changed

    def _key(self, question: str, student: str) -> str:
        return hmac.new(self._secret, f"{question}\n{student}".encode(), hashlib.sha256).hexdigest()[:16]

    def questions(self) -> list[Question]:
        store = load_scores(self.out)
        found: dict[str, Question] = {}
        for sid, result in read_results(self.out).items():
            for q in manual_questions(result):
                entry = found.setdefault(q.id, Question(q.id, q.title, q.person_points, {}))
                now = state(store.get(sid, {}).get(q.id), q.answer_text)
                entry.counts[now] = entry.counts.get(now, 0) + 1
        return list(found.values())

    def question(self, qid: str) -> Question | None:
        return next((q for q in self.questions() if q.id == qid), None)

    def answers(self, qid: str) -> list[Answer]:
        store = load_scores(self.out)
        found = []
        for sid, result in read_results(self.out).items():
            q = next((q for q in manual_questions(result) if q.id == qid), None)
            if q is None:
                continue
            text = q.answer_text or ""
            entry = store.get(sid, {}).get(qid)
            found.append(Answer(self._key(qid, sid), sid, result.student.name_fa, result.student.name_en,
                                text, answer_sha(text), state(entry, text), entry))
        return found

    def groups(self, qid: str) -> list[Group]:
        same: dict[str, list[Answer]] = {}
        for a in self.answers(qid):
            if a.state != "no_answer":
                same.setdefault(normalize(a.text), []).append(a)
        groups: list[tuple[str, Group]] = []
        for norm, answers in sorted(same.items(), key=lambda kv: (-len(kv[1]), kv[1][0].student_id)):
            home = next((g for rep, g in groups if similarity(rep, norm) >= SIMILAR), None)
            if home is None:
                groups.append((norm, Group()))
                home = groups[-1][1]
            home.texts.append(answers)
        return [g for _, g in groups]

    def items(self, qid: str) -> list[dict[str, Any]]:
        return load_items(self.out).get(qid, [])

    def grade(self, qid: str, tokens: list[str], grade: Grade, by: str) -> tuple[int, list[Refusal]]:
        """Record `grade` for every answer named; returns how many were stored and the refusals."""
        question = self.question(qid)
        if question is None:
            return 0, [Refusal(f"no essay question {qid}", f"پرسش تشریحی {qid} نیست")]
        by_key = {a.key: a for a in self.answers(qid)}
        done, refused, changed = 0, [], set()
        with locked(self.out):
            for token in tokens:
                key, _, rest = token.partition(".")
                sha, _, version = rest.partition(".")
                answer = by_key.get(key)
                if answer is None or not version.isdigit():
                    refused.append(Refusal("an answer on the page is no longer in the class", "پاسخی از صفحه دیگر نیست"))
                    continue
                try:
                    record(self.out, answer.student_id, qid, text=answer.text, top=question.top, seen_sha=sha,
                           seen_version=int(version), grade=grade, by=by)
                except Refusal as exc:
                    refused.append(exc)
                else:
                    done += 1
                    changed.add(answer.student_id)
            self._reapply(changed)
        return done, refused

    def save_item(self, qid: str, item: dict[str, Any], by: str) -> list[str]:
        question = self.question(qid)
        if question is None:
            raise Refusal(f"no essay question {qid}", f"پرسش تشریحی {qid} نیست")
        with locked(self.out):
            changed = save_item(self.out, qid, question.top, item, by)
            self._reapply(set(changed))
        return changed

    def _reapply(self, students: set[str]) -> None:
        if students:
            changed = reapply(self.out, load_scores(self.out), read_results(self.out), only=students)
            if changed and self.on_change:
                self.on_change(changed)


class Republisher:
    """Re-renders the PDFs of students whose scores changed, and then the class files, on a thread
    of its own, so a grade is stored at once and the reports follow within seconds."""

    def __init__(self, out: Path) -> None:
        self.out = out
        self._todo: queue.Queue[str] = queue.Queue()
        self._thread = threading.Thread(target=self._run, daemon=True, name="republish")
        self._thread.start()

    def __call__(self, students: list[str]) -> None:
        for sid in students:
            self._todo.put(sid)

    def wait(self) -> None:
        self._todo.join()

    def _run(self) -> None:
        from grader.outputs.reports import render_student_report
        from grader.outputs.results import read_result

        while True:
            taken = [self._todo.get()]
            while not self._todo.empty():
                taken.append(self._todo.get_nowait())
            try:
                for sid in sorted(set(taken)):
                    result = read_result(self.out / "results" / f"{sid}.json")
                    if result:
                        render_student_report(result, self.out / f"{sid}.pdf")
                self._publish()
            except Exception as exc:  # noqa: BLE001 - the store holds the grade; a report is redone next time
                print(f"grader serve: reports not re-rendered: {exc}", file=sys.stderr)
            finally:
                for _ in taken:
                    self._todo.task_done()

    def _publish(self) -> None:
        from grader.engine.class_run import publish_class
        from grader.rubric import RubricError, find_rubric
        from grader.checks import load_rubric

        found = list(read_results(self.out).values())
        if not found:
            return
        try:
            rubric = load_rubric(find_rubric(found[0].assignment))
        except (RubricError, OSError, KeyError):
            return  # an OUT folder without its rubric here: the students' PDFs are still current
        publish_class(self.out, rubric, found)
