"""Grading essays in the portal: groups, rubric items, named graders, stale writes, and hostile input."""
from __future__ import annotations

import re
import time
import warnings
from pathlib import Path

import pytest
from markupsafe import escape

pytest.importorskip("fastapi")
with warnings.catch_warnings():
    warnings.simplefilter("ignore")
    from fastapi.testclient import TestClient  # noqa: E402

from grader.manual import load_scores  # noqa: E402
from grader.manual.store import answer_sha  # noqa: E402
from grader.apps.portal.app import create_app  # noqa: E402
from grader.core.result import QuestionResult  # noqa: E402
from grader.outputs.results import read_result, result_path, write_result  # noqa: E402
from tests.support.essay_class import HOSTILE, make_class  # noqa: E402


@pytest.fixture
def klass(tmp_path: Path) -> tuple[Path, dict[str, str]]:
    return make_class(tmp_path)


@pytest.fixture
def app(klass):  # type: ignore[no-untyped-def]
    return create_app(klass[0])


def signed_in(app, code: str) -> TestClient:  # type: ignore[no-untyped-def]
    c = TestClient(app)
    assert c.post("/staff/login", data={"code": code}, follow_redirects=False).status_code == 303
    return c


def sections(page: str) -> dict[str, str]:
    return dict(re.findall(r'<section class="card group[^"]*" id="(g\d+)"(.*?)</section>', page, re.S))


def groups(page: str) -> dict[str, list[str]]:
    """Each group's id and the answer tokens its form sends."""
    return {gid: re.findall(r'name="m" value="([^"]+)"', body) for gid, body in sections(page).items()}


def token(page: str) -> str:
    return re.search(r'name="csrf" value="([^"]+)"', page).group(1)


def grade(c: TestClient, page: str, gid: str, items=(), adjust="", comment="", members=None):  # type: ignore[no-untyped-def]
    data = {"csrf": token(page), "adjust": adjust, "comment": comment, "anon": "0", "group": gid,
            "m": groups(page)[gid] if members is None else members, "item": list(items)}
    return c.post("/staff/grade/q2", data=data, follow_redirects=False)


def add_item(c: TestClient, fa: str, en: str, points: str, item_id: str = ""):  # type: ignore[no-untyped-def]
    page = c.get("/staff/grade/q2").text
    return c.post("/staff/grade/q2/item", data={"csrf": token(page), "id": item_id, "fa": fa, "en": en,
                                                 "points": points, "anon": "0"}, follow_redirects=False)


def q2(out: Path, sid: str) -> QuestionResult:
    return read_result(result_path(out, sid)).questions[1]


def test_a_group_is_graded_in_one_action_and_reports_follow(klass, app):
    out, codes = klass
    ta = signed_in(app, codes["ta-one"])
    questions = ta.get("/staff/grade").text
    assert "0 of 11 answers graded" in questions and "1 unanswered (0, automatic)" in questions
    assert add_item(ta, "نکتهٔ اصلی", "main point", "3").status_code == 303
    assert add_item(ta, "بی‌دقتی", "sloppy", "-0.5").status_code == 303
    page = ta.get("/staff/grade/q2").text
    first = groups(page)["g1"]
    assert len(first) == 5  # identical up to spacing, digits and case, and one merely similar answer
    response = grade(ta, page, "g1", items=["i1", "i2"], adjust="۰٫۵", comment="Good.")
    assert response.status_code == 303 and response.headers["location"] == "/staff/grade/q2#g1"
    store = load_scores(out)
    graded = {sid for sid, qs in store.items() if "q2" in qs}
    assert len(graded) == 5 and all(store[s]["q2"]["score"] == 3 and store[s]["q2"]["by"] == "ta-one" for s in graded)
    sid = sorted(graded)[0]
    assert q2(out, sid).points == 3 and read_result(result_path(out, sid)).total == 9
    assert "(+3) main point (-0.5) sloppy (+0.5) Good." in q2(out, sid).answers[0].feedback.en
    after = ta.get("/staff/grade/q2").text
    assert "Graded 5 answer(s)." in after and "5 of 11 graded" in after
    assert "Graded 5 answer(s)." not in ta.get("/staff/grade/q2").text  # shown once
    for _ in range(200):  # the PDF is re-rendered off the request
        if (out / f"{sid}.pdf").read_bytes() != b"%PDF-1.4 placeholder\n":
            break
        time.sleep(0.05)
    assert (out / f"{sid}.pdf").read_bytes().startswith(b"%PDF") and (out / f"{sid}.pdf").stat().st_size > 1000

    # changing an item's points rescores every answer that has it
    assert add_item(ta, "نکتهٔ اصلی", "main point", "2", item_id="i1").status_code == 303
    assert {load_scores(out)[s]["q2"]["score"] for s in graded} == {2}
    assert q2(out, sid).points == 2 and "1 answer(s) rescored" not in ta.get("/staff/grade/q2").text


