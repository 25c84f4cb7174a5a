"""Finding submissions and turning each into a private folder holding one readable notebook."""
from grader.intake.discover import RosterError, Submission, discover, read_roster, same_student
from grader.intake.open import Problem, open_submission, read_notebook

__all__ = ["Problem", "RosterError", "Submission", "discover", "open_submission", "read_notebook", "read_roster",
           "same_student"]
