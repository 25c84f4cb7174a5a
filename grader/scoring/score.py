"""Points per answer and per question, from check outcomes and the rubric."""
from typing import Any

from grader.checks import Outcome
from grader.checks import messages as msg
from grader.rubric import Question

_NOT_ANSWERED = {"missing", "error"}


def _status(outcomes: list[Outcome], fraction: float) -> str:
    statuses = {o.status for o in outcomes}
    if statuses == {"manual"}:
        return "manual"
    if fraction >= 1 - 1e-9:
        return "passed"
    if fraction > 0:
        return "partial"
    for special in ("error", "missing"):
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


def question_result(question: Question, outcomes: list[Outcome]) -> dict[str, Any]:
    """The result JSON entry of one question."""
    answers, points, auto_max = [], 0.0, 0.0
    for answer, outcome in zip(question.answers, outcomes):
        got = round(answer.points * outcome.fraction, 4)
        points += got
        auto_max += 0 if outcome.status == "manual" else answer.points
        answers.append({"name": answer.name, "check": answer.check, "points": got,
                        "max_points": answer.points, "status": outcome.status, "secret": answer.secret,
                        "expected": outcome.expected, "found": outcome.found,
                        "feedback": outcome.feedback, "details": outcome.details, "error": outcome.error})
    fraction = points / auto_max if auto_max else 0.0
    status = _status(outcomes, fraction if auto_max else 0.0)
    manual = [a for a, o in zip(question.answers, outcomes) if o.status == "manual"]
    return {"id": question.id, "title": question.title.model_dump(), "points": round(points, 4),
            "max_points": question.points, "status": status,
            "feedback": _feedback(status, answers),
            "assumptions": [a.model_dump() for a in question.assumptions],
            "answer_text": next((o.found for o in outcomes if o.status == "manual"), None),
            "manual_points": sum(a.points for a in manual),
            "answers": answers}


def total(questions: list[dict[str, Any]]) -> tuple[float, float]:
    """(points earned, points still waiting for a person)."""
    return (round(sum(q["points"] for q in questions), 4),
            round(sum(q["manual_points"] for q in questions), 4))
