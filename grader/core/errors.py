"""One error hierarchy: every error the grader raises on purpose is a `GraderError`.

Entry points catch `GraderError` once and exit with its `exit_code` (a configuration problem of
the teaching assistant's: 2). Each error pickles with the arguments it was made with, as work and
its failures cross process pools and Ray.
"""
from __future__ import annotations

import functools
from typing import Any, ClassVar


class GraderError(Exception):
    """An error the grader raises on purpose, with a message for the terminal."""

    exit_code: ClassVar[int] = 1
    _made_with: tuple[tuple[Any, ...], dict[str, Any]]

    def __new__(cls, *args: Any, **kwargs: Any) -> GraderError:
        self = super().__new__(cls, *args)
        self._made_with = (args, kwargs)
        return self

    def __reduce__(self) -> tuple[Any, ...]:
        args, kwargs = self._made_with
        return (functools.partial(type(self), **kwargs), args, self.__dict__)


class ConfigError(GraderError):
    """The course's set-up cannot be used (rubric, roster, data folder, CI settings): nobody is
    graded, the terminal gets one line per problem, and the command exits 2."""

    exit_code: ClassVar[int] = 2

    def __init__(self, problems: list[str] | str):
        self.problems = [problems] if isinstance(problems, str) else list(problems)
        super().__init__("\n".join(self.problems))
