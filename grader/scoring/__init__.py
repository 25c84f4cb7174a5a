"""Scoring: from check outcomes to question points, statuses and the student's total."""
from grader.scoring.score import question_result, summarize, total

__all__ = ["question_result", "summarize", "total"]
