"""Calling the reference implementations of an assignment, in the trusted process.

The reference package is the course's own (`Course.references`, e.g. `<course>/reference/`): `use`
puts a finder first on `sys.meta_path` that imports that one name, and its submodules, from the
course folder alone, ahead of sys.path and of any installed package of the same name. Only that
package is made importable, not the rest of the course folder (a `json.py` or `grader/` there
shadows nothing). A `References` object makes its course's package the importable one wherever it
is made or unpickled (a local worker, a Ray task), so the grading plan carries it everywhere."""
import hashlib
import importlib
import importlib.abc
import importlib.machinery
import sys
import threading
from functools import cached_property
from pathlib import Path
from typing import Any
from collections.abc import Callable

from grader.core.errors import ConfigError
from grader.core.quiet import native_stderr_filtered
from grader.core.settings import Course
from grader.rubric.schema import DOTTED

_lock = threading.Lock()


class _CourseFinder(importlib.abc.MetaPathFinder):
    """Finds the course's reference package by its folder, and its submodules inside it."""

    def __init__(self, course: Course):
        self.course, self.folder, self.name = course, course.references, course.references.name

    def find_spec(self, fullname: str, path: Any = None, target: Any = None) -> importlib.machinery.ModuleSpec | None:
        if fullname == self.name:
            return importlib.machinery.PathFinder.find_spec(fullname, [str(self.folder.parent)])
        if fullname.startswith(f"{self.name}.") and path is not None:  # inside the package found above
            return importlib.machinery.PathFinder.find_spec(fullname, path)
        return None


def _finder() -> _CourseFinder | None:
    return next((f for f in sys.meta_path if isinstance(f, _CourseFinder)), None)


def _forget(name: str, unless_in: Path | None) -> None:
    """Drop `name` and its submodules from sys.modules, but those loaded from `unless_in`."""
    for key, module in list(sys.modules.items()):
        if key != name and not key.startswith(f"{name}."):
            continue
        where = [*(getattr(module, "__path__", None) or []), getattr(module, "__file__", None) or ""]
        if unless_in is None or not any(w and Path(w).resolve().is_relative_to(unless_in) for w in where):
            del sys.modules[key]


def use(course: Course) -> None:
    """Make `course`'s reference package the one its name imports in this process; with a course
    that has none, take back the finder of an earlier course (the name is then imported as
    installed). Modules of that name imported from elsewhere are forgotten."""
    folder = course.references if course.references is not None and course.references.is_dir() else None
    current = _finder()
    if (current.folder if current else None) == folder and (current is None or current.course == course):
        return
    with _lock:
        current = _finder()
        if current is not None:
            sys.meta_path.remove(current)
            _forget(current.name, folder if folder is not None and folder.name == current.name else None)
        if folder is not None:
            _forget(folder.name, folder)
            sys.meta_path.insert(0, _CourseFinder(course))
        importlib.invalidate_caches()


def forget() -> None:
    """Take back the finder `use` installed, and the modules it imported."""
    with _lock:
        current = _finder()
        if current is not None:
            sys.meta_path.remove(current)
            _forget(current.name, None)
            importlib.invalidate_caches()


def active_course() -> Course | None:
    """The course whose reference package this process imports, if `use` was called."""
    current = _finder()
    return current.course if current else None


class ReferenceError_(ConfigError, LookupError):
    """A rubric names a reference function that does not exist or is not the package's own."""


class References:
    """The reference package of one assignment, e.g. `reference.hw3`, imported from `course`
    (by default the working directory's, see `Course.load`)."""

    def __init__(self, package: str, course: Course | None = None):
        self.package = package
        self.course = course if course is not None else Course.load()
        use(self.course)

    def __setstate__(self, state: dict[str, Any]) -> None:
        """Unpickled in a worker or Ray task: its course's reference package is the one imported there,
        before any reference answer of the plan (a check's state after its References) is unpickled."""
        self.__dict__.update(state)
        use(self.course)

    @cached_property
    def module_dir(self) -> Path:
        use(self.course)
        with native_stderr_filtered():
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
        use(self.course)
        try:
            with native_stderr_filtered():  # importing TensorFlow logs start-up lines to descriptor 2
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
        """The reference function's value; a framework's first operation logs too, kept off the terminal."""
        fn = self.function(dotted)
        with native_stderr_filtered():
            return fn(**kwargs)

    @cached_property
    def digest(self) -> str:
        """Hash of the package's source and model records, so results computed with other references are redone."""
        h = hashlib.sha256()
        for path in sorted([*self.module_dir.rglob("*.py"), *self.module_dir.rglob("records/*.json")]):
            h.update(path.relative_to(self.module_dir).as_posix().encode() + b"\0" + path.read_bytes())
        return h.hexdigest()[:16]
