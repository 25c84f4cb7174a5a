"""In-memory defences of the portal: login throttling and the staff sessions.

The app calls these only from async endpoints, so everything here runs on the event loop's thread
and needs no locks. State is keyed by SHA-256 digests, so memory per entry is fixed however long
the submitted id or cookie is.
"""
from __future__ import annotations

import hashlib
import ipaddress
import itertools
import secrets
import time
from dataclasses import dataclass
from typing import TypeVar
from collections.abc import Callable

from grader.core.errors import GraderError

Clock = Callable[[], float]
MAX_KEYS = 100_000  # entries per table; a flood past this loses its oldest ones, the server no memory
V = TypeVar("V")


def _key(text: str) -> bytes:
    return hashlib.sha256(text.encode("utf-8", "replace")).digest()


def _tidy(table: dict[bytes, V], idle: Callable[[V], bool]) -> None:
    if len(table) < MAX_KEYS:
        return
    for key in [k for k, v in table.items() if idle(v)]:
        del table[key]
    if len(table) >= MAX_KEYS:
        for key in list(itertools.islice(table, len(table) - MAX_KEYS // 2)):
            del table[key]


def network(host: str) -> str:
    """What a client is throttled by: its address, or its /64 for IPv6 (one host usually holds a whole /64)."""
    try:
        ip = ipaddress.ip_address(host)
    except ValueError:
        return host
    if isinstance(ip, ipaddress.IPv6Address):
        if ip.ipv4_mapped is not None:
            return str(ip.ipv4_mapped)
        return str(ipaddress.ip_network(f"{ip}/64", strict=False))
    return str(ip)


class Refused(GraderError):
    """No code was checked; the client may try again after `wait` seconds."""

    def __init__(self, wait: float) -> None:
        super().__init__(wait)
        self.wait = wait


@dataclass(frozen=True)
class Attempt:
    """An admitted check, counted as failed from the start (so concurrent requests see it) until
    Throttle.succeeded says otherwise; an abandoned request stays a failure."""

    pair: bytes
    account: bytes
    delay: float  # seconds to hold the request before the check: its account is under attack


class Throttle:
    """Limits on guessing access codes that never lock an owner out.

    A code is 12 characters from a 31-letter alphabet: 31**12 ≈ 7.9e17 (59.5 bits). Three limits:

    * per (address, account): FREE failures, then each further attempt waits 1 s, 2 s, 4 s, …
      (doubling, at most MAX_WAIT = 1 h) after the previous one was checked, the pair being
      forgotten after a day without failures. That is 5 + 12 + 23 ≈ 40 guesses in the first day,
      ≈ 24 a day after: against one code, one address would need ~10^16 days for even odds.
    * per address: a budget of BUDGET = 300 scrypt checks, refilled by one every REFILL = 5 s,
      so ≤ 17,600 checks a day over all accounts (≈ one every 5 s: about 1% of a core, at
      16 MiB each). A term (120 days) from one address: ≤ 2.1e6 guesses, P(any code) ≤ 3e-12;
      from a botnet of 10^6 addresses: ≤ 2.1e12, P ≤ 3e-6. The burst of 300 lets a class behind
      one NAT sign in at once.
    * per account, over all addresses: a level of failures leaking one every LEAK = 3 min; above
      CEILING = 20 each request for the account is held STEP = 0.5 s per failure over it, at most
      MAX_DELAY = 10 s, before its code is checked. It slows a spread-out attack but refuses no one.

    A pair that waits or an address without budget gets 429 without a check (they did misbehave);
    a fresh address always gets its code checked, and a right code is accepted, after at most
    MAX_DELAY. Unknown ids are counted exactly like known ones, so the answers reveal nothing.
    """

    FREE = 5
    BASE_WAIT, MAX_WAIT, FORGET = 1.0, 3600.0, 86400.0
    BUDGET, REFILL = 300, 5.0
    CEILING, LEAK, STEP, MAX_DELAY = 20, 180.0, 0.5, 10.0

    def __init__(self, clock: Clock = time.monotonic) -> None:
        self.clock = clock
        self._pairs: dict[bytes, tuple[int, float]] = {}  # failures, when the latest was checked
        self._budgets: dict[bytes, tuple[float, float]] = {}  # checks left, when counted
        self._levels: dict[bytes, tuple[float, float]] = {}  # recent failures, when counted

    def _wait(self, failures: int, last: float, now: float) -> float:
        if failures < self.FREE or now - last >= self.FORGET:
            return 0.0
        backoff = min(self.BASE_WAIT * 2.0 ** min(failures - self.FREE, 32), self.MAX_WAIT)
        return last + backoff - now

    def _checks(self, entry: tuple[float, float], now: float) -> float:
        return min(float(self.BUDGET), entry[0] + (now - entry[1]) / self.REFILL)

    def _level(self, entry: tuple[float, float], now: float) -> float:
        return max(0.0, entry[0] - (now - entry[1]) / self.LEAK)

    def begin(self, address: str, account: str) -> Attempt:
        """Admit one check of a code for `account` from `address`, or raise Refused."""
        now = self.clock()
        pair, acct, addr = _key(f"{address}\n{account}"), _key(account), _key(address)
        failures, last = self._pairs.get(pair, (0, now))
        wait = self._wait(failures, last, now)
        if wait > 0:
            raise Refused(wait)
        checks = self._checks(self._budgets.get(addr, (self.BUDGET, now)), now)
        if checks < 1:
            raise Refused((1 - checks) * self.REFILL)
        level = self._level(self._levels.get(acct, (0.0, now)), now)
        delay = min(self.MAX_DELAY, self.STEP * max(0.0, level - self.CEILING))

        _tidy(self._pairs, lambda v: now - v[1] >= self.FORGET)
        _tidy(self._budgets, lambda v: self._checks(v, now) >= self.BUDGET)
        _tidy(self._levels, lambda v: self._level(v, now) == 0)
        self._pairs[pair] = (0 if now - last >= self.FORGET else failures) + 1, now + delay
        self._budgets[addr] = checks - 1, now
        self._levels[acct] = level + 1, now
        return Attempt(pair, acct, delay)

    def succeeded(self, attempt: Attempt) -> None:
        """The code was right: the pair starts afresh and the account's level drops this attempt."""
        now = self.clock()
        self._pairs.pop(attempt.pair, None)
        if attempt.account in self._levels:
            self._levels[attempt.account] = max(0.0, self._level(self._levels[attempt.account], now) - 1), now


@dataclass
class Session:
    """A signed-in staff member: who, until when, the token every form of theirs must carry (CSRF),
    and messages to show on their next page."""

    name: str
    expiry: float
    csrf: str
    flash: list[dict[str, str]]


class Sessions:
    """Staff (and, under another cookie, student) sessions held by the server: the cookie carries only a random id, so signing out (or a
    restart) ends a session for good and a copied cookie dies with it or when it expires.

    Ids are stored as digests, so a lookup's timing depends on the digest, not on how much of a
    live id a forger got right.
    """

    cookie = "grader_staff"
    LIMIT = 1000  # live sessions; staff sign in a handful of times, so more means the oldest go
    FLASH = 5  # messages kept for the next page

    def __init__(self, lifetime: float = 8 * 3600, clock: Clock = time.monotonic, cookie: str = cookie) -> None:
        self.lifetime, self.clock, self.cookie = lifetime, clock, cookie
        self._live: dict[bytes, Session] = {}

    def issue(self, name: str = "staff") -> str:
        now = self.clock()
        self._live = {k: s for k, s in self._live.items() if s.expiry > now}
        for key in list(itertools.islice(self._live, max(0, len(self._live) - self.LIMIT + 1))):
            del self._live[key]
        session = secrets.token_urlsafe(32)
        self._live[_key(session)] = Session(name, now + self.lifetime, secrets.token_urlsafe(32), [])
        return session

    def get(self, session: str | None) -> Session | None:
        found = self._live.get(_key(session)) if session else None
        return found if found is not None and found.expiry > self.clock() else None

    def valid(self, session: str | None) -> bool:
        return self.get(session) is not None

    def revoke(self, session: str | None) -> None:
        if session:
            self._live.pop(_key(session), None)

    def revoke_names(self, names: set[str]) -> None:
        """End every session of these people (their code was replaced: a session it opened ends too)."""
        self._live = {k: s for k, s in self._live.items() if s.name not in names}
