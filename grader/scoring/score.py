"""Points per answer, from check outcomes and the rubric.

A question's points, status and feedback are derived from its answers by the core
(`grader.core.result.QuestionResult`), so a fresh grading and the merge of a teaching
assistant's scores follow the same rule.
"""
from grader.checks import REGISTRY, Outcome
from grader.core.result import AnswerResult, QuestionResult
from grader.rubric import Question


def question_result(question: Question, outcomes: list[Outcome]) -> QuestionResult:
    """The result of one question, its answers in the rubric's order."""
    answers = [AnswerResult(name=answer.name or "", check=answer.check, max_points=answer.points,
                            status=outcome.status, points=round(answer.points * outcome.fraction, 4),
                            by_person=REGISTRY[answer.check].by_person, secret=answer.secret, expected=outcome.expected,
                            found=outcome.found, feedback=outcome.feedback, details=outcome.details,
                            error=outcome.error, diagnosis=outcome.diagnosis)
               for answer, outcome in zip(question.answers, outcomes)]
    return QuestionResult(id=question.id, title=question.title, max_points=question.points, answers=answers,
                          assumptions=list(question.assumptions),
                          answer_text=next((o.found for a, o in zip(question.answers, outcomes)
                                           if REGISTRY[a.check].by_person), None))
