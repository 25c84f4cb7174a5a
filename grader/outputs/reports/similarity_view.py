"""The summary's "similar submissions" section, from the report grader.outputs.similarity wrote."""
from __future__ import annotations

import math
from typing import Any

from grader.core.text import Text

from .numbers import decimal, persian
from .view import cut

DETAILED = 3  # pairs whose matching cells are printed side by side
SCORE_TOLERANCE = 0.1  # scores to two decimals: 0.93, 3.2

TEXT = {
    "title": Text("ارسال‌های مشابه (برای داوری یک فرد)", "Similar submissions (for a person to judge)"),
    "note": Text("این بخش فقط نشانه‌ای برای بررسی است و هیچ نمره‌ای را تغییر نمی‌دهد. کد دانشجویان پس از حذف"
               " توضیح‌ها و فاصله‌ها و یکسان‌سازی نام متغیرها مقایسه شده و کدی که در قالب تمرین آمده یا"
               " سه دانشجو یا بیشتر در آن شریک‌اند کنار گذاشته شده است. پاسخ‌های نادرستِ عیناً یکسان نیز،"
               " هر چه کمیاب‌تر باشند، وزن بیشتری دارند.",
               "A hint for a person to check; it changes no score. Code is compared after dropping"
               " comments and layout and renaming variables; code from the template or shared by three"
               " or more students is ignored. Identical wrong answers add weight, the more so the rarer"
               " they are."),
    "scale": Text("امتیاز ترکیبی = سهمی از کدِ خودِ ارسالِ کوچک‌تر که در دیگری هم آمده (از ۰ تا ۱)"
                " + {w} برای هر پاسخ نادرستِ عیناً یکسان (کمتر اگر دانشجویان دیگری هم همان را داده باشند)."
                " ۰ یعنی هیچ اشتراکی؛ جفت‌های با امتیاز دست‌کم {t} علامت خورده‌اند؛ امتیاز بالاتر از ۱ تنها از"
                " پاسخ‌های نادرست یکسان می‌آید.",
                "Combined score = the share of the smaller submission's own code that the other also has"
                " (0 to 1) + {w} for each identical wrong answer (less when other students gave it too)."
                " 0 means nothing in common; pairs at {t} or above are flagged; a score above 1 comes only"
                " from identical wrong answers."),
    "none": Text("هیچ جفتی علامت نخورد.", "No pair flagged."),
    "pair": Text("دو دانشجو", "Students"),
    "score": Text("امتیاز ترکیبی", "Combined score"),
    "code": Text("از کد (۰ تا ۱)", "From code (0 to 1)"),
    "from_wrong": Text("از پاسخ‌های نادرست", "From wrong answers"),
    "wrong": Text("پاسخ‌های نادرست یکسان", "Identical wrong answers"),
    "cells": Text("سلول‌های مشابه", "Matching cells"),
    "skipped": Text("این ارسال‌ها مقایسه نشدند (فایل فشرده، یا نوت‌بوکی ناخوانا، پیوند نمادین یا جز فایل معمولی):",
                  "Not compared (a zip, or a notebook that is unreadable, a link or not a regular file):"),
}


def _number(value: Any) -> float:
    try:
        number = float(value)
    except (TypeError, ValueError):
        return 0.0
    return number if math.isfinite(number) else 0.0


def _pair(p: dict[str, Any]) -> dict[str, Any]:
    """A flagged pair with its students' ids, its score and the two parts of it on the score's own
    scale, answer names and quoted code cut for the page."""
    score, code = _number(p.get("score")), _number(p.get("code_score"))
    return {"a": cut(p.get("a"), "id"), "b": cut(p.get("b"), "id"),
            "score": decimal(score, SCORE_TOLERANCE), "code_score": decimal(code, SCORE_TOLERANCE),
            "wrong_score": decimal(max(0.0, score - code), SCORE_TOLERANCE),
            "shared_wrong": [cut(w, "label") for w in p.get("shared_wrong") or []],
            "matching_cells": [{"a_cell_source": cut(c.get("a_cell_source"), "code"),
                                "b_cell_source": cut(c.get("b_cell_source"), "code")}
                               for c in p.get("matching_cells") or []]}


def similarity_view(report: dict[str, Any] | None) -> dict[str, Any] | None:
    """None when no similarity report exists (the section is then left out)."""
    if not report:
        return None
    threshold = decimal(_number(report.get("threshold")), SCORE_TOLERANCE)
    each = report.get("wrong_weight_each")
    weight = decimal(_number(each), SCORE_TOLERANCE) if each is not None else "a weight"
    weight_fa = persian(weight) if each is not None else "وزنی"
    flagged = [_pair(p) for p in report.get("pairs") or [] if p.get("flagged")]
    return {
        "pairs": flagged,
        "detailed": flagged[:DETAILED],
        "skipped": [cut(sid, "id") for sid in report.get("skipped") or []],
        "scale": Text(TEXT["scale"].fa.format(w=weight_fa, t=persian(threshold)),
                      TEXT["scale"].en.format(w=weight, t=threshold)),
        "text": TEXT,
    }
