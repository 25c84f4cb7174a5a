"""Points per answer and per question, from check outcomes and the rubric.

A question's points and status are always derived from its answers' entries, so the same
code serves a fresh grading and the merge of a teaching assistant's manual scores.
"""
from typing import Any

from grader.checks import Outcome
from grader.checks import messages as msg
from grader.rubric import Question

_NOT_ANSWERED = {"missing", "error", "internal_error"}


def _status(answers: list[dict[str, Any]]) -> str:
    statuses = {a["status"] for a in answers}
    graded = [a for a in answers if a["status"] != "manual"]
    if not graded:
        return "manual"
    fraction = sum(a["points"] for a in graded) / sum(a["max_points"] for a in graded)
    if fraction >= 1 - 1e-9:
        return "passed"
    if fraction > 0:
        return "partial"
    for special in ("internal_error", "error", "missing"):
        if statuses <= _NOT_ANSWERED | {"manual"} and special in statuses:
            return special
    return "failed"


def _feedback(status: str, answers: list[dict[str, Any]]) -> dict[str, str]:
    """One answer speaks for itself; several are summed up by the question's status."""
    if status == "manual":
        return msg.MANUAL
    if len(answers) > 1 and status in ("passed", "partial", "failed"):
        return msg.for_status(status)
    return answers[0]["feedback"]


def summarize(question: dict[str, Any]) -> dict[str, Any]:
    """Recompute a question entry's points, status, feedback and pending manual points."""
    answers = question["answers"]
    question["points"] = round(sum(a["points"] for a in answers), 4)
    question["status"] = _status(answers)
    question["feedback"] = _feedback(question["status"], answers)
    question["manual_points"] = sum(a["max_points"] for a in answers if a["status"] == "manual")
    return question


def question_result(question: Question, outcomes: list[Outcome]) -> dict[str, Any]:
    """The result JSON entry of one question."""
    answers = [{"name": answer.name, "check": answer.check, "points": round(answer.points * outcome.fraction, 4),
                "max_points": answer.points, "status": outcome.status, "secret": answer.secret,
                "expected": outcome.expected, "found": outcome.found, "feedback": outcome.feedback,
                "details": outcome.details, "error": outcome.error, "diagnosis": outcome.diagnosis}
               for answer, outcome in zip(question.answers, outcomes)]
    return summarize({"id": question.id, "title": question.title.model_dump(), "max_points": question.points,
                      "assumptions": [a.model_dump() for a in question.assumptions],
                      "answer_text": next((o.found for o in outcomes if o.status == "manual"), None),
                      "answers": answers})


def total(questions: list[dict[str, Any]]) -> tuple[float, float]:
    """(points earned, points still waiting for a person)."""
    return (round(sum(q["points"] for q in questions), 4),
            round(sum(q["manual_points"] for q in questions), 4))
