"""Rubrics: the typed schema of `rubrics/<id>.yaml`, where a course keeps them, and reading one with
line-numbered errors. Loading one for grading, with each answer's check validated, is
`grader.checks.load_rubric`."""
from grader.rubric.loader import RubricError, find_rubric, rubric_dir
from grader.rubric.schema import Answer, Question, Rubric, Text

__all__ = ["Answer", "Question", "Rubric", "RubricError", "Text", "find_rubric", "rubric_dir"]
