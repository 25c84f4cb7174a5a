"""A whole essay question of the hw4 sample class graded in headless Chromium, from the results
`grader run submissions/hw4` wrote (tests/core/golden/hw4): Persian answers, two of them identical,
one student who left it empty. Two teaching assistants, rubric items applied to every answer, an
item's points changed, a stale write refused, a regrade request filed, answered and seen; each page
shot at 1280 and 375 px wide in /tmp/shots-hw4/.
"""
from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from tests.support.browser import CHROMIUM
from tests.support.paths import ROOT

if not CHROMIUM.exists():
    pytest.skip("no /usr/bin/chromium", allow_module_level=True)
pytest.importorskip("playwright.sync_api")
pytest.importorskip("uvicorn")

from grader.core.result import Status  # noqa: E402
from grader.manual import load_scores  # noqa: E402
from grader.outputs.results import read_result  # noqa: E402
from tests.support.essay_class import issue_codes  # noqa: E402
from tests.support.portal_browser import DESKTOP, PHONE, Server, add_item, save_with_enter, sign_in  # noqa: E402

pytestmark = [pytest.mark.browser, pytest.mark.slow]

SHOTS = Path("/tmp/shots-hw4")
GOLDEN = ROOT / "tests" / "core" / "golden" / "hw4"
QUESTION = "q6c"  # the role of ε in batch normalization: three answers (two identical), one left empty


def hw4_out(root: Path) -> Path:
    """OUT as `grader run submissions/hw4` leaves it: the golden results, PDF placeholders."""
    out = root / "out"
    (out / "results").mkdir(parents=True)
    for path in sorted(GOLDEN.glob("*.json")):
        target = out / "results" / path.name
        shutil.copy(path, target)
        assert read_result(target).student.id == path.stem
        (out / f"{path.stem}.pdf").write_bytes(b"%PDF-1.4 placeholder\n")
    return out


def answered(out: Path) -> dict[str, str]:
    """The question's non-empty answers by student, computed from the results."""
    texts = {}
    for path in sorted((out / "results").glob("*.json")):
        result = read_result(path)
        q = next(q for q in result.questions if q.id == QUESTION)
        if q.answer_text and q.answers[0].status != Status.MISSING:
            texts[result.student.id] = q.answer_text
    return texts


def fits_a_phone(page) -> None:  # type: ignore[no-untyped-def]
    assert page.evaluate("document.documentElement.scrollWidth") <= 375, page.url


