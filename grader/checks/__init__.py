"""Check types. Each is one `Check` subclass in its own module, found here by its `kind`.

A new question type is a new module in this package plus rubric entries that name it.
"""
import importlib
import pkgutil

from grader.checks.base import REGISTRY, Check, Evidence, NotReady, Outcome, build_check, judge, validate_answer

for _module in pkgutil.iter_modules(__path__):
    importlib.import_module(f"{__name__}.{_module.name}")

from grader.checks.loading import check_references, load_rubric  # noqa: E402 - after the check types

__all__ = ["REGISTRY", "Check", "Evidence", "NotReady", "Outcome", "build_check", "check_references", "judge",
           "load_rubric", "validate_answer"]
