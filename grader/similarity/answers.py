"""Answer evidence: the same wrong value, character for character, in two students' results."""
from __future__ import annotations

from collections import defaultdict
from typing import Any

_NOT_WRONG = {"passed", "manual", "missing", "error"}  # error/missing: no value was found


def _fingerprint(answer: dict[str, Any]) -> str:
    """The value the grader found, as shown in the report (per-part values where it has parts)."""
    found = answer.get("found")
    if found not in (None, "", "None"):
        return str(found)
    parts = [f"{d.get('label')}={d.get('found')}" for d in answer.get("details") or []
             if isinstance(d, dict) and not d.get("ok") and d.get("found") not in (None, "")]
    return "; ".join(parts)


def wrong_values(results: list[dict[str, Any]]) -> dict[tuple[str, str], set[str]]:
    """(answer name, wrong value) -> the students who gave it."""
    given: dict[tuple[str, str], set[str]] = defaultdict(set)
    for r in results:
        for q in r.get("questions") or []:
            for a in q.get("answers") or [] if isinstance(q, dict) else []:
                if not isinstance(a, dict) or a.get("status") in _NOT_WRONG or not a.get("name"):
                    continue
                value = _fingerprint(a)
                if value:
                    given[(str(a["name"]), value)].add(str(r["student_id"]))
    return given


def shared_wrong(results: list[dict[str, Any]]) -> dict[tuple[str, str], dict[str, float]]:
    """Per pair, the answers both got wrong in the same way, each weighted by rarity: 1 when only
    these two gave that value, 1/(n-1) when n students did (a common slip is weak evidence)."""
    pairs: dict[tuple[str, str], dict[str, float]] = defaultdict(dict)
    for (name, _), who in wrong_values(results).items():
        if len(who) < 2:
            continue
        ids = sorted(who)
        for i, a in enumerate(ids):
            for b in ids[i + 1:]:
                pairs[(a, b)][name] = 1 / (len(who) - 1)
    return pairs
