"""Bilingual text: the one type for anything said in Persian and English."""
from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

LANGS = ("both", "fa", "en")
_DIGITS = str.maketrans("0123456789", "۰۱۲۳۴۵۶۷۸۹")
# Persian uses the Arabic decimal separator (U+066B); only a dot *between digits* is one,
# so sentence-final dots and version strings like "v2." stay untouched.
_DECIMAL_POINT = re.compile(r"(?<=\d)\.(?=\d)")
_RTL = re.compile(r"[\u0590-\u08ff\ufb1d-\ufdff\ufe70-\ufeff]")


def persian_digits(text: str) -> str:
    """`text` with ASCII digits as Persian digits and decimal points as '٫'."""
    return _DECIMAL_POINT.sub("٫", str(text)).translate(_DIGITS)


def has_rtl(text: str | None) -> bool:
    """Whether `text` holds a Hebrew or Arabic-script letter, i.e. needs a right-to-left block."""
    return bool(_RTL.search(text or ""))


@dataclass(frozen=True)
class Text:
    """The same text in Persian (`fa`) and English (`en`); either side may be empty."""

    fa: str = ""
    en: str = ""

    def __bool__(self) -> bool:
        return bool(self.fa or self.en)

    def to_json(self) -> dict[str, str]:
        return {"fa": self.fa, "en": self.en}

    @classmethod
    def from_json(cls, value: Any) -> Text:
        """A {"fa", "en"} mapping; a plain string goes to the side its script says; else empty."""
        if isinstance(value, Text):
            return value
        if isinstance(value, dict):
            return cls(str(value.get("fa") or ""), str(value.get("en") or ""))
        if value in (None, ""):
            return cls()
        text = str(value)
        return cls(fa=text) if has_rtl(text) else cls(en=text)

    def texts(self, lang: str) -> list[str]:
        """The texts to show for `lang`; a missing side falls back to the other one."""
        if lang == "fa":
            return [t for t in (self.fa or self.en,) if t]
        if lang == "en":
            return [t for t in (self.en or self.fa,) if t]
        return [t for t in dict.fromkeys((self.fa, self.en)) if t]

    def side(self, which: str, lang: str) -> str:
        """Text for the Persian ("fa") or English ("en") column of a side-by-side layout; borrows
        the other language only when that column is the only one shown."""
        own, other = (self.fa, self.en) if which == "fa" else (self.en, self.fa)
        return own or (other if lang == which else "")
