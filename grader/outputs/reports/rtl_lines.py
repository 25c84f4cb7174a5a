"""Lay out each line of a right-to-left block once, not twice.

WeasyPrint 70's ``get_next_linebox`` lays a line out, then lays it out again when the line, now
that its height is known, would meet a float. Its test of "nothing moved" for a right-to-left
block compares the line's end (``position_x + line.width``) with the end it started from, where
the width was still 0, so it fails for every line that has text: every line of the reports'
Persian blocks (and of every cell of their right-to-left tables) was laid out a second time,
with the same inputs and the same result, about a third of a report's render time.

The fix compares what the second layout would get, the cursor position and the available width,
as the left-to-right test does. The pinned function's source is edited in two places; if it
changed, `install` raises instead of running a stale copy.
``tests/reports/test_rtl_lines.py`` checks that every box comes out where it did before.
"""

from __future__ import annotations

import inspect
import textwrap

from weasyprint.layout import inline

_ORIGINAL = inline.get_next_linebox
_EDITS = (
    ("        original_width = linebox.width\n",
     "        original_width = linebox.width\n"
     "        original_available_width = available_width\n"),
    ("            condition = (position_x + line.width, position_y) == (\n"
     "                original_position_x + original_width, original_position_y)\n",
     "            condition = (position_x, position_y, available_width) == (\n"
     "                original_position_x, original_position_y, original_available_width)\n"),
)


def _patched() -> object:
    source = textwrap.dedent(inspect.getsource(_ORIGINAL))
    for old, new in _EDITS:
        if source.count(old) != 1:
            raise RuntimeError("WeasyPrint's get_next_linebox changed; update "
                               "grader/outputs/reports/rtl_lines.py")
        source = source.replace(old, new)
    namespace: dict[str, object] = {}
    exec(compile(source, inspect.getsourcefile(_ORIGINAL) or "<inline>", "exec"),  # noqa: S102
         vars(inline), namespace)
    return namespace["get_next_linebox"]


_SINGLE_PASS = _patched()


def install(single_pass: bool = True) -> None:
    """Use the single-pass line layout (or, with ``single_pass=False``, WeasyPrint's own)."""
    inline.get_next_linebox = _SINGLE_PASS if single_pass else _ORIGINAL
