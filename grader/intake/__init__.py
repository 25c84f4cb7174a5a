"""Finding submissions and turning each into a private folder holding one readable notebook."""
from grader.intake.discover import RosterError, Submission, discover
from grader.intake.open import Problem, open_submission, read_notebook

__all__ = ["Problem", "RosterError", "Submission", "discover", "open_submission", "read_notebook"]
