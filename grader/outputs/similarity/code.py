"""Code evidence: k-gram shingles of each student's normalized code cells, minus the code the
template gives and the code many students share (as MOSS excludes base code)."""
from __future__ import annotations

import json
from collections import defaultdict
from dataclasses import dataclass, field
from pathlib import Path

from grader.intake import files

from .normalize import normalize

K = 8  # tokens per shingle: about one short line, so one shared line is one piece of evidence
# a shingle found in this many submissions or more is class-common (template, idiom): no evidence
COMMON = 3
MAX_ENTRIES = 5000  # a submission's files and folders looked through for its notebook
MAX_NOTEBOOK_BYTES = 64 * 2**20


@dataclass
class Cell:
    source: str
    tokens: tuple[str, ...]


@dataclass
class Code:
    """One student's code cells and the shingles each cell contributes."""
    cells: list[Cell]
    shingles: dict[tuple[str, ...], set[int]] = field(default_factory=dict)  # shingle -> cell indexes


def _notebook_bytes(path: Path) -> bytes | None:
    """The submission's one notebook, read as `open_submission` would find it: a regular file,
    never through a link, within the size caps; None for a zip, a link, a FIFO, device or socket
    as the notebook, several notebooks, or too much."""
    notebooks, entries = [], 0
    try:
        for entry in files.walk(path):
            entries += 1
            if entries > MAX_ENTRIES:
                return None
            if (entry.kind != "dir" and entry.path.suffix == ".ipynb"
                    and ".ipynb_checkpoints" not in entry.path.parts):
                notebooks.append(entry)
                if entry.kind != "file" or len(notebooks) > 1:
                    return None
                data = files.read_regular(entry, MAX_NOTEBOOK_BYTES)
    except (OSError, files.Refused):
        return None
    return data if notebooks else None


def code_cells(path: Path) -> list[str] | None:
    """The student's own code cells (given cells left out); None if no single readable notebook."""
    data = _notebook_bytes(path)
    if data is None:
        return None
    try:
        cells = json.loads(data.decode("utf-8"))["cells"]
        sources = []
        for c in cells:
            if c.get("cell_type") != "code" or (c.get("metadata") or {}).get("grader", {}).get("given"):
                continue
            src = c.get("source") or ""
            sources.append("".join(src) if isinstance(src, list) else str(src))
        return sources
    except (ValueError, TypeError, KeyError, AttributeError, RecursionError):
        return None


def shingles(tokens: tuple[str, ...]) -> set[tuple[str, ...]]:
    return {tokens[i:i + K] for i in range(len(tokens) - K + 1)}


def build(sources: list[str], template: set[tuple[str, ...]]) -> Code:
    """Cells identical to a template cell (stubs, given code) are dropped before shingling."""
    code = Code([Cell(s, t) for s in sources if (t := tuple(normalize(s))) and t not in template])
    for i, cell in enumerate(code.cells):
        for sh in shingles(cell.tokens):
            code.shingles.setdefault(sh, set()).add(i)
    return code


def pair_overlaps(codes: dict[str, Code], base: set[tuple[str, ...]]) -> tuple[
        dict[tuple[str, str], set[tuple[str, ...]]], dict[str, int]]:
    """Shingles shared by exactly one pair (after dropping class-common and template ones), and
    each student's count of evidential shingles. With COMMON = 3 a kept shingle has at most two
    owners, so pairs come straight from an inverted index instead of comparing every pair."""
    owners: dict[tuple[str, ...], list[str]] = defaultdict(list)
    for sid, code in codes.items():
        for sh in code.shingles:
            if sh not in base:
                owners[sh].append(sid)
    sizes = {sid: 0 for sid in codes}
    shared: dict[tuple[str, str], set[tuple[str, ...]]] = defaultdict(set)
    for sh, who in owners.items():
        if len(who) >= COMMON:
            continue
        for sid in who:
            sizes[sid] += 1
        if len(who) == 2:
            shared[(min(who), max(who))].add(sh)
    return shared, sizes


def matching_cells(a: Code, b: Code, common: set[tuple[str, ...]], limit: int) -> list[tuple[str, str]]:
    """The cell pairs holding most of the shared shingles, most shared first."""
    counts: dict[tuple[int, int], int] = defaultdict(int)
    for sh in common:
        for i in a.shingles[sh]:
            for j in b.shingles[sh]:
                counts[(i, j)] += 1
    ranked = sorted(counts.items(), key=lambda kv: (-kv[1], kv[0]))[:limit]
    return [(a.cells[i].source, b.cells[j].source) for (i, j), _ in ranked]