def test_a_stale_write_is_refused_and_nothing_is_lost(klass, app):
    out, codes = klass
    one, two = signed_in(app, codes["ta-one"]), signed_in(app, codes["ta-two"])
    seen_by_one, seen_by_two = one.get("/staff/grade/q2").text, two.get("/staff/grade/q2").text
    assert grade(one, seen_by_one, "g2", adjust="4", comment="full marks").status_code == 303
    assert grade(two, seen_by_two, "g2", adjust="1", comment="too short").status_code == 303
    store = load_scores(out)
    g2 = [s for s, qs in store.items() if "q2" in qs]
    assert len(g2) == len(groups(seen_by_one)["g2"]) > 1 and {store[s]["q2"]["by"] for s in g2} == {"ta-one"} and {store[s]["q2"]["score"] for s in g2} == {4}
    page = two.get("/staff/grade/q2").text
    assert f"{len(g2)} answer(s) were graded by ta-one after you loaded this page" in page
    assert "nothing was overwritten" in page and "s00" not in page.split("<nav")[0]  # no student named
    # having seen it, ta-two may change it; the history keeps ta-one's grade
    assert grade(two, page, "g2", adjust="3").status_code == 303
    entry = load_scores(out)[g2[0]]["q2"]
    assert entry["by"] == "ta-two" and entry["version"] == 2 and entry["history"][0]["by"] == "ta-one"


def test_a_resubmitted_answer_shows_as_changed_with_its_old_grade_as_a_hint(klass, app):
    out, codes = klass
    ta = signed_in(app, codes["ta-one"])
    page = ta.get("/staff/grade/q2").text
    grade(ta, page, "g3", adjust="2", comment="Half right")
    sid = next(s for s, qs in load_scores(out).items() if "q2" in qs)
    result = read_result(result_path(out, sid))
    result.questions[1].answer_text = "A resubmitted answer about attention."
    write_result(out, result)
    page = ta.get("/staff/grade/q2").text
    assert "answer changed: grade again" in page and "before: 2" in page and "Half right" in page
    new_sha = answer_sha("A resubmitted answer about attention.")
    assert any(t.endswith(f".{new_sha}.1") for t in re.findall(r'name="m" value="([^"]+)"', page))
    assert q2(out, sid).points == 2  # what is on disk until the next run; the store no longer applies it
    questions = ta.get("/staff/grade").text
    assert "1 changed since graded" in questions


def test_forms_need_the_sessions_token(klass, app):
    out, codes = klass
    one, two = signed_in(app, codes["ta-one"]), signed_in(app, codes["ta-two"])
    page = one.get("/staff/grade/q2").text
    members = groups(page)["g1"]
    for forged in ("", "x" * 43, token(two.get("/staff/grade/q2").text)):
        data = {"csrf": forged, "adjust": "4", "comment": "", "anon": "0", "group": "g1", "m": members}
        response = one.post("/staff/grade/q2", data=data, follow_redirects=False)
        assert response.status_code == 403 and "This form came from an old page or from elsewhere" in response.text
        item = {"csrf": forged, "id": "", "fa": "x", "en": "x", "points": "1", "anon": "0"}
        assert one.post("/staff/grade/q2/item", data=item).status_code == 403
    assert load_scores(out) == {} and not (out / "manual" / "items.json").exists()
    anonymous = TestClient(app)
    data = {"csrf": token(page), "adjust": "4", "comment": "", "anon": "0", "group": "g1", "m": members}
    assert anonymous.post("/staff/grade/q2", data=data).status_code == 403
    assert anonymous.get("/staff/grade/q2").status_code == 403 and load_scores(out) == {}


