"""The portal end to end in headless Chromium: a real uvicorn server, a student and the staff.

Screenshots go to /tmp/portal_shots/ for a person to look at (RTL layout, Persian shaping).
"""
from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.support.browser import CHROMIUM

if not CHROMIUM.exists():
    pytest.skip("no /usr/bin/chromium", allow_module_level=True)
pytest.importorskip("playwright.sync_api")
pytest.importorskip("uvicorn")

from tests.support.portal import cli, make_out, read_codes  # noqa: E402
from tests.support.portal_browser import Server  # noqa: E402

pytestmark = [pytest.mark.browser, pytest.mark.slow]

SHOTS = Path("/tmp/portal_shots")


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[str, Path, dict[str, str]]]:
    """uvicorn in a thread on a socket bound to a free port (no race for the port); stopped after."""
    out = make_out(tmp_path_factory.mktemp("browser"))
    codes_csv = out.parent / "codes.csv"
    assert cli("tokens", str(out), "--csv", str(codes_csv)) == 0
    with Server(out) as server:
        yield server.url, out, read_codes(codes_csv.read_text(encoding="utf-8-sig"))


def test_student_and_staff_in_a_browser(server, browser) -> None:  # type: ignore[no-untyped-def]
    url, out, codes = server
    SHOTS.mkdir(exist_ok=True)
    page = browser.new_page(viewport={"width": 1000, "height": 800}, accept_downloads=True)
    try:
        page.goto(url)
        assert page.evaluate("getComputedStyle(document.body).direction") == "rtl"
        page.screenshot(path=SHOTS / "login.png", full_page=True)

        page.fill("#student_id", "s101")
        page.fill("#code", codes["s202"])
        page.click("form[action='/download'] button.download")
        alert = page.locator(".alert")
        alert.wait_for()
        assert "شماره دانشجویی یا کد دسترسی درست نیست" in alert.inner_text()
        assert "The student ID or access code is not correct." in alert.inner_text()
        page.screenshot(path=SHOTS / "wrong_code.png", full_page=True)

        page.fill("#student_id", "s101")
        page.fill("#code", codes["s101"])
        with page.expect_download() as info:
            page.click("form[action='/download'] button.download")
        download = info.value
        assert download.suggested_filename == "s101.pdf"
        data = Path(download.path()).read_bytes()
        assert data.startswith(b"%PDF") and data == (out / "s101.pdf").read_bytes()

        page.goto(url)
        page.fill("#staff_code", codes["(staff)"])
        page.click("form[action='/staff/login'] button")
        page.wait_for_url(f"{url}/staff")
        rows = page.locator("table.class tbody tr")
        assert rows.count() == 2
        assert "سارا کاظمی" in rows.nth(0).inner_text() and "Omid Farhadi" in rows.nth(1).inner_text()
        page.screenshot(path=SHOTS / "staff.png", full_page=True)
        with page.expect_download() as info:
            page.click("a[href='/staff/summary.pdf']")
        assert Path(info.value.path()).read_bytes() == (out / "summary.pdf").read_bytes()

        page.click("nav.toolbar form[action='/staff/logout'] button")
        page.wait_for_url(f"{url}/")
        page.goto(f"{url}/staff")
        assert "Sign in with the staff code to see this page." in page.locator(".alert").inner_text()
        assert page.locator("table.class").count() == 0
    finally:
        page.close()
