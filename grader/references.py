"""Calling the reference implementations of an assignment (`reference/<id>/`), in the trusted process."""
import hashlib
import importlib
from functools import cached_property
from pathlib import Path
from typing import Any, Callable


class ReferenceError_(LookupError):
    """A rubric names a reference function that does not exist."""


class References:
    """The reference package of one assignment, e.g. `reference.hw3`."""

    def __init__(self, package: str):
        self.package = package

    @cached_property
    def module_dir(self) -> Path:
        return Path(importlib.import_module(self.package).__file__).parent

    def function(self, dotted: str) -> Callable[..., Any]:
        """`ex12_alexnet.table` → the function `reference.hw3.ex12_alexnet.table`."""
        module_name, _, attr = dotted.rpartition(".")
        full = f"{self.package}.{module_name}" if module_name else self.package
        try:
            module = importlib.import_module(full)
        except ImportError as exc:
            raise ReferenceError_(f"no reference module {full} ({exc})") from None
        fn = getattr(module, attr, None)
        if not callable(fn):
            raise ReferenceError_(f"{full} has no function {attr!r}")
        return fn

    def call(self, dotted: str, **kwargs: Any) -> Any:
        return self.function(dotted)(**kwargs)

    @cached_property
    def digest(self) -> str:
        """Hash of the package's source and model records, so results computed with other references are redone."""
        h = hashlib.sha256()
        for path in sorted([*self.module_dir.rglob("*.py"), *self.module_dir.rglob("records/*.json")]):
            h.update(path.relative_to(self.module_dir).as_posix().encode() + b"\0" + path.read_bytes())
        return h.hexdigest()[:16]
