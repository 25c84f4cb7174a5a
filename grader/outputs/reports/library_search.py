"""Import WeasyPrint without its shared-library search running compilers.

WeasyPrint opens GObject, Pango, HarfBuzz, fontconfig and PangoFT2 by trying each library's
Windows, macOS and Linux names in turn, and cffi answers every name it cannot open directly with
`ctypes.util.find_library`, which on Linux runs ldconfig, then gcc and ld: a dozen subprocesses
and about 0.2 s of CPU at every start of a grading process, on a two-core machine while the
student's kernel is starting. The Linux sonames in WeasyPrint's lists (``libpango-1.0.so.0``, …)
open directly, so the first import runs with `find_library` finding nothing on this thread; if
that import fails (WeasyPrint then prints its installation hint), it is imported again with the
full search. Importing this module does it: `render` imports it before WeasyPrint.
"""
from __future__ import annotations

import ctypes.util
import sys
import threading


def import_weasyprint() -> None:
    """Import WeasyPrint's library bindings once per process, the fast way first."""
    if "weasyprint.text.ffi" in sys.modules:
        return
    search = ctypes.util.find_library
    importing = threading.get_ident()

    def direct_only(name: str) -> str | None:
        return None if threading.get_ident() == importing else search(name)

    ctypes.util.find_library = direct_only
    try:
        import weasyprint.text.ffi  # noqa: F401
        return
    except OSError:
        for module in [m for m in sys.modules if m == "weasyprint" or m.startswith("weasyprint.")]:
            del sys.modules[module]
    finally:
        ctypes.util.find_library = search
    import weasyprint.text.ffi  # noqa: F401,F811


import_weasyprint()
