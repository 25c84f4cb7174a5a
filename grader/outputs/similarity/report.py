"""Rank the pairs of a class by combined evidence and write OUT/similarity.json."""
from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from grader.core import atomic
from grader.core.result import StudentResult

from . import code as codes_mod
from .answers import shared_wrong
from .normalize import normalize

SIMILARITY_JSON = "similarity.json"
# A rare identical wrong answer adds this much to the score; alone it takes three of them,
# shared by nobody else, to reach the threshold (honest slips coincide, but rarely exactly).
WRONG_WEIGHT = 0.2
# Flag at this combined score. After class-common code is removed, honest pairs keep next to no
# shared shingles (below 0.1 on the sample classes and the tests), while a copied answer keeps
# most of the smaller student's evidential code: half of it shared is far outside honest noise.
THRESHOLD = 0.5
MIN_SHINGLES = 12  # fewer shared shingles than this (about a line or two) is never code evidence
MAX_PAIRS = 50
MAX_CELLS = 3
MAX_CHARS = 1500


def _cap(source: str) -> str:
    return source if len(source) <= MAX_CHARS else source[:MAX_CHARS].rstrip() + "\n…"


def _template_code(rubric: Any) -> list[str]:
    """The released template's code cells (given code and answer stubs)."""
    if rubric is None:
        return []
    from grader.release import template
    return [c.source for c in template(rubric).cells if c.cell_type == "code"]


def similarity_report(results: list[StudentResult], notebooks: dict[str, Path],
                      rubric: Any = None) -> dict[str, Any]:
    """Every pair with some evidence, most similar first; `flagged` marks those for a person."""
    tmpl = [tuple(normalize(s)) for s in _template_code(rubric)]
    base = set().union(*(codes_mod.shingles(t) for t in tmpl)) if tmpl else set()
    codes, skipped = {}, []
    for sid, path in sorted(notebooks.items()):
        sources = codes_mod.code_cells(Path(path))
        if sources is None:
            skipped.append(sid)
        else:
            codes[sid] = codes_mod.build(sources, set(tmpl))
    shared, sizes = codes_mod.pair_overlaps(codes, base)
    wrong = shared_wrong(results)
    pairs = []
    for a, b in sorted(set(shared) | set(wrong)):
        common = shared.get((a, b), set())
        smaller = min(sizes.get(a, 0), sizes.get(b, 0))
        code_score = len(common) / smaller if smaller and len(common) >= MIN_SHINGLES else 0.0
        wrong_weight = sum(wrong.get((a, b), {}).values())
        score = code_score + WRONG_WEIGHT * wrong_weight
        if score <= 0:
            continue
        cells = (codes_mod.matching_cells(codes[a], codes[b], common, MAX_CELLS)
                 if code_score else [])
        pairs.append({
            "a": a, "b": b, "score": round(score, 3), "code_score": round(code_score, 3),
            "shared_shingles": len(common), "shared_wrong": sorted(wrong.get((a, b), {})),
            "wrong_weight": round(wrong_weight, 3), "flagged": score >= THRESHOLD,
            "matching_cells": [{"a_cell_source": _cap(x), "b_cell_source": _cap(y)} for x, y in cells],
        })
    pairs.sort(key=lambda p: (-p["score"], p["a"], p["b"]))
    return {"threshold": THRESHOLD, "wrong_weight_each": WRONG_WEIGHT, "k": codes_mod.K, "common_at": codes_mod.COMMON,
            "students": len(codes), "skipped": skipped, "pairs": pairs[:MAX_PAIRS]}


def load_similarity(out_dir: Path) -> dict[str, Any] | None:
    """The report a previous run wrote, or None."""
    try:
        return json.loads((Path(out_dir) / SIMILARITY_JSON).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None


def write_similarity(out_dir: Path, results: list[StudentResult], notebooks: dict[str, Path] | None,
                     rubric: Any = None) -> dict[str, Any] | None:
    """Write OUT/similarity.json and return it. Without `notebooks` (a re-publish after a manual
    import, where the code has not changed) the previous report is kept and returned."""
    if notebooks is None:
        return load_similarity(out_dir)
    report = similarity_report(results, notebooks, rubric)
    atomic.write_json(Path(out_dir) / SIMILARITY_JSON, report, mode=atomic.plain_mode())
    return report
