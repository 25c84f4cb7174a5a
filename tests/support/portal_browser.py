"""The portal in headless Chromium: uvicorn on a free port in a thread, a staff sign-in, a rubric
item added and a group saved with Enter. Import it after
`pytest.importorskip("uvicorn")`; the `browser` fixture is in tests/portal/conftest.py."""
from __future__ import annotations

import socket
import threading
from pathlib import Path

import uvicorn

from grader.apps.portal.app import create_app

DESKTOP, PHONE = {"width": 1280, "height": 900}, {"width": 375, "height": 740}


class Server:
    """uvicorn in a thread on a socket bound to a free port; stopped on exit."""

    def __init__(self, out: Path) -> None:
        self.sock = socket.socket()
        self.sock.bind(("127.0.0.1", 0))
        self.srv = uvicorn.Server(uvicorn.Config(create_app(out), log_level="warning", lifespan="off"))
        self.thread = threading.Thread(target=self.srv.run, kwargs={"sockets": [self.sock]}, daemon=True)
        self.url = f"http://127.0.0.1:{self.sock.getsockname()[1]}"

    def __enter__(self) -> Server:
        self.thread.start()
        for _ in range(200):
            if self.srv.started:
                return self
            self.thread.join(0.05)
        raise AssertionError("uvicorn did not start")

    def __exit__(self, *_: object) -> None:
        self.srv.should_exit = True
        self.thread.join(10)
        self.sock.close()


def sign_in(browser, url: str, code: str, viewport=DESKTOP):  # type: ignore[no-untyped-def]
    context = browser.new_context(viewport=viewport)
    page = context.new_page()
    page.goto(url)
    page.fill("#staff_code", code)
    page.click("form[action='/staff/login'] button")
    page.wait_for_url(f"{url}/staff")
    return context, page


def add_item(page, fa: str, en: str, points: str) -> None:  # type: ignore[no-untyped-def]
    form = page.locator("form.item.new")
    form.locator("input[name=points]").fill(points)
    form.locator("input[name=fa]").fill(fa)
    form.locator("input[name=en]").fill(en)
    with page.expect_navigation():
        form.locator("button").click()


def save_with_enter(page) -> None:  # type: ignore[no-untyped-def]
    with page.expect_navigation():
        page.keyboard.press("Enter")
