"""A set of items, compared without order: which layers have parameters, which labels, which options.

The student gives a set, list or tuple (a numpy array too); the reference function returns the
items that belong. Items are read as the table check reads a cell: a number, or text that spells
one ('۳', '1,568'), is a number, matched within the rubric's tolerance; other text is compared
trimmed, its inner spaces collapsed and case folded ('Conv ' is 'conv'); a tuple or list item is
compared item by item, its numbers exactly. A list that names an item twice names it once.

Credit (`options.credit`): `jaccard`, the items right over the items named by either side
(|found ∩ expected| / |found ∪ expected|); or `right_minus_wrong`, the items right less the items
wrong, over the items expected, at least 0. The feedback names what is missing and what is extra,
a few of each (only how many are missing where the answer is secret).
"""
import math
from typing import Any, Literal

import numpy as np
from pydantic import BaseModel, ConfigDict, Field

from grader.checks.base import Outcome, ValueCheck
from grader.checks.tolerance import isclose
from grader.checks.values import Unreadable, as_number, describe, plain
from grader.core.errors import ConfigError
from grader.core.result import Detail
from grader.core.text import Text, persian_digits

SHOWN = 5  # items named in the feedback, of the missing and of the extra each
ITEM_CHARS = 40  # an item's text in the feedback and details is cut here
DETAILS = 50  # the items listed one by one, of the expected and of the extra each
BRACED = 30  # the items shown in an answer's expected and found values
NESTING = 4  # a tuple item inside a tuple ... deeper is compared as its text


class SetOptions(BaseModel):
    model_config = ConfigDict(extra="forbid")
    credit: Literal["jaccard", "right_minus_wrong"] = Field(
        default="jaccard", description="partial credit: |right| / |union|, or (|right| - |extra|) / |expected|")
    max_items: int = Field(default=1000, ge=1, description="a longer answer is refused (twice the reference's at least)")


Key = tuple[Any, ...]  # a normalised item: ("num", float) | ("text", str) | ("seq", tuple of keys) | ("other", str)


def _cut(text: str) -> str:
    return text if len(text) <= ITEM_CHARS else text[:ITEM_CHARS - 1] + "…"


def _number(item: Any) -> float | None:
    """The number `item` is or spells, or None (text that is no number, a nan, a truth value, ...)."""
    if isinstance(item, (bool, np.bool_)):
        return None
    if isinstance(item, (int, float, str, np.integer, np.floating)):
        try:
            return as_number(item)
        except Unreadable:
            return None
    return None


def key(item: Any, depth: int = 0) -> Key:
    """What `item` is compared as (hashable, whatever the student's value was)."""
    if isinstance(item, np.generic):
        item = item.item()
    number = _number(item)
    if number is not None:
        return ("num", number + 0.0)  # -0.0 is 0.0
    if isinstance(item, str):
        return ("text", " ".join(plain(item).split()).casefold())
    if isinstance(item, (bool, np.bool_)):
        return ("text", str(bool(item)).casefold())
    if isinstance(item, (list, tuple, np.ndarray)) and depth < NESTING:
        values = item.tolist() if isinstance(item, np.ndarray) else item
        if isinstance(values, list | tuple):
            return ("seq", tuple(key(v, depth + 1) for v in values[:ITEM_CHARS]))
    return ("other", _cut(repr(item) if isinstance(item, float) else describe(item)))  # nan, inf, a dict, ...


def shown(k: Key) -> str:
    """An item as the student reads it."""
    kind, value = k
    if kind == "num":
        return f"{value:g}"
    if kind == "text":
        return _cut(repr(value))
    if kind == "seq":
        return _cut("(" + ", ".join(shown(v) for v in value) + ")")
    return str(value)


def braced(keys: list[Key]) -> str:
    """A few items of a set, sorted, as the student reads them."""
    names = sorted(map(shown, keys))
    return "{" + ", ".join(names[:BRACED]) + (f", … ({len(names)} items)" if len(names) > BRACED else "") + "}"


