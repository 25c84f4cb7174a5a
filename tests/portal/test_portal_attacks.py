"""The portal against the attacks that were found: lock-outs by throttling, sessions that outlived
sign-out, malformed forms, a TLS proxy in front, and HEAD requests. Delays run on a fake clock."""
from __future__ import annotations

import warnings
from pathlib import Path

import pytest

pytest.importorskip("fastapi")
pytest.importorskip("httpx")
with warnings.catch_warnings():  # starlette suggests httpx2, which is not among the pinned packages
    warnings.simplefilter("ignore")
    from fastapi.testclient import TestClient  # noqa: E402

from grader.apps.portal import guard, tokens  # noqa: E402
from grader.apps.portal.app import create_app  # noqa: E402
from grader.apps.portal.guard import Refused, Throttle, network  # noqa: E402
from grader.apps.portal.pages import MESSAGES  # noqa: E402
from tests.support.portal import STUDENTS, cli, csrf, make_out, read_codes  # noqa: E402

CHEAP = {"n": 2**4, "r": 8, "p": 1}  # the throttle does not depend on scrypt's cost; the tests' time does
ATTACKER, OWNER, OTHER = "203.0.113.7", "198.51.100.2", "192.0.2.44"


class Clock:
    """Fake monotonic time; its sleep records the delay and moves time on instead of waiting."""

    def __init__(self) -> None:
        self.now = 1000.0
        self.slept: list[float] = []

    def __call__(self) -> float:
        return self.now

    async def sleep(self, seconds: float) -> None:
        self.slept.append(seconds)
        self.now += seconds


@pytest.fixture(scope="module")
def klass(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, dict[str, str], str]:
    out = make_out(tmp_path_factory.mktemp("attacks"))
    codes, staff = tokens.create_tokens(out, list(STUDENTS), params=CHEAP)
    return out, codes, staff


@pytest.fixture
def clock() -> Clock:
    return Clock()


