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
