"""A made-up student result that uses the student report's parts and fonts, rendered by `warm_up`.

Each report is laid out in a forked child, and whatever the child caches (the shaped fonts of
every family, size and weight, WeasyPrint's per-style caches) dies with it; a grading worker
that warmed up on two short lines paid those first-use costs again in every child, about a
fifth of a report's CPU. Rendering this once in the parent makes the children inherit them.
"""

from __future__ import annotations

from grader.core.result import StudentResult

_FEEDBACK = {"fa": "مقدار w1 پس از گام اول باید 0.9 باشد؛ احتمالاً momentum را دو بار اعمال کرده‌اید.",
             "en": "w1 should be 0.9 after the first step; momentum was probably applied twice."}


def _answer(name: str, points: float, status: str, **extra: object) -> dict:
    return {"name": name, "check": "array", "points": points, "max_points": 4, "status": status,
            "expected": "[0.9, 0.81, 0.729]", "found": "[0.8, 0.81, 0.729]", "error": None, **extra}


def _question(qid: str, status: str, points: float, answers: list[dict], **extra: object) -> dict:
    return {"id": qid, "title": {"fa": "بهینه‌ساز SGD با تکانه و Adam", "en": "SGD with momentum and Adam"},
            "points": points, "max_points": 4 * len(answers), "status": status, "answers": answers, **extra}


def warm_result() -> StudentResult:
    """Every status, a details table with a diagnosis, a comparison, a traceback, an essay."""
    details = [{"label": "w1", "expected": "0.9", "found": "0.8", "ok": False,
                "note": "1 of 3 values differ (largest difference 0.1)",
                "diagnosis": {"mistake": {"fa": "تکانه دو بار اعمال شده", "en": "Momentum applied twice"},
                              "explain": {"fa": "v = βv + g و سپس w = w − lr·v.", "en": "v = βv + g, then w = w − lr·v."}}},
               {"label": "w2", "expected": "0.81", "found": "0.81", "ok": True}]
    return StudentResult.from_json({
        "student_id": "warm", "assignment": "warm",
        "student": {"name_fa": "نام دانشجو", "name_en": "Student Name"},
        "assignment_title": {"fa": "تمرین نمونه", "en": "Sample assignment"},
        "course": {"fa": "یادگیری ژرف", "en": "Deep Learning"},
        "graded_at": "2026-11-25T12:00:00+00:00",
        "total": 12.5, "max_total": 36, "manual_pending": 4, "runtime_s": 12.3,
        "errors": [{"kind": "timeout", "message": _FEEDBACK, "detail": "CellTimeoutError: after 600 seconds."}],
        "notices": [_FEEDBACK],
        "questions": [
            _question("q1", "partial", 5, [
                _answer("q1_sgd", 4, "passed"),
                _answer("q1_momentum", 1, "partial", details=details, feedback=_FEEDBACK),
            ], feedback=_FEEDBACK, assumptions=[_FEEDBACK]),
            _question("q2", "error", 0, [_answer("q2_model", 0, "error", found=None, error=(
                "Traceback (most recent call last)\n----> 7 y = model(x)\n"
                "RuntimeError: mat1 and mat2 shapes cannot be multiplied (8x186624 and 9216x4096)"))]),
            _question("q3", "failed", 0, [_answer("q3_params", 0, "failed", secret=True, expected=None)]),
            _question("q4", "missing", 0, [_answer("q4_loss", 0, "missing", found=None)]),
            _question("q5", "manual", 0, [_answer("", 0, "manual", check="manual", expected=None, found=None)],
                      answer_text="به نظر من Dropout با احتمال p = 0.5 از هم‌وابستگی ویژگی‌ها جلوگیری می‌کند."),
            _question("q6", "internal_error", 0, [_answer("q6_acc", 0, "internal_error")]),
        ],
        "hashes": {"submission": "3f1c9a0e5b7d", "reference": "9b0e55d13c2a"},
    })
