"""Access codes for the portal: random codes handed out once, stored only as scrypt hashes.

Verification always runs scrypt and a constant-time compare, also for unknown students (against a
dummy hash), so a wrong code and an unknown id cost the same time. Besides the shared staff code,
each teaching assistant may hold a code of their own (`grader tokens --staff NAME`), so every score
they give is stamped with their name. One student's code can be replaced alone (`grader tokens
--student ID`, or the staff page); a running portal reads the file again when it changes, so the
old code stops working at its next request.
"""
from __future__ import annotations

import hashlib
import fcntl
import hmac
import json
import os
import re
import secrets
import sys
import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from grader.core.atomic import write_json
from grader.core.errors import GraderError

# Letters and digits that cannot be mistaken for one another when read aloud or handwritten.
ALPHABET = "abcdefghjkmnpqrstuvwxyz23456789"
GROUPS, GROUP_LEN = 3, 4  # 12 characters, about 59 bits
SCRYPT = {"n": 2**14, "r": 8, "p": 1}
_MAXMEM = 64 * 1024 * 1024
_TO_ASCII = str.maketrans("۰۱۲۳۴۵۶۷۸۹٠١٢٣٤٥٦٧٨٩", "01234567890123456789")
STAFF = "(staff)"  # the staff row's id in the printed CSV; no student id has parentheses
SHARED_STAFF = "staff"  # who the shared staff code signs in as
STAFF_NAME = re.compile(r"[A-Za-z0-9][A-Za-z0-9._-]{0,31}")


class TokenError(GraderError):
    """The tokens file is missing, unreadable, or would be overwritten without --rotate."""

    exit_code = 2


def tokens_path(out: Path) -> Path:
    return out / "portal" / "tokens.json"


def new_code() -> str:
    """A code like 'k7mq-2hxa-9pzt': grouped so a student can type it from paper."""
    chars = [secrets.choice(ALPHABET) for _ in range(GROUPS * GROUP_LEN)]
    return "-".join("".join(chars[i:i + GROUP_LEN]) for i in range(0, len(chars), GROUP_LEN))


def normalize_code(code: str) -> str:
    """Forgive what people do when typing a code: case, spaces, dashes, Persian digits."""
    return "".join(c for c in code.translate(_TO_ASCII).lower() if c.isalnum())


def _hash(code: str, salt: bytes, params: dict[str, int]) -> bytes:
    return hashlib.scrypt(normalize_code(code).encode("utf-8"), salt=salt, dklen=32,
                          maxmem=_MAXMEM, **params)


def hash_entry(code: str, params: dict[str, int] = SCRYPT) -> dict[str, str]:
    salt = secrets.token_bytes(16)
    return {"salt": salt.hex(), "hash": _hash(code, salt, params).hex()}


@dataclass(frozen=True)
class Verifier:
    """The hashed codes of one OUT folder, loaded once when the portal starts."""

    params: dict[str, int]
    students: dict[str, dict[str, str]]
    staff: dict[str, str]
    named_staff: dict[str, dict[str, str]]

    @classmethod
    def load(cls, out: Path) -> Verifier:
        path = tokens_path(out)
        try:
            data = json.loads(path.read_text(encoding="utf-8"))
            return cls(dict(data["scrypt"]), dict(data["students"]), dict(data["staff"]),
                       dict(data.get("named_staff", {})))
        except FileNotFoundError:
            raise TokenError(f"{path} does not exist; run `grader tokens {out}` first") from None
        except (OSError, ValueError, KeyError, TypeError) as exc:
            raise TokenError(f"{path} is not a tokens file: {exc}") from None

    def _check(self, entry: dict[str, str] | None, code: str) -> bool:
        # An unknown id is checked against a fresh dummy entry: same scrypt work, never a match.
        real = entry is not None
        salt = bytes.fromhex(entry["salt"]) if real else secrets.token_bytes(16)
        expected = bytes.fromhex(entry["hash"]) if real else secrets.token_bytes(32)
        same = hmac.compare_digest(_hash(code[:256], salt, self.params), expected)
        return real and same

    def student(self, student_id: str, code: str) -> bool:
        return self._check(self.students.get(student_id), code)

    def staff_name(self, code: str) -> str | None:
        """Who this staff code belongs to; every staff code is checked, so timing names no one."""
        found = SHARED_STAFF if self._check(self.staff, code) else None
        for name, entry in self.named_staff.items():
            if self._check(entry, code):
                found = name
        return found

    def is_staff(self, code: str) -> bool:
        return self.staff_name(code) is not None


