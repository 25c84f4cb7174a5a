"""The portal serves what is on disk now: results and reports written, added or removed after it
started, and access codes replaced one student at a time (from the command line or the staff page)."""
from __future__ import annotations

import re
import warnings
from pathlib import Path

import pytest

pytest.importorskip("fastapi")
with warnings.catch_warnings():  # starlette suggests httpx2, which is not among the pinned packages
    warnings.simplefilter("ignore")
    from fastapi.testclient import TestClient  # noqa: E402

from grader.apps.portal import index as index_module  # noqa: E402
from grader.apps.portal import tokens  # noqa: E402
from grader.apps.portal.app import create_app  # noqa: E402
from grader.core.result import AnswerResult, QuestionResult, Status  # noqa: E402
from grader.core.text import Text  # noqa: E402
from grader.outputs.results import read_result, result_path, write_result  # noqa: E402
from tests.support.portal import cli, csrf, make_out, read_codes  # noqa: E402


@pytest.fixture
def portal(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> tuple[Path, dict[str, str]]:
    out = make_out(tmp_path)
    assert cli("tokens", str(out)) == 0
    return out, read_codes(capsys.readouterr().out)


def staff_client(app, code: str) -> TestClient:  # type: ignore[no-untyped-def]
    client = TestClient(app)
    assert client.post("/staff/login", data={"code": code}, follow_redirects=False).status_code == 303
    return client


def student_client(app, sid: str, code: str) -> TestClient:  # type: ignore[no-untyped-def]
    client = TestClient(app)
    assert client.post("/student/login", data={"student_id": sid, "code": code},
                       follow_redirects=False).status_code == 303
    return client


def download(client: TestClient, sid: str, code: str):  # type: ignore[no-untyped-def]
    return client.post("/download", data={"student_id": sid, "code": code})


def rescore(out: Path, sid: str, points: float) -> None:
    """What `grader manual import` or a re-run does to a student's result: a new total, written atomically."""
    result = read_result(result_path(out, sid))
    question = QuestionResult("q1", Text("همه", "All"), 100,
                              [AnswerResult("a", "numeric", 100, Status.of_fraction(points / 100), points)])
    write_result(out, type(result)(result.student, result.assignment, 100, [question],
                                   assignment_title=result.assignment_title, course=result.course))


def test_a_result_rewritten_after_start_shows_at_the_next_request(portal) -> None:  # type: ignore[no-untyped-def]
    out, codes = portal
    app = create_app(out)
    staff = staff_client(app, codes[tokens.STAFF])
    assert "40.5 / 100" in staff.get("/staff").text
    rescore(out, "s101", 77.25)
    page = staff.get("/staff").text
    assert "77.25 / 100" in page and "40.5 / 100" not in page
    me = student_client(app, "s101", codes["s101"])
    assert "Total: 77.25 of 100" in me.get("/me").text


def test_a_report_that_appears_later_can_be_downloaded(portal) -> None:  # type: ignore[no-untyped-def]
    out, codes = portal
    (out / "s202.pdf").unlink()
    app = create_app(out)
    client = TestClient(app)
    assert download(client, "s202", codes["s202"]).status_code == 404  # not ready yet
    (out / "s202.pdf").write_bytes(b"%PDF-1.4 late report of s202\n")
    answer = download(client, "s202", codes["s202"])
    assert answer.status_code == 200 and answer.content == b"%PDF-1.4 late report of s202\n"


def test_a_vanished_result_disappears(portal) -> None:  # type: ignore[no-untyped-def]
    out, codes = portal
    app = create_app(out)
    staff = staff_client(app, codes[tokens.STAFF])
    assert "s202" in staff.get("/staff").text
    result_path(out, "s202").unlink()
    (out / "s202.pdf").unlink()
    assert "s202" not in staff.get("/staff").text
    assert staff.get("/staff/report/s202").status_code == 404
    assert download(TestClient(app), "s202", codes["s202"]).status_code == 404
    (out / "summary.pdf").unlink()
    assert staff.get("/staff/summary.pdf").status_code == 404


def test_an_unchanged_folder_is_not_read_again(portal, monkeypatch: pytest.MonkeyPatch) -> None:  # type: ignore[no-untyped-def]
    out, codes = portal
    live = index_module.LiveIndex(out)
    builds = []
    real = index_module.ClassIndex.build
    monkeypatch.setattr(index_module.ClassIndex, "build", classmethod(lambda cls, o: builds.append(o) or real(o)))
    first = live.current()
    assert live.current() is first and builds == []
    rescore(out, "s101", 50)
    assert live.current().students["s101"].total == 50 and len(builds) == 1


def test_one_students_code_is_replaced_from_the_command_line(portal, capsys) -> None:  # type: ignore[no-untyped-def]
    out, codes = portal
    app = create_app(out)  # started before the reset: it must notice the new file by itself
    client = TestClient(app)
    session = student_client(app, "s101", codes["s101"])
    assert session.get("/me").status_code == 200
    assert cli("tokens", str(out), "--student", "s101") == 0
    captured = capsys.readouterr()
    sid, new = captured.out.strip().split(",")
    assert sid == "s101" and new != codes["s101"] and "no longer works" in captured.err

    assert download(client, "s101", codes["s101"]).status_code == 403  # the old code, at once
    assert download(client, "s101", new).status_code == 200
    assert session.get("/me").status_code == 403  # what the old code opened ends with it
    assert download(client, "s202", codes["s202"]).status_code == 200  # nobody else's changed
    assert staff_client(app, codes[tokens.STAFF]).get("/staff").status_code == 200


def test_the_command_line_refuses_an_unknown_student(portal, capsys) -> None:  # type: ignore[no-untyped-def]
    out, _ = portal
    before = tokens.tokens_path(out).read_bytes()
    for sid in ("s999", "../s101", "s10", "s101/../s101", "x" * 500):
        assert cli("tokens", str(out), "--student", sid) == 2
        assert "no result for student" in capsys.readouterr().err
    assert tokens.tokens_path(out).read_bytes() == before


def test_staff_replace_one_students_code_in_the_portal(portal) -> None:  # type: ignore[no-untyped-def]
    out, codes = portal
    app = create_app(out)
    staff = staff_client(app, codes[tokens.STAFF])
    session = student_client(app, "s202", codes["s202"])
    page = staff.post("/staff/code/s202", data={"csrf": csrf(staff)}, follow_redirects=False)
    assert page.status_code == 200 and "Their old code no longer works" in page.text
    new = re.search(r'<p class="code" dir="ltr">([^<]+)</p>', page.text).group(1)
    assert tokens.Verifier.load(out).student("s202", new)

    client = TestClient(app)
    assert download(client, "s202", codes["s202"]).status_code == 403
    assert download(client, "s202", new).status_code == 200
    assert session.get("/me").status_code == 403
    assert download(client, "s101", codes["s101"]).status_code == 200
    assert staff.get("/staff").status_code == 200  # the staff member who did it stays signed in


def test_replacing_a_code_is_for_staff_with_the_pages_token(portal) -> None:  # type: ignore[no-untyped-def]
    out, codes = portal
    app = create_app(out)
    before = tokens.tokens_path(out).read_bytes()
    student = student_client(app, "s101", codes["s101"])
    token = re.search(r'name="csrf" value="([^"]+)"', student.get("/me").text).group(1)
    assert student.post("/staff/code/s202", data={"csrf": token}).status_code == 403
    staff = staff_client(app, codes[tokens.STAFF])
    assert staff.post("/staff/code/s202", data={"csrf": "forged"}).status_code == 403
    assert staff.post("/staff/code/s999", data={"csrf": csrf(staff)}).status_code == 404
    assert staff.post("/staff/code/..%2Fsecret", data={"csrf": csrf(staff)}).status_code == 404
    assert tokens.tokens_path(out).read_bytes() == before
