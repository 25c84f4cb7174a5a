"""A submission's files, read without ever following a link out of it.

Everything in a submission is the student's, and the grader may run as root: a read that follows
a symbolic link opens whatever it names (a root-only file, whose hash or parse error the report would
then print; /dev/zero, which never ends), and opening a FIFO waits for a writer that never comes.
So a submission is walked through folder descriptors, every entry judged by its own ``lstat``, and a
file is opened only with O_NOFOLLOW | O_NONBLOCK and read only if ``fstat`` calls it a regular file,
within a byte budget. Links, FIFOs, devices and sockets are reported by kind and never opened.
"""
from __future__ import annotations

import errno
import hashlib
import os
import stat
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path, PurePosixPath
from typing import BinaryIO

from grader.core.errors import GraderError

MAX_DEPTH = 64  # folders deeper than this are not entered (one descriptor is open per level)
MAX_HASHED = 256 * 2**20  # bytes whose content a digest reads; past it only sizes count
_CHUNK = 2**20
_DIR = os.O_RDONLY | os.O_DIRECTORY | os.O_NOFOLLOW | os.O_CLOEXEC
_FILE = os.O_RDONLY | os.O_NOFOLLOW | os.O_NONBLOCK | os.O_CLOEXEC


class Refused(GraderError):
    """Something in a submission that is not read, with the student's message in Persian and English."""

    def __init__(self, kind: str, fa: str, en: str, detail: str = ""):
        super().__init__(en)
        self.kind, self.fa, self.en, self.detail = kind, fa, en, detail


def outward_link(detail: str) -> Refused:
    return Refused("unsafe_symlink", "یک پیوند نمادین (symlink) در این تحویل به بیرون از پوشه آن اشاره می‌کند.",
                   "A symbolic link in this submission points outside its folder.", detail)


def special_file(detail: str) -> Refused:
    return Refused("special_file", "این تحویل چیزی دارد که فایل معمولی نیست (FIFO، دستگاه یا سوکت) و خوانده نمی‌شود؛"
                   " آن را حذف کنید.",
                   "This submission holds something that is not a regular file (a FIFO, a device or a socket),"
                   " which is never read; remove it.", detail)


def too_large(detail: str = "") -> Refused:
    return Refused("too_large", "این تحویل بیش از حد بزرگ است.", "This submission is too large.", detail)


def _kind(mode: int) -> str:
    if stat.S_ISDIR(mode):
        return "dir"
    if stat.S_ISREG(mode):
        return "file"
    if stat.S_ISLNK(mode):
        return "link"
    if stat.S_ISFIFO(mode):
        return "fifo"
    if stat.S_ISSOCK(mode):
        return "socket"
    return "device"


@dataclass(frozen=True)
class Entry:
    """One thing in a submission, as `walk` met it; `open` and `link` work only during the walk."""

    path: PurePosixPath  # from the submission's parent folder: "alice/hw.ipynb", "alice.ipynb"
    kind: str  # dir, file, link, fifo, socket, device; "deep" for a folder past MAX_DEPTH
    size: int  # lstat's
    dir_fd: int
    name: str

    def open(self) -> BinaryIO:
        """The regular file itself, never what a link names; Refused if it is not (or no longer) one."""
        fd = os.open(self.name, _FILE, dir_fd=self.dir_fd)
        if not stat.S_ISREG(os.fstat(fd).st_mode):
            os.close(fd)
            raise special_file(str(self.path))
        return os.fdopen(fd, "rb")

    def link(self) -> str:
        """What a link says it leads to (the link's own text; nothing is opened)."""
        return os.readlink(self.name, dir_fd=self.dir_fd)


def walk(top: Path) -> Iterator[Entry]:
    """`top` and, if it is a real folder, everything below it, in the order of sorted paths; links are
    reported, not followed. An entry that vanishes or cannot be opened meanwhile is left out."""
    parent = os.open(top.parent, os.O_RDONLY | os.O_DIRECTORY | os.O_CLOEXEC)
    try:
        yield from _entries(parent, [top.name], PurePosixPath(), 0)
    finally:
        os.close(parent)


