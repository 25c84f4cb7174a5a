"""Loading a rubric for grading: its schema (`grader.rubric`) and what each answer's check makes of
it (options, reference names, diagnoses), every problem as `file:line: where: what`."""
from pathlib import Path

from grader.checks.base import validate_answer
from grader.core.settings import Course
from grader.rubric.loader import Path_, RubricError, parse, raise_problems
from grader.rubric.schema import Rubric

__all__ = ["RubricError", "check_references", "load_rubric"]


def _answer_problems(rubric: Rubric, with_references: bool, course: Course | None,
                     question_id: str | None = None) -> list[tuple[Path_, str]]:
    if with_references and course is None:
        course = Course.load()
    return [(("questions", qi, "answers", ai) + sub, message)
            for qi, question in enumerate(rubric.questions) if question_id in (None, question.id)
            for ai, answer in enumerate(question.answers)
            for sub, message in validate_answer(rubric, answer, with_references=with_references, course=course)]


def load_rubric(path: Path, *, references: bool = True, course: Course | None = None) -> Rubric:
    """Parse and validate the rubric at `path`, including its checks and reference names (in the
    reference package of `course`, by default the working directory's).

    `references=False` leaves out what needs the reference code imported (seconds, with torch or
    TensorFlow), for `check_references` to do while a grading run starts its kernels."""
    path = Path(path)
    rubric, lines = parse(path)
    raise_problems(path, _answer_problems(rubric, references, course), lines)
    return rubric


def check_references(path: Path, rubric: Rubric, course: Course | None = None, question_id: str | None = None) -> None:
    """Raise `RubricError` for what `load_rubric(path, references=False)` left unchecked in `rubric`
    (in one question's answers only, given `question_id`: the reference code the others name stays
    unimported); the file is read again only to name the lines of a problem."""
    problems = _answer_problems(rubric, True, course, question_id)
    if problems:
        raise_problems(Path(path), problems, parse(Path(path))[1])
