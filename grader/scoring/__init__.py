"""Scoring: from check outcomes to the points of each answer."""
from grader.scoring.score import question_result

__all__ = ["question_result"]