def test_hostile_text_is_escaped_and_sizes_capped(klass, app):
    out, codes = klass
    ta = signed_in(app, codes["ta-one"])
    assert add_item(ta, HOSTILE, HOSTILE, "1").status_code == 303
    page = ta.get("/staff/grade/q2").text
    gid = next(g for g, body in sections(page).items() if "s011" in body)
    assert grade(ta, page, gid, items=["i1"], comment=HOSTILE).status_code == 303
    page = ta.get("/staff/grade/q2").text
    assert "<script>" not in page and "onerror=\"" not in page and "<img" not in page
    assert page.count(str(escape(HOSTILE))) >= 4  # the answer, the item (twice) and the comment
    assert load_scores(out)["s011"]["q2"]["comment"] == HOSTILE  # stored as typed, escaped when shown
    members = groups(page)["g1"]
    base = {"csrf": token(page), "adjust": "", "anon": "0", "group": "g1", "m": members}
    assert ta.post("/staff/grade/q2", data={**base, "comment": "x" * 2001}).status_code == 413
    assert ta.post("/staff/grade/q2", data={**base, "comment": "ب" * 30_000}).status_code == 413
    assert ta.post("/staff/grade/q2", data={**base, "comment": "", "adjust": "lots"}).status_code == 400
    assert ta.post("/staff/grade/q2", data={**base, "comment": "", "adjust": "1e308"}, follow_redirects=False).status_code == 303
    assert "an adjustment must lie within ±4" in ta.get("/staff/grade/q2").text
    assert ta.post("/staff/grade/q2", data={**base, "comment": "", "evil": "1"}).status_code == 400
    assert ta.post("/staff/grade/q2", data={**base, "comment": "", "m": ["nope.abc.0"]}, follow_redirects=False).status_code == 303
    assert "no longer in the class" in ta.get("/staff/grade/q2").text
    assert add_item(ta, "x", "x", "99").status_code == 303 and "within ±4" in ta.get("/staff/grade/q2").text
    assert ta.get("/staff/grade/..%2F..%2Fetc").status_code == 404 and ta.get("/staff/grade/q9").status_code == 404
    assert "s00" not in "".join(groups(page)["g1"])  # forms name answers by opaque keys, never by student id


def test_anonymous_mode_hides_names_and_ids(klass, app):
    _, codes = klass
    ta = signed_in(app, codes["ta-one"])
    named, anonymous = ta.get("/staff/grade/q2").text, ta.get("/staff/grade/q2?anon=1").text
    assert "Student 3" in named and "s003" in named
    assert "Student 3" not in anonymous and "s003" not in anonymous and "دانشجو" not in anonymous


def test_named_staff_codes(klass, tmp_path):
    from tests.support.portal import cli

    out, codes = klass
    assert cli("tokens", str(out), "--staff", "ta-one") == 2  # exists: only --rotate replaces it
    assert cli("tokens", str(out), "--staff", "../evil") == 2
    assert cli("tokens", str(out), "--staff", "ta-three") == 0
    c = TestClient(create_app(out))
    for code, name in ((codes["ta-two"], "ta-two"), (codes["(staff)"], "staff")):
        c.post("/staff/login", data={"code": code})
        assert f"({name})" in c.get("/staff").text


def student_in(app, sid: str, code: str) -> TestClient:  # type: ignore[no-untyped-def]
    c = TestClient(app)
    response = c.post("/student/login", data={"student_id": sid, "code": code}, follow_redirects=False)
    assert response.status_code == 303 and response.headers["location"] == "/me"
    return c


def test_a_regrade_request_is_answered_with_a_new_score(klass, app):
    out, codes = klass
    me = student_in(app, "s003", codes["s003"])
    page = me.get("/me").text
    assert "waiting for a grade" in page and "Batch normalisation" in page and "4 points waiting for a grade" in page
    data = {"csrf": token(page), "question": "q2", "message": HOSTILE + " please look again"}
    assert me.post("/me/regrade", data=data, follow_redirects=False).status_code == 303
    page = me.get("/me").text
    assert "Your regrade request was filed" in page and "waiting for an answer" in page and "<script>" not in page
    assert me.post("/me/regrade", data={**data, "csrf": token(page)}, follow_redirects=False).status_code == 303
    assert "already has a request waiting" in me.get("/me").text

    ta = signed_in(app, codes["ta-one"])
    queue = ta.get("/staff/regrades").text
    assert "1 open" in queue and str(escape(HOSTILE)) in queue and "<script>" not in queue
    request_id = re.search(r'action="/staff/regrades/([0-9a-f]+)"', queue).group(1)
    m = re.search(r'name="m" value="([^"]+)"', queue).group(1)
    reply = {"csrf": token(queue), "reply": "Looked again: the centring argument is right.", "score": "۳٫۵", "m": m}
    assert ta.post(f"/staff/regrades/{request_id}", data=reply, follow_redirects=False).status_code == 303
    assert load_scores(out)["s003"]["q2"]["score"] == 3.5 and q2(out, "s003").points == 3.5
    queue = ta.get("/staff/regrades").text
    assert "0 open" in queue and "The reply was recorded." in queue
    ta.post(f"/staff/regrades/{request_id}", data={**reply, "csrf": token(queue)}, follow_redirects=False)
    assert "already answered by ta-one" in ta.get("/staff/regrades").text

    page = me.get("/me").text
    assert "Looked again: the centring argument is right." in page and "۳٫۵ از ۴" in page


