"""The summary's "similar submissions" section, from the report grader.outputs.similarity wrote."""
from __future__ import annotations

from typing import Any

from .persian import fmt_points, persian_digits
from grader.core.text import Text

from .view import cut

DETAILED = 3  # pairs whose matching cells are printed side by side

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
    "threshold": Text("جفت‌هایی که امتیاز ترکیبی‌شان دست‌کم {} است علامت خورده‌اند.",
                    "Pairs with a combined score of at least {} are flagged."),
    "none": Text("هیچ جفتی علامت نخورد.", "No pair flagged."),
    "pair": Text("دو دانشجو", "Students"),
    "score": Text("امتیاز ترکیبی", "Combined score"),
    "code": Text("شباهت کد", "Code similarity"),
    "wrong": Text("پاسخ‌های نادرست یکسان", "Identical wrong answers"),
    "cells": Text("سلول‌های مشابه", "Matching cells"),
    "skipped": Text("این ارسال‌ها مقایسه نشدند (فایل فشرده، یا نوت‌بوکی ناخوانا، پیوند نمادین یا جز فایل معمولی):",
                  "Not compared (a zip, or a notebook that is unreadable, a link or not a regular file):"),
}


def _pair(p: dict[str, Any]) -> dict[str, Any]:
    """A flagged pair with its students' ids, answer names and quoted code cut for the page."""
    return {**p, "a": cut(p.get("a"), "id"), "b": cut(p.get("b"), "id"),
            "shared_wrong": [cut(w, "label") for w in p.get("shared_wrong") or []],
            "matching_cells": [{"a_cell_source": cut(c.get("a_cell_source"), "code"),
                                "b_cell_source": cut(c.get("b_cell_source"), "code")}
                               for c in p.get("matching_cells") or []]}


def similarity_view(report: dict[str, Any] | None) -> dict[str, Any] | None:
    """None when no similarity report exists (the section is then left out)."""
    if not report:
        return None
    threshold = fmt_points(report.get("threshold") or 0)
    flagged = [_pair(p) for p in report.get("pairs") or [] if p.get("flagged")]
    return {
        "pairs": flagged,
        "detailed": flagged[:DETAILED],
        "skipped": [cut(sid, "id") for sid in report.get("skipped") or []],
        "threshold": Text(TEXT["threshold"].fa.format(persian_digits(threshold)), TEXT["threshold"].en.format(threshold)),
        "text": TEXT,
    }
