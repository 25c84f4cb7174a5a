"""Points: per answer from the checks' outcomes, and the late penalty on the total."""
from grader.scoring.late import lateness
from grader.scoring.score import question_result

__all__ = ["lateness", "question_result"]
