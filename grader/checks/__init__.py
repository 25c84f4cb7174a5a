"""Check types. Each is one `Check` subclass in its own module, found here by its `kind`.

A new question type is a new module in this package plus rubric entries that name it: the check
says what evidence it reads (`needs`, from the registry in `grader.checks.evidence`, where a new
kind of evidence is registered too) and what the student's template shows for it (`template_cells`).
"""
import importlib
import pkgutil

from grader.checks.base import REGISTRY, Check, NotReady, Outcome, build_check, judge, validate_answer
from grader.checks.evidence import KINDS, Evidence, Run, collect

for _module in pkgutil.iter_modules(__path__):
    importlib.import_module(f"{__name__}.{_module.name}")

from grader.checks.loading import check_references, load_rubric  # noqa: E402 - after the check types

__all__ = ["KINDS", "REGISTRY", "Check", "Evidence", "NotReady", "Outcome", "Run", "build_check", "check_references",
           "collect", "judge", "load_rubric", "validate_answer"]