def _entries(dir_fd: int, names: list[str], base: PurePosixPath, depth: int) -> Iterator[Entry]:
    for name in names:
        try:
            st = os.stat(name, dir_fd=dir_fd, follow_symlinks=False)
        except OSError:
            continue
        kind = _kind(st.st_mode)
        if kind == "dir" and depth > MAX_DEPTH:
            kind = "deep"
        yield Entry(base / name, kind, st.st_size, dir_fd, name)
        if kind != "dir":
            continue
        try:
            fd = os.open(name, _DIR, dir_fd=dir_fd)
        except OSError:
            continue
        try:
            yield from _entries(fd, sorted(os.listdir(fd)), base / name, depth + 1)
        finally:
            os.close(fd)


def digest(tops: Iterable[Path]) -> str:
    """Hash of the regular files under `tops` (path, then content; past MAX_HASHED bytes in all, size)
    and of what each link says and each other special entry is, so that any change a student makes
    changes it, while nothing a link names is ever read."""
    h, budget = hashlib.sha256(), MAX_HASHED
    for top in tops:
        for entry in walk(top):
            if entry.kind == "dir":
                continue
            h.update(os.fsencode(str(entry.path)) + b"\0")
            try:
                if entry.kind == "file":
                    with entry.open() as f:
                        while budget > 0 and (chunk := f.read(min(_CHUNK, budget))):
                            h.update(chunk)
                            budget -= len(chunk)
                        if budget <= 0:
                            h.update(b"\0size %d" % entry.size)
                elif entry.kind == "link":
                    h.update(b"\0link " + os.fsencode(entry.link()))
                else:
                    h.update(b"\0" + entry.kind.encode())
            except (OSError, Refused):
                h.update(b"\0unreadable")
    return h.hexdigest()[:16]


def read_regular(entry: Entry, limit: int) -> bytes:
    """The content of a regular file of at most `limit` bytes; Refused otherwise."""
    with entry.open() as f:
        data = f.read(limit + 1)
    if len(data) > limit:
        raise too_large(f"{entry.path}: more than {limit} bytes")
    return data


def copy_in(top: Path, into: Path, max_files: int, max_bytes: int) -> None:
    """Copy the submission `top` (a folder or a lone file) into the existing folder `into`: folders,
    regular files (at most `max_files` entries and `max_bytes` bytes) and links inside a folder as
    links, for the caller to judge where they lead. Refused: the submission itself a link, a FIFO,
    device or socket anywhere, too many files or bytes, folders nested too deeply."""
    count = copied = 0
    for entry in walk(top):
        inner = entry.path.parts[1:]  # the path below the submission's folder; () for the submission
        if entry.kind == "dir" and not inner:
            continue  # the submission's own folder: `into` stands for it
        count += 1
        if count > max_files:
            raise too_large(f"more than {max_files} files")
        dst = into.joinpath(*inner) if inner else into / top.name
        if entry.kind == "dir":
            dst.mkdir()
        elif entry.kind == "file":
            copied += _copy_file(entry, dst, max_bytes - copied)
        elif entry.kind == "link" and inner:
            os.symlink(entry.link(), dst)
        elif entry.kind == "link":
            raise outward_link(str(entry.path))
        elif entry.kind == "deep":
            raise Refused("too_deep", "پوشه‌های این تحویل بیش از حد تو در تو هستند.",
                          "This submission's folders are nested too deeply.", str(entry.path))
        else:
            raise special_file(f"{entry.path} ({entry.kind})")


def _copy_file(entry: Entry, dst: Path, budget: int) -> int:
    """Copy one regular file, keeping its permission bits and times; the bytes copied."""
    copied = 0
    with entry.open() as src, open(dst, "xb") as out:
        while chunk := src.read(_CHUNK):
            copied += len(chunk)
            if copied > budget:
                raise too_large()
            out.write(chunk)
        st = os.fstat(src.fileno())
    os.chmod(dst, stat.S_IMODE(st.st_mode))
    os.utime(dst, ns=(st.st_atime_ns, st.st_mtime_ns))
    return copied


def open_regular(path: Path, limit: int) -> BinaryIO:
    """The lone file `path` itself, for a reader that seeks (a zip); Refused if it is a link, not a
    regular file, or over `limit` bytes."""
    try:
        fd = os.open(path, _FILE)
    except OSError as exc:
        if exc.errno == errno.ELOOP:  # O_NOFOLLOW met a link
            raise outward_link(path.name) from None
        raise
    st = os.fstat(fd)
    if not stat.S_ISREG(st.st_mode) or st.st_size > limit:
        os.close(fd)
        raise special_file(path.name) if not stat.S_ISREG(st.st_mode) else too_large(f"{st.st_size} bytes")
    return os.fdopen(fd, "rb")