def items(value: Any, limit: float = math.inf) -> tuple[list[Key], list[Any]]:
    """The distinct items of a collection, each with the value it came from (for the number precision)."""
    if isinstance(value, np.ndarray):
        if value.ndim != 1:
            raise Unreadable(persian_digits(f"به جای یک مجموعه، آرایه‌ای با شکل {value.shape} آمده است"),
                             f"expected a set (or list) of items, found an array of shape {value.shape}")
        value = value.tolist()
    if isinstance(value, (set, frozenset)):
        value = list(value)
    if not isinstance(value, (list, tuple)):
        raise Unreadable("پاسخ یک مجموعه (set، list یا tuple) نیست",
                         f"expected a set (or a list or tuple) of items, found {describe(value)}")
    if len(value) > limit:
        raise Unreadable(persian_digits(f"مجموعه {len(value)} عضو دارد؛ بیش از {limit} عضو خوانده نمی‌شود"),
                         f"the set has {len(value)} items; more than {limit} are not read")
    keys: dict[Key, Any] = {}
    for item in value:
        keys.setdefault(key(item), item)
    return list(keys), list(keys.values())


def _list(names: list[str], lang: str) -> str:
    more = len(names) - SHOWN
    sep = "، " if lang == "fa" else ", "
    text = sep.join(names[:SHOWN])
    if more > 0:
        text += f" و {persian_digits(str(more))} مورد دیگر" if lang == "fa" else f" and {more} more"
    return text


def feedback(missing: list[str], extra: list[str], secret: bool) -> Text:
    """What is missing and what is extra, a few of each, in Persian and English."""
    fa, en = [], []
    if missing and secret:
        fa.append(f"{persian_digits(str(len(missing)))} عضو جا افتاده است.")
        en.append(f"{len(missing)} item(s) missing.")
    elif missing:
        fa.append(f"جا افتاده: {_list(missing, 'fa')}.")
        en.append(f"Missing: {_list(missing, 'en')}.")
    if extra:
        fa.append(f"اضافی (در پاسخ درست نیست): {_list(extra, 'fa')}.")
        en.append(f"Extra (not in the answer): {_list(extra, 'en')}.")
    return Text(" ".join(fa), " ".join(en))


class SetCheck(ValueCheck):
    kind = "set"
    Options = SetOptions

    def prepare(self, rng: np.random.Generator) -> None:
        super().prepare(rng)
        try:
            for expected in [self.expected] + [v for _, v in self.variants]:
                items(expected)
        except Unreadable as exc:
            raise ConfigError(f"{self.question.id} ({self.answer.name}): the reference {self.answer.reference} "
                              f"does not return a set of items: {exc.en}") from None

    def shown_expected(self) -> str | None:
        return None if self.answer.secret else braced(items(self.expected)[0])

    def expected_json(self) -> Any:
        return sorted(map(shown, items(self.expected)[0]))

    def compare_with(self, found: Any, expected: Any) -> Outcome:
        want, want_raw = items(expected)
        got, got_raw = items(found, max(self.options.max_items, 2 * len(want)))
        matched_found: set[int] = set()
        right: list[Key] = []
        numbers = [(i, k[1], got_raw[i]) for i, k in enumerate(got) if k[0] == "num"]
        exact = {k: i for i, k in enumerate(got) if k[0] != "num"}
        for k, raw in zip(want, want_raw):
            if k[0] == "num":
                free = [(i, x, r) for i, x, r in numbers if i not in matched_found]
                if free:
                    close = isclose(np.array([x for _, x, _ in free]), np.full(len(free), k[1]), self.answer.tolerance,
                                    [r for _, _, r in free], raw)
                    hit = int(np.argmax(close)) if close.any() else None
                    if hit is not None:
                        matched_found.add(free[hit][0])
                        right.append(k)
            elif k in exact:
                matched_found.add(exact[k])
                right.append(k)
        missing = sorted((k for k in want if k not in right), key=shown)
        extra = sorted((k for i, k in enumerate(got) if i not in matched_found), key=shown)
        want = sorted(want, key=shown)  # the details in an order of their own, not the student's
        if not want:
            fraction = 0.0 if extra else 1.0
        elif self.options.credit == "jaccard":
            fraction = len(right) / (len(want) + len(extra))
        else:
            fraction = max(0.0, (len(right) - len(extra)) / len(want))
        details = [] if self.answer.secret else [  # a secret answer's items are never named
            Detail(label=shown(k), expected="in the set", found="given" if k in right else None, ok=k in right)
            for k in want[:DETAILS]]
        details += [Detail(label=shown(k), expected="not in the set", found="given", ok=False) for k in extra[:DETAILS]]
        outcome = Outcome.scored(fraction, expected=braced(want), found=braced(got), details=details)
        if missing or extra:
            outcome.feedback = feedback(list(map(shown, missing)), list(map(shown, extra)), self.answer.secret)
        return outcome
