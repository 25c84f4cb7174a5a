"""Pause Python's cyclic garbage collector while WeasyPrint renders a report.

A report allocates millions of short-lived objects (boxes, styles, layout copies); the
collector would scan them again and again, about 12% of a report's render time (more in a
grading worker whose heap holds numpy and friends). Reference counting still frees almost
all of them; the few cycles are collected by the first collection after the render.
"""

from __future__ import annotations

import contextlib
import gc
import threading
from collections.abc import Iterator

_lock = threading.Lock()
_depth = 0  # renders in progress, so that concurrent threads re-enable it only once
_was_enabled = False


@contextlib.contextmanager
def gc_paused() -> Iterator[None]:
    """Disable the cyclic collector inside the block (nesting and threads allowed)."""
    global _depth, _was_enabled
    with _lock:
        if _depth == 0:
            _was_enabled = gc.isenabled()
            gc.disable()
        _depth += 1
    try:
        yield
    finally:
        with _lock:
            _depth -= 1
            if _depth == 0 and _was_enabled:
                gc.enable()
