"""The course's settings, resolved once: where its rubrics, its reference code and its data are, and
where `grader run` writes by default.

A course is a folder: `rubrics/<assignment>.yaml`, the reference package `reference/` the rubrics
name (`reference: reference.hw3`), `grader.yaml` (`data_dir`, relative to it) and, by default,
`reports/`. It is the folder `--course DIR` names, else the working directory, where what the
working directory lacks of a course comes from the course bundled with grader (the repository the
`grader` package sits in): its rubrics and its reference code, never its data folder. `GRADER_RUBRICS`
and `GRADER_DATA` override the rubrics and the data folder either way.

A `Course` holds plain absolute paths: it pickles, and it is what worker processes and Ray tasks
are handed (with the grading plan) instead of reading the working directory and environment again.
"""
from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from collections.abc import Mapping

import yaml

from grader.core.errors import ConfigError

CONFIG_FILE = "grader.yaml"
RUBRICS, REFERENCE, REPORTS = "rubrics", "reference", "reports"
ENV_RUBRICS, ENV_DATA = "GRADER_RUBRICS", "GRADER_DATA"


class CourseError(ConfigError):
    """A course folder that cannot be used: not a folder, or a grader.yaml that cannot be read."""


def bundled_root() -> Path:
    """The course bundled with grader: the folder the `grader` package sits in (a source checkout)."""
    return Path(__file__).resolve().parents[2]


def read_config(path: Path) -> dict[str, Any]:
    """A course's grader.yaml as a mapping; {} where there is none."""
    if not path.is_file():
        return {}
    try:
        config = yaml.safe_load(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, yaml.YAMLError) as exc:
        raise CourseError(f"{path} cannot be read: {exc}") from None
    if config is None:
        return {}
    if not isinstance(config, dict):
        raise CourseError(f"{path} is not a mapping of settings")
    return config


@dataclass(frozen=True)
class Course:
    """Where one course's pieces are. `references` is the reference package's folder (its name is
    the package's top-level name), None where the course has none; `data` None where no data
    folder is set."""

    root: Path
    rubrics: Path
    references: Path | None
    data: Path | None
    reports: Path

    @classmethod
    def load(cls, folder: Path | str | None = None, env: Mapping[str, str] | None = None) -> Course:
        """The course in `folder` (explicit: nothing is taken from elsewhere), else the working
        directory's, its gaps filled from the bundled course. `env` (default `os.environ`) gives
        the GRADER_RUBRICS and GRADER_DATA overrides; pass {} for none."""
        env = os.environ if env is None else env
        if folder is None:
            root, explicit = Path.cwd().resolve(), False
        else:
            root, explicit = Path(folder).resolve(), True
            if not root.is_dir():
                raise CourseError(f"the course folder {folder} is not a folder")
        bundled = bundled_root()
        rubrics = root / RUBRICS
        if not explicit and not rubrics.is_dir():
            rubrics = bundled / RUBRICS
        if env.get(ENV_RUBRICS):
            rubrics = Path(env[ENV_RUBRICS]).resolve()
        references: Path | None = root / REFERENCE
        if not (root / REFERENCE).is_dir():
            references = bundled / REFERENCE if not explicit and (bundled / REFERENCE).is_dir() else None
        return cls(root, rubrics, references, cls._data(root, env), root / REPORTS)

    @staticmethod
    def _data(root: Path, env: Mapping[str, str]) -> Path | None:
        """`GRADER_DATA`, else `data_dir` of the course's grader.yaml, relative to it. Only where the
        folder is: what a kernel or the evaluator may read of it is decided by `grader.models.datasets`."""
        if env.get(ENV_DATA):
            return Path(env[ENV_DATA]).resolve()
        value = read_config(root / CONFIG_FILE).get("data_dir")
        return (root / str(value)).resolve() if value else None

    def rubric(self, assignment: str) -> Path:
        return self.rubrics / f"{assignment}.yaml"