def check_can_create(out: Path, rotate: bool) -> None:
    """Codes are shown only once, so existing ones are replaced only when asked to."""
    path = tokens_path(out)
    if path.exists() and not rotate:
        raise TokenError(f"{path} already exists and its codes cannot be shown again; "
                         "use --rotate to replace every code (the old ones stop working)")


def create_tokens(out: Path, students: list[str], rotate: bool = False,
                  params: dict[str, int] = SCRYPT) -> tuple[dict[str, str], str]:
    """Make and store new codes; return them (student id → code, staff code) to be shown once."""
    check_can_create(out, rotate)
    path = tokens_path(out)
    codes = {sid: new_code() for sid in students}
    staff = new_code()
    data: dict[str, Any] = {"scrypt": params,
                            "students": {sid: hash_entry(c, params) for sid, c in codes.items()},
                            "staff": hash_entry(staff, params)}
    path.parent.mkdir(mode=0o700, parents=True, exist_ok=True)
    write_json(path, data, mode=0o600)
    return codes, staff


@contextmanager
def _locked(out: Path) -> Iterator[dict[str, Any]]:
    """The tokens file's data, written back on exit; one writer at a time (the portal and a
    `grader tokens` run may change it at once), so no change is lost."""
    path = tokens_path(out)
    if not path.exists():
        raise TokenError(f"{path} does not exist; run `grader tokens {out}` first")
    with open(path.with_name("tokens.lock"), "a", encoding="utf-8") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        try:
            data = json.loads(path.read_text(encoding="utf-8"))
        except (OSError, ValueError) as exc:
            raise TokenError(f"{path} is not a tokens file: {exc}") from None
        if not isinstance(data, dict) or not isinstance(data.get("students"), dict):
            raise TokenError(f"{path} is not a tokens file")
        yield data
        write_json(path, data, mode=0o600)


def add_staff(out: Path, name: str, rotate: bool = False, params: dict[str, int] = SCRYPT) -> str:
    """Make a code for one named teaching assistant and return it, to be shown once; an existing
    name is replaced only when asked to."""
    if not STAFF_NAME.fullmatch(name) or name == SHARED_STAFF:
        raise TokenError(f"{name!r} is not a usable staff name (letters, digits, . _ -; at most 32)")
    with _locked(out) as data:
        named = data.setdefault("named_staff", {})
        if name in named and not rotate:
            raise TokenError(f"{name} already has a staff code; use --rotate to replace it")
        code = new_code()
        named[name] = hash_entry(code, data.get("scrypt", params))
    return code


def reset_student(out: Path, student_id: str, params: dict[str, int] = SCRYPT) -> str:
    """Replace one student's code (or give a student graded after `grader tokens` their first) and
    return it, to be shown once; every other code stays as it was."""
    with _locked(out) as data:
        code = new_code()
        data["students"][student_id] = hash_entry(code, data.get("scrypt", params))
    return code


class LiveVerifier:
    """The Verifier of OUT's tokens file as it is now: loaded again when the file changed (size,
    time, inode), calling `on_change` with whose codes changed (student ids, staff names), so their
    sessions can end too. A file that cannot be read keeps the last one that could."""

    def __init__(self, out: Path, on_change: Callable[[set[str], set[str]], None] = lambda s, t: None) -> None:
        self.out, self.on_change = out, on_change
        self._lock = threading.Lock()
        self._seen = self._stamp()
        self._verifier = Verifier.load(out)

    def _stamp(self) -> tuple[int, int, int] | None:
        try:
            st = os.stat(tokens_path(self.out))
        except OSError:
            return None
        return st.st_ino, st.st_size, st.st_mtime_ns

    def current(self) -> Verifier:
        now = self._stamp()
        with self._lock:
            if now == self._seen:
                return self._verifier
            self._seen = now
            try:
                fresh = Verifier.load(self.out)
            except TokenError as exc:
                print(f"grader serve: keeping the codes loaded before: {exc}", file=sys.stderr)
                return self._verifier
            old, self._verifier = self._verifier, fresh
        students = {s for s in old.students.keys() | fresh.students.keys()
                    if old.students.get(s) != fresh.students.get(s)}
        staff = {n for n in old.named_staff.keys() | fresh.named_staff.keys()
                 if old.named_staff.get(n) != fresh.named_staff.get(n)}
        if old.staff != fresh.staff:
            staff.add(SHARED_STAFF)
        if students or staff:
            self.on_change(students, staff)
        return fresh
