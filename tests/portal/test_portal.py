"""The download portal: access codes, the student download, staff pages, and its defences."""
from __future__ import annotations

import os
import warnings
from pathlib import Path

import pytest

pytest.importorskip("fastapi")
pytest.importorskip("httpx")
with warnings.catch_warnings():  # starlette suggests httpx2, which is not among the pinned packages
    warnings.simplefilter("ignore")
    from fastapi.testclient import TestClient  # noqa: E402

from grader.apps.portal import tokens  # noqa: E402
from grader.apps.portal.app import create_app  # noqa: E402
from tests.support.portal import STUDENTS, cli, csrf, make_out, read_codes  # noqa: E402


class Clock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


@pytest.fixture(scope="module")
def portal(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, dict[str, str]]:
    out = make_out(tmp_path_factory.mktemp("portal"))
    csv_path = out.parent / "codes.csv"
    assert cli("tokens", str(out), "--csv", str(csv_path)) == 0
    return out, read_codes(csv_path.read_text(encoding="utf-8-sig"))


@pytest.fixture
def clock() -> Clock:
    return Clock()


@pytest.fixture
def app(portal: tuple[Path, dict[str, str]], clock: Clock):  # type: ignore[no-untyped-def]
    return create_app(portal[0], clock=clock)


def login(client: TestClient, sid: str, code: str):  # type: ignore[no-untyped-def]
    return client.post("/download", data={"student_id": sid, "code": code})


