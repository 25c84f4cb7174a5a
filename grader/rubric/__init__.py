"""Rubrics: the typed schema of `rubrics/<id>.yaml` and its loader with line-numbered errors."""
from grader.rubric.loader import RubricError, find_rubric, load_rubric, rubric_dir
from grader.rubric.schema import Answer, Question, Rubric, Text

__all__ = ["Answer", "Question", "Rubric", "RubricError", "Text", "find_rubric", "load_rubric",
           "rubric_dir"]