def test_regrade_forms_are_guarded(klass, app):
    out, codes = klass
    me = student_in(app, "s003", codes["s003"])
    page = me.get("/me").text
    for forged in ("", "x" * 43):
        data = {"csrf": forged, "question": "q2", "message": "hi"}
        assert me.post("/me/regrade", data=data).status_code == 403
    staff_token = token(signed_in(app, codes["ta-one"]).get("/staff/grade/q2").text)
    assert me.post("/me/regrade", data={"csrf": staff_token, "question": "q2", "message": "hi"}).status_code == 403
    assert me.post("/me/regrade", data={"csrf": token(page), "question": "q9", "message": "hi"}).status_code == 400
    me.post("/me/regrade", data={"csrf": token(page), "question": "q2", "message": "ب" * 1001}, follow_redirects=False)
    assert "at most 1000 characters" in me.get("/me").text
    assert me.post("/me/regrade", data={"csrf": token(page), "question": "q2", "message": "x" * 20_000}).status_code == 413
    assert not (out / "manual" / "regrades.json").exists()
    assert me.get("/staff/regrades").status_code == 403 and me.get("/staff/grade/q2").status_code == 403
    assert TestClient(app).get("/me").status_code == 403
    wrong = TestClient(app).post("/student/login", data={"student_id": "s003", "code": codes["s004"]})
    assert wrong.status_code == 403


def test_a_long_answer_is_cut_on_the_page_but_graded_whole(klass, app):
    out, codes = klass
    long = "attention " * 5000  # 50,000 characters
    result = read_result(result_path(out, "s005"))
    result.questions[1].answer_text = long.strip()
    write_result(out, result)
    ta = signed_in(app, codes["ta-one"])
    page = ta.get("/staff/grade/q2").text
    gid = next(g for g, body in sections(page).items() if "attention attention" in body)
    assert page.count("attention") < 2100 and grade(ta, page, gid, adjust="1").status_code == 303
    assert load_scores(out)["s005"]["q2"]["answer_sha"] == answer_sha(long) and q2(out, "s005").points == 1


def test_every_signed_in_post_needs_its_token(klass, app):
    out, codes = klass
    me, ta = student_in(app, "s003", codes["s003"]), signed_in(app, codes["ta-one"])
    page = me.get("/me").text
    me.post("/me/regrade", data={"csrf": token(page), "question": "q2", "message": "please"})
    queue = ta.get("/staff/regrades").text
    request_id = re.search(r'action="/staff/regrades/([0-9a-f]+)"', queue).group(1)
    reply = {"csrf": token(page), "reply": "no", "score": "", "m": ""}  # the student's token, not the staff's
    assert ta.post(f"/staff/regrades/{request_id}", data=reply).status_code == 403
    assert me.post("/me/logout", data={"csrf": "forged"}).status_code == 403
    assert me.get("/me").status_code == 200  # still signed in
    assert ta.post("/staff/logout", data={"csrf": token(page)}).status_code == 403
    assert "open" in ta.get("/staff/regrades").text and "1 open" in ta.get("/staff/regrades").text
    me.post("/me/logout", data={"csrf": token(page)})
    assert me.get("/me").status_code == 403


def test_a_group_whose_answers_hold_different_grades_starts_empty_and_says_so():
    """One answer of a group regraded alone (a regrade request answered): the group's form must not
    start from its grade, or a save would give it to the others."""
    from grader.apps.portal.grading import Answer, Group

    def graded(sid: str, score: float, items: list[str], comment: str = "") -> Answer:
        entry = {"score": score, "items": [{"id": i} for i in items], "adjust": 0, "comment": comment, "version": 1}
        return Answer(f"k-{sid}", sid, "", "", "same text", "sha", "graded", entry)

    alike = Group([[graded("a", 2, ["1"]), graded("b", 2, ["1"])]])
    assert not alike.mixed and alike.shown == alike.answers[0].entry
    regraded = Group([[graded("a", 2.5, [], "see reply"), graded("b", 1.5, ["1"])]])
    assert regraded.mixed and regraded.shown is None
    same_score_other_items = Group([[graded("a", 2, ["1"]), graded("b", 2, ["2"])]])
    assert same_score_other_items.mixed
    pending = Answer("k-c", "c", "", "", "same text", "sha", "pending", None)
    assert not Group([[graded("a", 2, ["1"]), pending]]).mixed  # an ungraded one takes the group's grade