@pytest.fixture
def hashes(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """Every scrypt run, to count the work a client made the server do."""
    calls: list[str] = []
    real = tokens._hash
    monkeypatch.setattr(tokens, "_hash", lambda code, salt, params: calls.append(code) or real(code, salt, params))
    return calls


def portal(klass, clock: Clock, **options):  # type: ignore[no-untyped-def]
    return create_app(klass[0], clock=clock, sleep=clock.sleep, **options)


def client(app, address: str, **kwargs) -> TestClient:  # type: ignore[no-untyped-def]
    return TestClient(app, client=(address, 50000), **kwargs)


def login(c: TestClient, sid: str, code: str):  # type: ignore[no-untyped-def]
    return c.post("/download", data={"student_id": sid, "code": code})


def staff_login(c: TestClient, code: str):  # type: ignore[no-untyped-def]
    return c.post("/staff/login", data={"code": code}, follow_redirects=False)


def shows(response, message: str) -> bool:  # type: ignore[no-untyped-def]
    """The page carries the message in both languages (the seconds of too_many aside)."""
    fa, en = (MESSAGES[message][lang].split("{")[0] for lang in ("fa", "en"))
    return fa in response.text and en in response.text


# 1. Throttling: guessing stays slow, the owner is never locked out ------------------------------

def test_fifty_wrong_codes_from_one_address_leave_the_owner_in(klass, clock, hashes) -> None:  # type: ignore[no-untyped-def]
    out, codes, _ = klass
    app = portal(klass, clock)
    attacker = client(app, ATTACKER)
    answers = [login(attacker, "s101", f"wrong-{i}") for i in range(50)]
    assert [r.status_code for r in answers] == [403] * 5 + [429] * 45
    assert answers[5].headers["retry-after"] == "1" and shows(answers[5], "too_many")
    assert "لطفاً ۱ ثانیه صبر کنید" in answers[5].text and "try again in 1 s." in answers[5].text
    assert len(hashes) == 5  # a refused attempt costs no scrypt

    owner = login(client(app, OWNER), "s101", codes["s101"])
    assert owner.status_code == 200 and owner.content == (out / "s101.pdf").read_bytes()
    assert login(attacker, "s101", codes["s101"]).status_code == 429  # this address did misbehave…
    clock.now += 1
    assert login(attacker, "s101", codes["s101"]).status_code == 200  # …for a second, not forever
    assert login(attacker, "s101", "wrong").status_code == 403  # and then starts afresh
    assert clock.slept == []


def test_fifty_wrong_staff_codes_leave_staff_in(klass, clock) -> None:  # type: ignore[no-untyped-def]
    _, codes, staff = klass
    app = portal(klass, clock)
    attacker = client(app, ATTACKER)
    assert [staff_login(attacker, f"wrong-{i}").status_code for i in range(50)] == [403] * 5 + [429] * 45
    assert staff_login(attacker, codes["s101"]).status_code == 429
    colleague = client(app, OWNER)
    response = staff_login(colleague, staff)
    assert response.status_code == 303 and response.headers["location"] == "/staff"
    assert colleague.get("/staff").status_code == 200


def test_backoff_doubles_per_address_and_id(klass, clock, hashes) -> None:  # type: ignore[no-untyped-def]
    """50 checked wrong codes from one address, each as soon as allowed: the waits double to an
    hour; meanwhile the owner, from their own address, gets in every time without delay."""
    out, codes, _ = klass
    app = portal(klass, clock)
    attacker, owner = client(app, ATTACKER), client(app, OWNER)
    waits = []
    for i in range(50):
        response = login(attacker, "s101", f"wrong-{i}")
        if response.status_code == 429:
            waits.append(int(response.headers["retry-after"]))
            clock.now += waits[-1]
            response = login(attacker, "s101", f"wrong-{i}")
        assert response.status_code == 403
        if i % 10 == 9:
            assert login(owner, "s101", codes["s101"]).content == (out / "s101.pdf").read_bytes()
    assert waits == [2**k for k in range(12)] + [3600] * 33
    assert clock.slept == [] and len(hashes) == 55
    assert clock.now - 1000 == 4095 + 33 * 3600  # ≈ 34 h for 50 guesses at one code out of 31**12


@pytest.mark.parametrize("sid", ["s101", "s999"])
def test_failures_spread_over_addresses_slow_but_never_refuse(klass, clock, sid: str) -> None:  # type: ignore[no-untyped-def]
    """One wrong code from each of 50 addresses: nobody is refused; past the ceiling each check is
    held longer (at most 10 s), and the owner from yet another address is held, then let in. An
    unknown id gets exactly the same answers and delays."""
    out, codes, _ = klass
    app = portal(klass, clock)
    answers = [login(client(app, f"10.9.0.{i}"), sid, "wrong").status_code for i in range(50)]
    assert answers == [403] * 50
    assert len(clock.slept) == 50 - Throttle.CEILING - 1  # the first 21 were not held
    assert clock.slept[0] == pytest.approx(Throttle.STEP, abs=0.01)
    assert clock.slept == sorted(clock.slept) and clock.slept[-1] == Throttle.MAX_DELAY
    owner = login(client(app, OWNER), sid, codes["s101"])
    assert clock.slept[-1] == Throttle.MAX_DELAY
    if sid == "s101":
        assert owner.status_code == 200 and owner.content == (out / "s101.pdf").read_bytes()
    else:
        assert owner.status_code == 403
    clock.now += 50 * Throttle.LEAK  # a quiet while later the account is no longer held
    clock.slept.clear()
    assert login(client(app, OTHER), sid, "wrong").status_code == 403 and clock.slept == []


def test_an_address_has_a_budget_of_scrypt_checks(klass, clock, hashes) -> None:  # type: ignore[no-untyped-def]
    out, codes, _ = klass
    app = portal(klass, clock)
    attacker = client(app, ATTACKER)
    answers = [login(attacker, f"u{i}", "wrong") for i in range(Throttle.BUDGET + 20)]
    assert [r.status_code for r in answers] == [403] * Throttle.BUDGET + [429] * 20
    assert answers[-1].headers["retry-after"] == str(int(Throttle.REFILL))
    assert len(hashes) == Throttle.BUDGET == 300
    assert login(attacker, "s101", codes["s101"]).status_code == 429
    assert login(client(app, OWNER), "s101", codes["s101"]).content == (out / "s101.pdf").read_bytes()
    clock.now += Throttle.REFILL
    assert login(attacker, "s101", codes["s101"]).status_code == 200
    assert login(attacker, "u0", "wrong").status_code == 429


def test_concurrent_attempts_are_counted_before_their_check() -> None:
    """A burst of parallel requests cannot outrun the count: each is a failure until proven right."""
    clock = Clock()
    throttle = Throttle(clock=clock)
    attempts = [throttle.begin(ATTACKER, "id:s101") for _ in range(Throttle.FREE)]
    with pytest.raises(Refused) as refused:
        throttle.begin(ATTACKER, "id:s101")
    assert refused.value.wait == 1.0
    throttle.succeeded(attempts[0])  # the owner was among them: the pair starts afresh
    throttle.begin(ATTACKER, "id:s101")


def test_ipv6_hosts_are_throttled_by_their_64() -> None:
    assert network("2001:db8::1") == network("2001:db8::ffff:1") == "2001:db8::/64"
    assert network("2001:db8:0:1::1") == "2001:db8:0:1::/64"
    assert network("::ffff:192.0.2.1") == "192.0.2.1" and network("192.0.2.1") == "192.0.2.1"


def test_throttle_memory_is_bounded(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(guard, "MAX_KEYS", 100)
    throttle = Throttle(clock=Clock())
    for i in range(1000):
        throttle.begin(f"10.0.{i // 250}.{i % 250}", f"id:x{i}")
    assert all(len(t) <= 100 for t in (throttle._pairs, throttle._budgets, throttle._levels))


# 2. Sessions: signing out ends them on the server ------------------------------------------------

def test_sign_out_revokes_the_session(klass, clock) -> None:  # type: ignore[no-untyped-def]
    _, _, staff = klass
    app = portal(klass, clock)
    first, second = client(app, OWNER), client(app, OTHER)
    assert staff_login(first, staff).status_code == 303 and staff_login(second, staff).status_code == 303
    old = first.cookies["grader_staff"]
    assert old != second.cookies["grader_staff"] and staff not in old
    assert first.post("/staff/logout", data={"csrf": csrf(first)}, follow_redirects=False).status_code == 303
    replay = client(app, ATTACKER, cookies={"grader_staff": old})
    for url in ("/staff", "/staff/report/s101", "/staff/summary.pdf", "/staff/grades.csv"):
        response = replay.get(url)
        assert response.status_code == 403 and shows(response, "staff_only") and b"%PDF" not in response.content
    assert second.get("/staff").status_code == 200  # only the session that signed out ended


def test_sessions_expire(klass, clock) -> None:  # type: ignore[no-untyped-def]
    _, _, staff = klass
    app = portal(klass, clock)
    c = client(app, OWNER)
    response = staff_login(c, staff)
    assert "max-age=28800" in response.headers["set-cookie"].lower()
    clock.now += 8 * 3600 - 1
    assert c.get("/staff").status_code == 200
    clock.now += 1
    assert c.get("/staff").status_code == 403


# 3. Malformed forms: a clear 4xx page, never a 500 -----------------------------------------------

FORM = "application/x-www-form-urlencoded"
MALFORMED = [  # FIELDS stands for the form's own fields, "student_id=s101&code=x" or "code=x"
    ("nine fields", "&".join(f"f{i}=x" for i in range(9)).encode(), FORM, 400, "form_fields"),
    ("the fields and seven more", b"FIELDS&" + b"&".join(b"f%d=x" % i for i in range(7)), FORM, 400, "form_fields"),
    ("only separators", b"&" * 4000, FORM, 400, "form_fields"),
    ("repeated field", b"FIELDS&code=y", FORM, 400, "form_fields"),
    ("unknown field", b"FIELDS&admin=1", FORM, 400, "form_fields"),
    ("missing code", b"student_id=s101", FORM, 400, "form_fields"),
    ("empty body", b"", FORM, 400, "form_fields"),
    ("1 MB field", b"FIELDS" + b"x" * 1_000_000, FORM, 413, "form_large"),
    ("1 MB id", b"code=x&student_id=" + b"s101" * 250_000, FORM, 413, "form_large"),
    ("raw byte 0xff", b"FIELDS\xff", FORM, 400, "form_encoding"),
    ("escaped 0xff", b"FIELDS%FF", FORM, 400, "form_encoding"),
    ("escaped surrogate", b"FIELDS%ED%A0%80", FORM, 400, "form_encoding"),
    ("no content type", b"FIELDS", None, 415, "form_type"),
    ("multipart", b"--b\r\n\r\n--b--\r\n", "multipart/form-data; boundary=b", 415, "form_type"),
    ("json", b'{"student_id": "s101", "code": "x"}', "application/json", 415, "form_type"),
    ("text", b"FIELDS", "text/plain", 415, "form_type"),
    ("latin-1", b"FIELDS", FORM + "; charset=latin-1", 415, "form_type"),
]


@pytest.mark.parametrize("url, fields", [("/download", b"student_id=s101&code=x"), ("/staff/login", b"code=x")])
@pytest.mark.parametrize("name, body, content_type, status, message", MALFORMED, ids=[m[0] for m in MALFORMED])
def test_malformed_forms_get_a_clear_4xx(klass, clock, hashes, url: str, fields: bytes, name: str,  # type: ignore[no-untyped-def]
                                         body: bytes, content_type: str | None, status: int, message: str) -> None:
    app = portal(klass, clock)
    headers = {"content-type": content_type} if content_type else {}
    response = client(app, ATTACKER).post(url, content=body.replace(b"FIELDS", fields), headers=headers)
    assert response.status_code == status
    assert shows(response, message) and 'dir="rtl"' in response.text
    assert response.headers["content-type"].startswith("text/html")
    assert b"%PDF" not in response.content and hashes == []  # and no scrypt work


def test_a_streamed_body_is_cut_at_the_limit(klass, clock) -> None:  # type: ignore[no-untyped-def]
    """Without a Content-Length (chunked), the body is still read only up to 4 KiB."""
    app = portal(klass, clock)

    def chunks():  # type: ignore[no-untyped-def]
        for _ in range(1000):
            yield b"x" * 1024

    response = client(app, ATTACKER).post("/download", content=chunks(), headers={"content-type": FORM})
    assert response.status_code == 413 and shows(response, "form_large")


def test_the_form_with_its_charset_is_accepted(klass, clock) -> None:  # type: ignore[no-untyped-def]
    out, codes, _ = klass
    app = portal(klass, clock)
    body = f"student_id=s101&code={codes['s101']}".encode()
    response = client(app, OWNER).post("/download", content=body, headers={"content-type": FORM + "; charset=UTF-8"})
    assert response.status_code == 200 and response.content == (out / "s101.pdf").read_bytes()


# 4. Behind a TLS proxy ----------------------------------------------------------------------------

def test_behind_a_proxy_the_cookie_is_secure_and_clients_are_told_apart(klass, clock) -> None:  # type: ignore[no-untyped-def]
    out, codes, staff = klass
    app = portal(klass, clock, proxies=["127.0.0.1"])
    proxy = client(app, "127.0.0.1")
    https = {"x-forwarded-proto": "https", "x-forwarded-for": OWNER}
    response = proxy.post("/staff/login", data={"code": staff}, headers=https, follow_redirects=False)
    assert response.status_code == 303
    assert "; secure" in response.headers["set-cookie"].lower()
    assert "; secure" in proxy.post("/staff/logout", headers=https, follow_redirects=False).headers["set-cookie"].lower()
    unnamed = proxy.post("/staff/login", data={"code": staff}, follow_redirects=False)  # proxy sent no scheme
    assert "; secure" in unnamed.headers["set-cookie"].lower()
    plain = proxy.post("/staff/login", data={"code": staff}, headers={"x-forwarded-proto": "http"},
                       follow_redirects=False)
    assert "secure" not in plain.headers["set-cookie"].lower()

    def via_proxy(forwarded_for: str, code: str):  # type: ignore[no-untyped-def]
        return proxy.post("/download", data={"student_id": "s101", "code": code},
                          headers={"x-forwarded-for": forwarded_for, "x-forwarded-proto": "https"})

    assert [via_proxy(ATTACKER, "wrong").status_code for _ in range(6)] == [403] * 5 + [429]
    # what the client put before the proxy's own entry is not believed
    assert via_proxy(f"{OWNER}, {ATTACKER}", codes["s101"]).status_code == 429
    assert via_proxy(f"{ATTACKER}, {OWNER}", codes["s101"]).content == (out / "s101.pdf").read_bytes()


def test_forwarded_headers_from_anyone_else_are_ignored(klass, clock) -> None:  # type: ignore[no-untyped-def]
    _, codes, staff = klass
    for options, address in (({}, "127.0.0.1"), ({"proxies": ["127.0.0.1"]}, ATTACKER)):
        app = portal(klass, clock, **options)
        c = client(app, address)
        answers = [c.post("/download", data={"student_id": "s101", "code": "wrong"},
                          headers={"x-forwarded-for": f"10.8.0.{i}"}).status_code for i in range(6)]
        assert answers == [403] * 5 + [429]  # a made-up X-Forwarded-For does not dodge the limit
        response = c.post("/staff/login", data={"code": staff}, headers={"x-forwarded-proto": "https"},
                          follow_redirects=False)
        assert response.status_code == 303 and "secure" not in response.headers["set-cookie"].lower()


def test_secure_cookie_option(klass, clock) -> None:  # type: ignore[no-untyped-def]
    _, _, staff = klass
    app = portal(klass, clock, secure_cookie=True)
    response = staff_login(client(app, OWNER), staff)
    assert response.status_code == 303 and "; secure" in response.headers["set-cookie"].lower()


def test_serve_options_reach_the_app(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys) -> None:  # type: ignore[no-untyped-def]
    import uvicorn

    out = make_out(tmp_path)
    assert cli("tokens", str(out)) == 0
    staff = read_codes(capsys.readouterr().out)[tokens.STAFF]
    served: list[tuple[object, dict[str, object]]] = []
    monkeypatch.setattr(uvicorn, "run", lambda app, **kw: served.append((app, kw)))

    def cookie(*options: str, peer: str = "127.0.0.1") -> str:
        assert cli("serve", str(out), *options) == 0
        app, kw = served[-1]
        assert kw["proxy_headers"] is False  # the app alone decides whom to believe
        return staff_login(client(app, peer), staff).headers["set-cookie"].lower()

    assert "secure" not in cookie()
    assert "; secure" in cookie("--behind-proxy")
    assert "secure" not in cookie("--behind-proxy", "--proxy-addresses", "10.0.0.0/8")
    assert "; secure" in cookie("--behind-proxy", "--proxy-addresses", "10.0.0.0/8", peer="10.1.2.3")
    assert "; secure" in cookie("--secure-cookie")
    with pytest.raises(SystemExit):
        cli("serve", str(out), "--behind-proxy", "--proxy-addresses", "nginx")


# 5. HEAD wherever GET ---------------------------------------------------------------------------

def test_head_works_wherever_get_does(klass, clock) -> None:  # type: ignore[no-untyped-def]
    _, _, staff = klass
    app = portal(klass, clock)
    anonymous, staffer = client(app, OTHER), client(app, OWNER)
    assert staff_login(staffer, staff).status_code == 303
    head = anonymous.head("/")
    assert head.status_code == 200 and head.content == b"" and head.headers["content-type"].startswith("text/html")
    assert head.headers["content-security-policy"].startswith("default-src 'self'")
    urls = ["/", "/static/portal.css", "/staff", "/staff/report/s101", "/staff/summary.pdf", "/staff/grades.csv",
            "/staff/report/nobody", "/nowhere"]
    for c in (anonymous, staffer):
        for url in urls:
            get, head = c.get(url), c.head(url)
            assert (head.status_code, head.headers["content-type"]) == (get.status_code, get.headers["content-type"])
            assert head.content == b"", url
    assert staffer.head("/staff/summary.pdf").status_code == 200
    assert anonymous.head("/download").status_code == 405  # as GET /download: a form is posted there
