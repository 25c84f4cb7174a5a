"""Resolve a box's lengths without a function call per property.

WeasyPrint 70 calls ``resolve_percentages`` each time it lays a box out (a report of 3,500 boxes
calls it ~4,500 times), and that sets 17 lengths through two nested calls each
(``resolve_one_percentage`` -> ``percentage``): about a tenth of a report's render time went there.
Nearly every one of those values is a computed length in pixels, whose used value is its number;
this version sets those directly and hands every other value (a percentage, ``auto``, ``none``, a
``calc()``) to WeasyPrint's own ``resolve_one_percentage``, so it sets the same attributes in the
same cases. Box sizing other than ``content-box`` goes to WeasyPrint's ``adjust_box_sizing`` as before
(with ``content-box`` that function changes nothing).

The pinned functions are checked by their source text; if WeasyPrint changed them, `install` raises
instead of running a stale copy. ``tests/reports/test_fast_percentages.py`` checks that every box of
the reports gets the same geometry either way.
"""

from __future__ import annotations

import hashlib
import inspect
from math import inf
from types import ModuleType

from weasyprint.css.functions import check_math
from weasyprint.css.properties import Dimension
from weasyprint.formatting_structure import boxes
from weasyprint.layout import absolute, block, column, float as float_, grid, inline, page, percent, table

_ORIGINAL = percent.resolve_percentages
_REPEATED = (_ORIGINAL, percent.resolve_one_percentage, percent.percentage, percent.adjust_box_sizing)
# The modules that bound the function by name at import (flex.py calls it through `percent`).
_USERS: tuple[ModuleType, ...] = (percent, absolute, block, column, float_, grid, inline, page, table)
# SHA-256 of the source of the pinned resolve_percentages, resolve_one_percentage, percentage and
# adjust_box_sizing (WeasyPrint 70.0), whose behaviour this module repeats.
_PINNED = "a574590443cb3ba45cde501614d52a270611192316b72f04ffb2a2dc109c54a3"
_BORDERS = ("border_top_width", "border_right_width", "border_bottom_width", "border_left_width")


def pinned_source_hash() -> str:
    """SHA-256 of the source of the WeasyPrint functions this module stands in for."""
    source = "".join(inspect.getsource(f) for f in _REPEATED)
    return hashlib.sha256(source.encode()).hexdigest()


def resolve_percentages(box: boxes.Box, containing_block: object) -> None:
    """WeasyPrint's ``resolve_percentages``, with a length in pixels set without a call."""
    if isinstance(containing_block, boxes.Box):
        cb_width, cb_height = containing_block.width, containing_block.height
    else:
        cb_width, cb_height = containing_block  # type: ignore[misc]
    maybe_height = cb_height if isinstance(box, boxes.PageBox) else cb_width
    style = box.style
    lengths: list[tuple[str, object]] = [
        ("margin_left", cb_width), ("margin_right", cb_width),
        ("margin_top", maybe_height), ("margin_bottom", maybe_height),
        ("padding_left", cb_width), ("padding_right", cb_width),
        ("padding_top", maybe_height), ("padding_bottom", maybe_height),
        ("width", cb_width), ("min_width", cb_width), ("max_width", cb_width)]
    if cb_height == "auto":
        # The containing block's height depends on its content: a percentage height is auto.
        height = style["height"]
        if height == "auto" or check_math(height) or height.unit == "%":
            box.height = "auto"
        else:
            assert height.unit.lower() == "px"
            box.height = height.value
        lengths += [("min_height", 0), ("max_height", inf)]
    else:
        lengths += [("height", cb_height), ("min_height", cb_height), ("max_height", cb_height)]
    for name, refer_to in lengths:
        value = style[name]
        if type(value) is Dimension and value.unit == "px":
            setattr(box, name, value.value)
        else:
            percent.resolve_one_percentage(box, name, refer_to)

    collapse = style["border_collapse"] == "collapse"
    for name in _BORDERS:  # used value == computed value, unless set by collapsed-border resolution
        if not (collapse and hasattr(box, name)):
            setattr(box, name, style[name])

    if style["box_sizing"] != "content-box":
        percent.adjust_box_sizing(box, "width")
        percent.adjust_box_sizing(box, "height")


def install(fast: bool = True) -> None:
    """Use this `resolve_percentages` in WeasyPrint's layout (or, with ``fast=False``, its own)."""
    if pinned_source_hash() != _PINNED:
        raise RuntimeError("WeasyPrint's resolve_percentages changed; update "
                           "grader/outputs/reports/fast_percentages.py")
    for module in _USERS:
        if module.resolve_percentages not in (_ORIGINAL, resolve_percentages):
            raise RuntimeError(f"{module.__name__}.resolve_percentages is neither WeasyPrint's nor ours")
        module.resolve_percentages = resolve_percentages if fast else _ORIGINAL
