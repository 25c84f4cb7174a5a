"""Calling the reference implementations of an assignment (`reference/<id>/`), in the trusted process."""
import hashlib
import importlib
from functools import cached_property
from pathlib import Path
from typing import Any, Callable

from grader.core.errors import ConfigError
from grader.rubric.schema import DOTTED


class ReferenceError_(ConfigError, LookupError):
    """A rubric names a reference function that does not exist or is not the package's own."""


class References:
    """The reference package of one assignment, e.g. `reference.hw3`."""

    def __init__(self, package: str):
        self.package = package

    @cached_property
    def module_dir(self) -> Path:
        return Path(importlib.import_module(self.package).__file__).parent

    def function(self, dotted: str) -> Callable[..., Any]:
        """`ex12_alexnet.table` → the function `table` defined in `reference.hw3.ex12_alexnet`.

        The name's form is checked before anything is imported, so only a module under the package
        is ever imported (`..os`, `/`, spaces cannot step outside it); the function must be defined
        in that module, so what the module merely imported (`np`, `os.system`, `load_iris`) is refused,
        and the module's `__getattr__` is never consulted."""
        if not DOTTED.fullmatch(dotted):
            raise ReferenceError_(f"{dotted!r} is not a reference name: module.function inside {self.package}, "
                                  "Python identifiers joined by dots")
        module_name, _, attr = dotted.rpartition(".")
        full = f"{self.package}.{module_name}" if module_name else self.package
        try:
            module = importlib.import_module(full)
        except ImportError as exc:
            raise ReferenceError_(f"no reference module {full} ({exc})") from None
        fn = vars(module).get(attr)
        if not callable(fn):
            raise ReferenceError_(f"{full} has no function {attr!r}")
        defined_in = getattr(fn, "__module__", None)
        if defined_in != full:
            raise ReferenceError_(f"{full}.{attr} is defined in {defined_in}, not in {full}: a rubric may name "
                                  f"only functions defined in its reference package {self.package}")
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
