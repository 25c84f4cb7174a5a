"""Read a rubric from YAML against its schema; every problem is reported as `file:line: where: what`.
What each answer's check makes of it is validated by the checks (`grader.checks.load_rubric`)."""
from pathlib import Path
from typing import Any

import yaml
from pydantic import ValidationError

from grader.core.settings import Course
from grader.core.errors import ConfigError
from grader.rubric.schema import Rubric

Path_ = tuple[str | int, ...]


class RubricError(ConfigError):
    """A rubric that cannot be used, with one line per problem (`problems`)."""

    headline = "rubric error"


def rubric_dir(course: Course | None = None) -> Path:
    """The course's rubrics folder (`Course.rubrics`: `$GRADER_RUBRICS`, else the course's `rubrics/`);
    by default the working directory's course (`Course.load`)."""
    return (course or Course.load()).rubrics


def find_rubric(assignment: str, course: Course | None = None) -> Path:
    folder = rubric_dir(course)
    path = folder / f"{assignment}.yaml"
    if not path.is_file():
        known = sorted(p.stem for p in folder.glob("*.yaml"))
        raise RubricError([f"no rubric for assignment {assignment!r} in {folder} "
                           f"(known: {', '.join(known) or 'none'})"])
    return path


def _lines(node: yaml.Node, path: Path_, out: dict[Path_, int]) -> None:
    out[path] = node.start_mark.line + 1
    if isinstance(node, yaml.MappingNode):
        for key, value in node.value:
            out[path + (key.value,)] = key.start_mark.line + 1
            _lines(value, path + (key.value,), out)
            out[path + (key.value,)] = key.start_mark.line + 1
    elif isinstance(node, yaml.SequenceNode):
        for i, item in enumerate(node.value):
            _lines(item, path + (i,), out)


def _where(path: Path_) -> str:
    text = ""
    for part in path:
        text += f"[{part}]" if isinstance(part, int) else (f".{part}" if text else str(part))
    return text or "(top)"


def _line_of(path: Path_, lines: dict[Path_, int]) -> int:
    while path not in lines:
        path = path[:-1]
    return lines[path]


def parse(path: Path) -> tuple[Rubric, dict[Path_, int]]:
    """The rubric at `path` checked against the schema, and the line of every key in it."""
    try:
        loader = yaml.SafeLoader(path.read_text(encoding="utf-8"))
        try:
            node = loader.get_single_node()
            data: Any = loader.construct_document(node) if node is not None else None
        finally:
            loader.dispose()
    except (OSError, UnicodeDecodeError) as exc:
        raise RubricError([f"{path}: cannot read: {exc}"]) from None
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        line = mark.line + 1 if mark else 0
        raise RubricError([f"{path}:{line}: YAML syntax: {getattr(exc, 'problem', exc)}"]) from None
    if not isinstance(data, dict):
        raise RubricError([f"{path}:1: a rubric is a mapping with assignment, title, questions"])
    lines: dict[Path_, int] = {}
    _lines(node, (), lines)
    try:
        return Rubric.model_validate(data), lines
    except ValidationError as exc:
        raise RubricError([f"{path}:{_line_of(tuple(e['loc']), lines)}: {_where(tuple(e['loc']))}: "
                           f"{e['msg'].removeprefix('Value error, ')}" for e in exc.errors()]) from None


def raise_problems(path: Path, problems: list[tuple[Path_, str]], lines: dict[Path_, int]) -> None:
    if problems:
        raise RubricError([f"{path}:{_line_of(loc, lines)}: {_where(loc)}: {message}" for loc, message in problems])
