"""Dashboard tests: in-process ones through the ASGI app, and browser flows in headless
Chromium (Debian's /usr/bin/chromium driven by Playwright, never a downloaded browser)
against a real `amity serve` shared by the tests of one session.

Each browser flow runs in a fresh browser context (no cookies), fails if any page asks
another host for anything, and saves a screenshot to test-artifacts/screenshots/ (or
$AMITY_TEST_ARTIFACTS/screenshots/)."""

from __future__ import annotations

import os
import re
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import httpx
import pytest

from amity.config import Settings
from amity.core.services import Services, build_services
from tests.browser import CHROMIUM, SKIP_REASON
from tests.browser import chromium as chromium  # a fixture: the shared browser
from tests.conftest import NO_RATE_LIMITS, SqliteTemplate, settings_for
from tests.e2e.test_serve import Server
from tests.pg_databases import TemplateCopies
from tests.web.world import WebWorld, build_web_world

ARTIFACTS = Path(
    os.environ.get("AMITY_TEST_ARTIFACTS", Path(__file__).parents[2] / "test-artifacts")
)


@dataclass
class LiveSite:
    """A running `amity serve` over the web world's database, and services beside it (to
    prepare records and look at what the pages did)."""

    server: Server
    services: Services
    world: WebWorld

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.server.port}"


@pytest.fixture(scope="session")
def live_site(
    tmp_path_factory: pytest.TempPathFactory,
    template: SqliteTemplate | TemplateCopies,
    jwt_key_file: str,
) -> Iterator[LiveSite]:
    if not CHROMIUM.exists():
        pytest.skip(SKIP_REASON)
    directory = tmp_path_factory.mktemp("web-site")
    with template.database(directory) as url:
        settings = settings_for(url, jwt_key_file)
        services = build_services(settings)
        world = build_web_world(services)
        env = dict(
            os.environ,
            AMITY_DATABASE_URL=url,
            AMITY_JWT_KEY_FILE=jwt_key_file,
            AMITY_LOG_LEVEL="WARNING",
            AMITY_FILES_DIR=settings.files_dir,
            AMITY_WEBHOOK_ALLOW_NETWORKS="127.0.0.0/8",
            **{f"AMITY_{k.upper()}": v for k, v in NO_RATE_LIMITS.items()},
        )
        server = Server(env, directory)
        server.start()
        try:
            yield LiveSite(server, services, world)
        finally:
            server.stop()
            services.close()


@pytest.fixture
def page(chromium: Any, live_site: LiveSite, request: pytest.FixtureRequest) -> Iterator[Any]:
    """A fresh page (no cookies) on the live site; other hosts are refused and reported."""
    context = chromium.new_context(base_url=live_site.url, viewport={"width": 1280, "height": 900})
    context.set_default_timeout(10_000)
    foreign: list[str] = []
    own = urlsplit(live_site.url).netloc

    def guard(route: Any) -> None:
        target = urlsplit(route.request.url)
        if target.scheme in ("http", "https") and target.netloc != own:
            foreign.append(route.request.url)
            route.abort()
        else:
            route.continue_()

    context.route("**/*", guard)
    tab = context.new_page()
    try:
        yield tab
    finally:
        shot = ARTIFACTS / "screenshots" / (re.sub(r"[^\w.-]+", "_", request.node.name) + ".png")
        shot.parent.mkdir(parents=True, exist_ok=True)
        try:
            tab.screenshot(path=str(shot), full_page=True)
        finally:
            context.close()
    assert not foreign, f"pages asked other hosts: {foreign}"


def sign_in(page: Any, user_name: str, password: str) -> None:
    """Through the sign-in form; ends on the home page."""
    page.goto("/app/login")
    page.fill("input[name=user_name]", user_name)
    page.fill("input[name=password]", password)
    page.click("#sign-in")
    page.wait_for_url(re.compile(r"/app/?$"))


@pytest.fixture
def admin_page(page: Any, live_site: LiveSite) -> Any:
    sign_in(page, "admin", live_site.world.passwords["admin"])
    return page


def session_cookie(site: LiveSite, user_name: str) -> httpx.Cookies:
    """A signed-in dashboard cookie for plain HTTP requests."""
    session = site.services.sessions.start(user_name, site.world.passwords[user_name])
    jar = httpx.Cookies()
    jar.set("amity_app", session.secret)
    return jar


def settings_of(site: LiveSite) -> Settings:
    return site.services.settings
