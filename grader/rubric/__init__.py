"""Rubrics: the typed schema of `rubrics/<id>.yaml` and its loader with line-numbered errors."""
from grader.rubric.loader import RubricError, check_references, find_rubric, load_rubric, rubric_dir
from grader.rubric.schema import Answer, Question, Rubric, Text

__all__ = ["Answer", "Question", "Rubric", "RubricError", "Text", "check_references", "find_rubric",
           "load_rubric", "rubric_dir"]
