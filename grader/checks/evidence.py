"""What a check reads of a student's run, by kind: one registry of named evidence collectors.

Each kind of evidence (the probe's replies, the files the notebook saved, the figures and the cell
errors of each question, the kernel's runtime, ...) is a `Kind`: a name, the typed value it holds,
the function that collects it from a finished `Run`, and its value where nothing was collected. A
check declares the kinds it reads (`Check.needs`); the engine collects only what the plan's checks
need, through `collect`, and knows no kind by name. A new check that needs a new kind of evidence
registers it in its own module (`register`), as the essay check does for its text.
"""
from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Generic, TypeVar, cast

import nbformat

from grader.kernel.probe import Reply, Request

if TYPE_CHECKING:
    from grader.kernel.execute import Execution
    from grader.models.runner import Runtime

T = TypeVar("T")


@dataclass(frozen=True)
class Run:
    """A student's finished run, as the collectors see it: the kernel's execution, the executed
    notebook, the requests the probe answered, the cell time limit and the kernel's runtime."""

    execution: Execution
    notebook: nbformat.NotebookNode
    requests: list[Request] = field(default_factory=list)
    cell_timeout_s: float = 0.0
    runtime: Runtime | None = None


@dataclass(frozen=True, eq=False)
class Kind(Generic[T]):
    """One kind of evidence: its name, how it is collected, and its value when it was not."""

    name: str
    collect: Callable[[Run], T]
    empty: Callable[[], T]

    def __repr__(self) -> str:
        return f"Kind({self.name!r})"


KINDS: dict[str, Kind[Any]] = {}


def register(name: str, collect: Callable[[Run], T], empty: Callable[[], T]) -> Kind[T]:
    """Add a kind of evidence to the registry; its name is what checks list in `needs`."""
    if name in KINDS and KINDS[name].collect is not collect:
        raise ValueError(f"evidence kind {name!r} is registered twice")
    kind = Kind(name, collect, empty)
    KINDS[name] = kind
    return kind


class UndeclaredEvidence(LookupError):
    """A check read a kind of evidence it does not list in `needs`: a fault of the grader's."""


class Evidence:
    """What one student's run produced, by kind: `evidence[FIGURES]` is a `dict[str, int]`.

    Built by `collect` for a grading run, it holds the kinds the plan's checks need and refuses any
    other (a check that forgot to declare one fails loudly, as an internal error, instead of seeing
    nothing). Built by hand (`Evidence(replies=...)`, in tests), a kind not given is empty."""

    def __init__(self, values: Mapping[str, Any] | None = None, *, only: Iterable[str] | None = None,
                 **by_name: Any) -> None:
        given = {**(values or {}), **by_name}
        unknown = sorted(set(given) - set(KINDS))
        if unknown:
            raise TypeError(f"unknown evidence kind(s) {', '.join(unknown)} (known: {', '.join(sorted(KINDS))})")
        self._values = given
        self._only = None if only is None else frozenset(only)

    def __getitem__(self, kind: Kind[T]) -> T:
        if kind.name in self._values:
            return cast(T, self._values[kind.name])
        if self._only is not None and kind.name not in self._only:
            raise UndeclaredEvidence(f"evidence {kind.name!r} was not collected: a check reading it must list it "
                                     f"in its `needs` (collected: {', '.join(sorted(self._only)) or 'nothing'})")
        return kind.empty()

    def __contains__(self, kind: Kind[Any]) -> bool:
        return kind.name in self._values

    def __repr__(self) -> str:
        return f"Evidence({', '.join(sorted(self._values))})"


def collect(run: Run, needs: Iterable[str]) -> Evidence:
    """The evidence of `run` that `needs` names, each kind by its registered collector."""
    names = frozenset(needs)
    unknown = sorted(names - set(KINDS))
    if unknown:
        raise KeyError(f"no evidence collector for {', '.join(unknown)} (known: {', '.join(sorted(KINDS))})")
    return Evidence({name: KINDS[name].collect(run) for name in sorted(names)}, only=names)


# --- the kinds every check type may use --------------------------------------------------------

def _files(run: Run) -> dict[str, Request]:
    return {r.key: r for r in run.requests if r.kind == "file"}


def replies(run: Run) -> dict[str, Reply]:
    """The probe's replies to the values and calls the checks asked for, by request key."""
    files = _files(run)
    return {key: reply for key, reply in run.execution.replies.items() if key not in files}


def saved_files(run: Run) -> dict[str, Reply]:
    """The probe's replies for the files the notebook saved (their bytes), by the file's path."""
    return {request.name: run.execution.replies[key] for key, request in _files(run).items()
            if key in run.execution.replies}


def _seconds(limit: float) -> str:
    return f"{limit:g}"


def cell_errors(run: Run) -> dict[str, str]:
    """The first error of each question's cells: raised, stopped at the time limit, or the kernel died."""
    errors: dict[str, str] = {}
    for f in run.execution.failures:
        if f.question and f.question not in errors and f.kind in ("error", "timeout", "dead"):
            prefix = (f"[cell {f.index + 1} stopped after {_seconds(run.cell_timeout_s)} s]\n"
                      if f.kind == "timeout" else "")
            errors[f.question] = prefix + f.text
    return errors


def timed_out(run: Run) -> set[str]:
    """The questions a cell of which hit its time limit."""
    return {f.question for f in run.execution.failures if f.kind == "timeout" and f.question}


FIGURE_TYPES = ("image/png", "image/jpeg", "image/svg+xml")


def figures(nb: nbformat.NotebookNode) -> dict[str, int]:
    """How many plots the executed cells of each question showed."""
    from grader.kernel.execute import cell_question  # the kernel's client, imported where a run is read

    counts: dict[str, int] = {}
    question = None
    for cell in nb.cells:
        question = cell_question(cell, question)
        if cell.cell_type == "code" and question:
            drawn = sum(1 for out in cell.get("outputs", [])
                        if out.get("output_type") in ("display_data", "execute_result")
                        and any(t in out.get("data", {}) for t in FIGURE_TYPES))
            counts[question] = counts.get(question, 0) + drawn
    return counts


def _runtime(run: Run) -> Runtime | None:
    return run.runtime


REPLIES: Kind[dict[str, Reply]] = register("replies", replies, dict)
FILES: Kind[dict[str, Reply]] = register("files", saved_files, dict)
CELL_ERRORS: Kind[dict[str, str]] = register("cell_errors", cell_errors, dict)
TIMED_OUT: Kind[set[str]] = register("timed_out", timed_out, set)
FIGURES: Kind[dict[str, int]] = register("figures", lambda run: figures(run.notebook), dict)
RUNTIME: Kind[Runtime | None] = register("runtime", _runtime, lambda: None)

ANSWERED = frozenset({REPLIES.name, CELL_ERRORS.name, TIMED_OUT.name})  # a value, or why it is absent
