"""The one way a file is written: to a hidden temporary file beside it, then renamed over it, so a
killed run never leaves half a file and a reader never sees one. Leftovers of a killed run are
found by `leftovers`."""
from __future__ import annotations

import json
import os
import tempfile
from pathlib import Path
from typing import Any

SUFFIX = ".tmp"


def plain_mode() -> int:
    """The mode `open()` gives a new file, 0o666 less the umask, for a file others must read as they
    could before it was written atomically (a bare temporary file is 0o600). The umask is read from
    /proc, not set and restored, which would race with other threads creating files."""
    try:
        for line in Path("/proc/self/status").read_text().splitlines():
            if line.startswith("Umask:"):
                return 0o666 & ~int(line.split()[1], 8)
    except (OSError, ValueError):
        pass
    return 0o644


def write_bytes(path: Path, data: bytes, mode: int | None = None) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=SUFFIX)
    try:
        with os.fdopen(fd, "wb") as f:
            f.write(data)
        if mode is not None:
            os.chmod(tmp, mode)
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def write_text(path: Path, text: str, mode: int | None = None) -> None:
    write_bytes(path, text.encode("utf-8"), mode)


def write_json(path: Path, data: Any, mode: int | None = None) -> None:
    write_text(path, json.dumps(data, ensure_ascii=False, indent=1), mode)


def leftovers(folder: Path) -> list[Path]:
    """Temporary files a killed writer left in `folder`."""
    return [p for p in folder.glob(f".*{SUFFIX}") if p.is_file()]