def test_a_hw4_essay_question_graded_through_the_pages(browser, tmp_path) -> None:  # type: ignore[no-untyped-def]
    SHOTS.mkdir(exist_ok=True)
    out = hw4_out(tmp_path)
    texts = answered(out)
    assert len(texts) == 3 and len(set(texts.values())) == 2  # several students, two alike
    students = sorted(p.stem for p in (out / "results").glob("*.json"))
    empty = [s for s in students if s not in texts]
    codes = issue_codes(out, students)
    with Server(out) as server:
        url = server.url
        one_ctx, one = sign_in(browser, url, codes["ta-one"])
        two_ctx, two = sign_in(browser, url, codes["ta-two"])
        try:
            assert all(s in one.inner_text("main") for s in students)
            one.screenshot(path=SHOTS / "staff_desktop.png", full_page=True)
            one.click("a[href='/staff/grade']")
            card = one.locator("ul.questions li", has_text=QUESTION)
            assert "0 of 3 answers graded" in card.inner_text()
            assert f"{len(empty)} unanswered (0, automatic)" in card.inner_text()
            one.screenshot(path=SHOTS / "questions_desktop.png", full_page=True)
            card.locator("a.qlink").click()
            one.wait_for_url(f"{url}/staff/grade/{QUESTION}")
            add_item(one, "نقش ε در جلوگیری از تقسیم بر صفر", "ε prevents division by zero", "2")
            add_item(one, "حالت واریانس صفر را توضیح داده", "explains the zero-variance case", "1")
            groups = one.locator("section.group")
            assert groups.count() == 2  # the two identical answers are one group
            page_text = one.inner_text("main")
            assert all(t.split()[0] in page_text for t in texts.values())
            assert not any(s in page_text for s in empty)
            # Persian answers, one opening with "ε" (dir="auto" laid it out left to right): right to left
            assert [groups.nth(g).locator("blockquote").get_attribute("dir") for g in range(2)] == ["rtl", "rtl"]

            two.goto(f"{url}/staff/grade/{QUESTION}")  # ta-two loads the page before ta-one grades

            members = [sorted(s for s in students if s in groups.nth(g).locator("ul.members").inner_text())
                       for g in range(2)]
            assert sorted(len(m) for m in members) == [1, 2]
            one.keyboard.press("1")  # group 1: item 1
            save_with_enter(one)
            assert f"Graded {len(members[0])} answer(s)." in one.inner_text(".alert.note")
            one.keyboard.press("j")  # group 2: items 1 and 2
            one.keyboard.press("1")
            one.keyboard.press("2")
            save_with_enter(one)
            assert "3 of 3 graded; out of 3" in one.inner_text("p.progress")
            one.screenshot(path=SHOTS / "question_graded_desktop.png", full_page=True)
            expected = {**{s: 2.0 for s in members[0]}, **{s: 3.0 for s in members[1]}}
            store = load_scores(out)
            assert {s: e[QUESTION]["score"] for s, e in store.items() if QUESTION in e} == expected
            assert {e[QUESTION]["by"] for e in store.values() if QUESTION in e} == {"ta-one"}
            one.click("a[href='/staff/grade']")
            assert "3 of 3 answers graded" in one.locator("ul.questions li", has_text=QUESTION).inner_text()

            # item 1 is worth 1.5 now: every answer (all three have it) is rescored
            one.goto(f"{url}/staff/grade/{QUESTION}")
            item = one.locator("form.item").nth(0)
            item.locator("input[name=points]").fill("1.5")
            with one.expect_navigation():
                item.locator("button").click()
            assert "Item saved; 3 answer(s) rescored." in one.inner_text(".alert.note")
            expected = {s: p - 0.5 for s, p in expected.items()}
            store = load_scores(out)
            assert {s: e[QUESTION]["score"] for s, e in store.items() if QUESTION in e} == expected
            for sid, score in expected.items():
                q = next(q for q in read_result(out / "results" / f"{sid}.json").questions if q.id == QUESTION)
                assert (q.points, q.status) == (score, Status.of_fraction(score / 3))

            # ta-two saves group 1 from the page loaded before any grade: refused, nothing lost
            stale = two.locator("section.group").nth(0)
            stale.locator("input[name=adjust]").fill("3")
            with two.expect_navigation():
                stale.locator("button[type=submit]").click()
            notes = two.inner_text(".alert")
            assert f"{len(members[0])} answer(s) were graded by ta-one after you loaded this page" in notes
            assert "nothing was overwritten" in notes
            two.screenshot(path=SHOTS / "stale_write_desktop.png", full_page=True)
            store = load_scores(out)
            assert {s: e[QUESTION]["score"] for s, e in store.items() if QUESTION in e} == expected
        finally:
            one_ctx.close()
            two_ctx.close()

        # a student of the identical pair asks for a regrade, ta-two answers with a new score
        me_id = members[0][0]
        me_ctx = browser.new_context(viewport=DESKTOP)
        me = me_ctx.new_page()
        me.goto(url)
        me.fill("#student_id", me_id)
        me.fill("#code", codes[me_id])
        me.click("button.mine")
        me.wait_for_url(f"{url}/me")
        card = me.locator("section.question", has_text=QUESTION)
        assert "۱٫۵ از ۳" in card.inner_text()
        assert card.locator("blockquote").get_attribute("dir") == "rtl"
        card.locator("summary").click()
        card.locator("textarea[name=message]").fill("من حالت واریانس صفر را هم توضیح داده‌ام؛ لطفاً دوباره نگاه کنید.")
        with me.expect_navigation():
            card.locator("button[type=submit]").click()
        assert "Your regrade request was filed" in me.inner_text(".alert.note")

        ta_ctx, ta = sign_in(browser, url, codes["ta-two"])
        ta.click("a[href='/staff/regrades']")
        assert "1 open" in ta.inner_text("h2")
        assert me_id in ta.inner_text("main") and QUESTION in ta.inner_text("main")
        ta.screenshot(path=SHOTS / "regrades_desktop.png", full_page=True)
        form = ta.locator("form.reply").nth(0)
        form.locator("textarea[name=reply]").fill("درست است، واریانس صفر را گفته‌اید. Right: the zero-variance case is there.")
        form.locator("input[name=score]").fill("۲٫۵")
        with ta.expect_navigation():
            form.locator("button[type=submit]").click()
        assert "0 open" in ta.inner_text("h2")
        entry = load_scores(out)[me_id][QUESTION]
        assert (entry["score"], entry["by"]) == (2.5, "ta-two")
        ta_ctx.close()

        me.reload()
        text = me.locator("section.question", has_text=QUESTION).inner_text()
        assert "Right: the zero-variance case is there." in text and "۲٫۵ از ۳" in text
        me.screenshot(path=SHOTS / "student_answered_desktop.png", full_page=True)
        me_ctx.close()

        # every page on a phone: none scrolls sideways; the staff pages also at 1280 px
        for size, viewport in (("phone", PHONE), ("desktop", DESKTOP)):
            context, page = sign_in(browser, url, codes["ta-one"], viewport)
            for path in ("/staff", "/staff/grade", f"/staff/grade/{QUESTION}", f"/staff/grade/{QUESTION}?anon=1",
                         "/staff/grade/q2", "/staff/regrades"):
                assert page.goto(url + path).ok, path  # was a 500 once a group held a regrade's score
                if size == "phone":
                    fits_a_phone(page)
                if path == f"/staff/grade/{QUESTION}":  # the regrade's score, given without items
                    mine = page.locator("ul.members li", has_text=me_id).inner_text()
                    assert "۲٫۵ از ۳" in mine and "ta-two" in mine
                    group = page.locator("section.group", has_text=me_id)  # its other answer keeps ta-one's 1.5
                    assert "saving gives every ticked answer one grade" in group.inner_text()
                    assert group.locator("input[name=item]:checked").count() == 0
                    assert group.locator("input[name=comment]").input_value() == ""
                name = path.strip("/").replace("/", "_").replace("?anon=1", "_anonymous")
                page.screenshot(path=SHOTS / f"{name}_{size}.png", full_page=True)
            context.close()
        phone_ctx = browser.new_context(viewport=PHONE)
        phone = phone_ctx.new_page()
        phone.goto(url)
        fits_a_phone(phone)
        phone.fill("#student_id", me_id)
        phone.fill("#code", codes[me_id])
        phone.click("button.mine")
        phone.wait_for_url(f"{url}/me")
        fits_a_phone(phone)
        phone.screenshot(path=SHOTS / "student_answered_phone.png", full_page=True)
        phone_ctx.close()
