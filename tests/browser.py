"""Headless Chromium for tests of web pages: Debian's /usr/bin/chromium driven by Playwright
(never a downloaded browser). Without it the browser tests skip and say why."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

CHROMIUM = Path("/usr/bin/chromium")
SKIP_REASON = (
    "browser tests need Debian's Chromium at /usr/bin/chromium "
    "(apt-get install chromium); .ci/run installs it"
)


class SharedChromium:
    """One headless Chromium kept open across consecutive browser tests (a launch costs
    seconds). Playwright's sync API keeps an event loop running in the test thread while
    it is open, and the in-process tests run event loops of their own there: so it is
    closed before any test that does not use it (tests/conftest.py) and opened again by
    the next browser test."""

    def __init__(self) -> None:
        self._playwright: Any = None
        self._browser: Any = None

    def get(self) -> Any:
        if not CHROMIUM.exists():
            pytest.skip(SKIP_REASON)
        if self._browser is None:
            from playwright.sync_api import sync_playwright

            self._playwright = sync_playwright().start()
            self._browser = self._playwright.chromium.launch(
                executable_path=str(CHROMIUM), headless=True, args=["--no-sandbox"]
            )
        return self._browser

    def close(self) -> None:
        if self._browser is not None:
            try:
                self._browser.close()
            finally:
                self._browser = None
                self._playwright.stop()
                self._playwright = None


SHARED = SharedChromium()
BROWSER_FIXTURE = "chromium"  # tests that use it keep the shared browser open


@pytest.fixture
def chromium() -> Any:
    """The shared headless Chromium; every test makes its own context of it."""
    return SHARED.get()


@pytest.fixture
def browser_page() -> Iterator[Any]:
    """A fresh page in headless Chromium."""
    if not CHROMIUM.exists():
        pytest.skip(SKIP_REASON)
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(
            executable_path=str(CHROMIUM), headless=True, args=["--no-sandbox"]
        )
        try:
            yield browser.new_page()
        finally:
            browser.close()
