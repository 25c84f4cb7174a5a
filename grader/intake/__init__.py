"""Finding submissions and turning each into a private folder holding one readable notebook."""
from grader.intake.discover import Submission, discover
from grader.intake.open import Problem, open_submission, read_notebook

__all__ = ["Problem", "Submission", "discover", "open_submission", "read_notebook"]
