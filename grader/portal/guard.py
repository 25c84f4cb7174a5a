"""In-memory defences of the portal: failed-attempt limits and the signed staff session."""
from __future__ import annotations

import hashlib
import hmac
import secrets
import time
from collections import deque
from typing import Callable

Clock = Callable[[], float]


class RateLimiter:
    """At most `limit` failures per `window` seconds per key (a client IP, a student id).

    Keys are hashed so that memory per key is fixed however long the submitted id is, and
    every id (known or not) is counted alike, so a 429 says nothing about who exists.
    """

    def __init__(self, limit: int = 5, window: float = 60.0, clock: Clock = time.monotonic) -> None:
        self.limit, self.window, self.clock = limit, window, clock
        self._failures: dict[bytes, deque[float]] = {}

    @staticmethod
    def _key(key: str) -> bytes:
        return hashlib.sha256(key.encode("utf-8", "replace")).digest()

    def _recent(self, key: str) -> deque[float] | None:
        times = self._failures.get(self._key(key))
        now = self.clock()
        while times and times[0] <= now - self.window:
            times.popleft()
        return times

    def blocked(self, *keys: str) -> bool:
        return any(len(self._recent(k) or ()) >= self.limit for k in keys)

    def fail(self, *keys: str) -> None:
        now = self.clock()
        if len(self._failures) > 100_000:  # a flood of distinct ids: drop the expired ones
            self._failures = {k: t for k, t in self._failures.items() if t and t[-1] > now - self.window}
        for key in keys:
            self._failures.setdefault(self._key(key), deque()).append(now)


class StaffSession:
    """A cookie value 'expiry.hmac' signed with a secret made at start-up: a restart signs out."""

    cookie = "grader_staff"

    def __init__(self, lifetime: float = 8 * 3600, clock: Clock = time.time) -> None:
        self.lifetime, self.clock = lifetime, clock
        self._secret = secrets.token_bytes(32)

    def _sign(self, expiry: str) -> str:
        return hmac.new(self._secret, f"staff.{expiry}".encode(), hashlib.sha256).hexdigest()

    def issue(self) -> str:
        expiry = str(int(self.clock() + self.lifetime))
        return f"{expiry}.{self._sign(expiry)}"

    def valid(self, value: str | None) -> bool:
        expiry, _, mac = (value or "").partition(".")
        if not expiry.isdigit() or not hmac.compare_digest(mac.encode(), self._sign(expiry).encode()):
            return False
        return int(expiry) > self.clock()
