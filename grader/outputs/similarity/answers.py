"""Answer evidence: the same wrong value, character for character, in two students' results."""
from __future__ import annotations

from collections import defaultdict

from grader.core.result import AnswerResult, Status, StudentResult

_NOT_WRONG = {Status.PASSED, Status.PENDING, Status.MISSING, Status.ERROR}  # error/missing: no value was found


def _fingerprint(answer: AnswerResult) -> str:
    """The value the grader found, as shown in the report (per-part values where it has parts)."""
    if answer.found not in (None, "", "None"):
        return str(answer.found)
    return "; ".join(f"{d.label}={d.found}" for d in answer.details if not d.ok and d.found not in (None, ""))


def wrong_values(results: list[StudentResult]) -> dict[tuple[str, str], set[str]]:
    """(answer name, wrong value) -> the students who gave it."""
    given: dict[tuple[str, str], set[str]] = defaultdict(set)
    for r in results:
        for a in r.answers:
            if a.status in _NOT_WRONG or not a.name:
                continue
            value = _fingerprint(a)
            if value:
                given[(a.name, value)].add(r.student_id)
    return given


def shared_wrong(results: list[StudentResult]) -> dict[tuple[str, str], dict[str, float]]:
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
