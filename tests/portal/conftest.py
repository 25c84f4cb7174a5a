"""Headless Chromium, once per browser-test module (skipped where playwright is not installed)."""
from __future__ import annotations

from collections.abc import Iterator

import pytest

from tests.support.browser import ARGS, CHROMIUM


@pytest.fixture(scope="module")
def browser() -> Iterator[object]:
    sync_api = pytest.importorskip("playwright.sync_api")
    with sync_api.sync_playwright() as p:
        b = p.chromium.launch(executable_path=str(CHROMIUM), args=ARGS)
        yield b
        b.close()