def test_tokens_are_shown_once_and_stored_hashed(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    out = make_out(tmp_path)
    assert cli("tokens", str(out)) == 0
    printed = capsys.readouterr().out
    assert printed.splitlines()[0] == "student_id,name,code"
    assert "s101,سارا کاظمی / Sara Kazemi," in printed
    codes = read_codes(printed)
    assert set(codes) == {"s101", "s202", tokens.STAFF} and len(set(codes.values())) == 3
    stored = tokens.tokens_path(out).read_text(encoding="utf-8")
    for code in codes.values():
        assert code not in stored and tokens.normalize_code(code) not in stored
    assert os.stat(tokens.tokens_path(out)).st_mode & 0o077 == 0

    assert cli("tokens", str(out)) == 2  # refuses: the codes could never be shown again
    assert "--rotate" in capsys.readouterr().err
    assert cli("tokens", str(out), "--rotate") == 0
    rotated = read_codes(capsys.readouterr().out)
    verifier = tokens.Verifier.load(out)
    assert verifier.student("s101", rotated["s101"]) and not verifier.student("s101", codes["s101"])
    assert verifier.is_staff(rotated[tokens.STAFF]) and not verifier.is_staff(rotated["s101"])


def test_serve_refuses_without_tokens(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert cli("serve", str(make_out(tmp_path))) == 2
    assert "grader tokens" in capsys.readouterr().err


def test_right_code_downloads_exactly_that_pdf(app, portal) -> None:  # type: ignore[no-untyped-def]
    out, codes = portal
    client = TestClient(app)
    for sid in STUDENTS:
        response = login(client, sid, codes[sid])
        assert response.status_code == 200
        assert response.content == (out / f"{sid}.pdf").read_bytes()
        assert response.headers["content-type"] == "application/pdf"
        assert response.headers["content-disposition"] == f'attachment; filename="{sid}.pdf"'
    # what people do when typing a code from paper is forgiven
    sloppy = codes["s101"].upper().replace("-", " ").translate(str.maketrans("23456789", "۲۳۴۵۶۷۸۹"))
    assert login(client, " s101 ", sloppy).content == (out / "s101.pdf").read_bytes()


def test_wrong_code_and_unknown_id_answer_alike(app, portal, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    _, codes = portal
    calls: list[str] = []
    real_hash = tokens._hash
    monkeypatch.setattr(tokens, "_hash", lambda code, salt, params: calls.append(code) or real_hash(code, salt, params))
    client = TestClient(app)
    wrong = login(client, "s101", codes["s202"])
    unknown = login(client, "s999", codes["s101"])
    assert (wrong.status_code, wrong.content) == (unknown.status_code, unknown.content) == (403, wrong.content)
    assert "شماره دانشجویی یا کد دسترسی درست نیست" in wrong.text and "not correct" in wrong.text
    assert len(calls) == 2  # scrypt ran for the unknown id as well: same time
    empty = login(client, "", "")
    assert (empty.status_code, empty.content) == (403, wrong.content)


TRAVERSALS = ["../s202", "..%2Fs202", "s101/../s202", "..\\s202", "/etc/passwd", "../secret", "../../secret.pdf",
              "%2e%2e%2fsecret", "s202.pdf", "results/s202", "s101\x00", "s101\x00../s202", ".", "..", "",
              "s101" + "/" * 500, "x" * 1000]  # longer ones exceed the form's size limit (test_portal_attacks)


@pytest.mark.parametrize("sid", TRAVERSALS)
def test_no_id_reaches_another_file(app, portal, sid: str) -> None:  # type: ignore[no-untyped-def]
    out, codes = portal
    client = TestClient(app)
    reference = login(client, "nobody", codes["s101"])
    for code in (codes["s101"], codes["s202"], codes[tokens.STAFF]):
        response = login(client, sid, code)
        assert (response.status_code, response.content) == (403, reference.content)
        client = TestClient(app, client=(f"10.0.{len(sid) % 250}.{len(code)}", 1))  # stay under the IP limit


def test_no_url_reaches_a_file(app, portal) -> None:  # type: ignore[no-untyped-def]
    out, codes = portal
    client = TestClient(app)
    assert client.post("/staff/login", data={"code": codes[tokens.STAFF]}).status_code == 200
    for url in ["/s101.pdf", "/results/s101.json", "/portal/tokens.json", "/static/../s101.pdf",
                "/staff/report/..%2Fsecret", "/staff/report/..%2F..%2Fsecret.pdf", "/staff/report/%2Fetc%2Fpasswd",
                "/staff/report/s101%00", "/staff/report/" + "a" * 5000, "/staff/report/s101.pdf",
                "/download/s101", "/staff/report/s101/../../secret.pdf"]:
        response = client.get(url)
        assert response.status_code == 404, url
        assert b"%PDF" not in response.content and b"SECRET" not in response.content
        assert "صفحه پیدا نشد" in response.text and "Page not found" in response.text


def test_staff_pages_need_the_staff_code(app, portal) -> None:  # type: ignore[no-untyped-def]
    out, codes = portal
    client = TestClient(app)
    for url in ["/staff", "/staff/report/s101", "/staff/summary.pdf", "/staff/grades.csv"]:
        response = client.get(url)
        assert response.status_code == 403 and b"%PDF" not in response.content and "s202" not in response.text
        assert "با کد کادر آموزشی وارد شوید" in response.text
    assert client.post("/staff/login", data={"code": codes["s101"]}).status_code == 403

    response = client.post("/staff/login", data={"code": codes[tokens.STAFF]}, follow_redirects=False)
    assert response.status_code == 303 and response.headers["location"] == "/staff"
    cookie = response.headers["set-cookie"].lower()
    assert "httponly" in cookie and "samesite=strict" in cookie and codes[tokens.STAFF] not in cookie
    table = client.get("/staff")
    assert table.status_code == 200
    for sid, (fa, en) in STUDENTS.items():
        assert sid in table.text and fa in table.text and en in table.text
        assert f'href="/staff/report/{sid}"' in table.text
    assert "۴۰٫۵ از ۱۰۰" in table.text and "40.5 / 100" in table.text
    assert client.get("/staff/report/s202").content == (out / "s202.pdf").read_bytes()
    assert client.get("/staff/summary.pdf").content == (out / "summary.pdf").read_bytes()
    grades = client.get("/staff/grades.csv")
    assert grades.content == (out / "grades.csv").read_bytes() and "attachment" in grades.headers["content-disposition"]

    good = client.cookies["grader_staff"]
    for forged in (good[:-1], good + "0", good[:-1] + ("A" if good[-1] != "A" else "B"), "x.y", "0" * 43):
        assert TestClient(app, cookies={"grader_staff": forged}).get("/staff").status_code == 403
    assert TestClient(app, cookies={"grader_staff": good}).get("/staff").status_code == 200
    assert client.post("/staff/logout").status_code == 415  # no form token: still signed in
    assert client.post("/staff/logout", data={"csrf": "forged"}).status_code == 403
    assert client.get("/staff").status_code == 200
    client.post("/staff/logout", data={"csrf": csrf(client)})
    assert client.get("/staff").status_code == 403


def test_security_headers_everywhere(app, portal) -> None:  # type: ignore[no-untyped-def]
    _, codes = portal
    client = TestClient(app)
    for response in (client.get("/"), client.get("/nowhere"), client.get("/static/portal.css"),
                     login(client, "s101", codes["s101"]), login(client, "s101", "wrong")):
        assert response.headers["content-security-policy"].startswith("default-src 'self'")
        assert response.headers["x-content-type-options"] == "nosniff"
        assert response.headers["referrer-policy"] == "no-referrer"
    page = client.get("/").text
    assert 'dir="rtl"' in page and 'method="post"' in page and "<style" not in page and "<script" not in page
