"""The login and consent page in headless Chromium (Debian's /usr/bin/chromium, driven by
Playwright), against a real `amity serve`: log in, allow, and come back with code and state;
deny; a wrong password."""

from __future__ import annotations

import base64
import hashlib
import secrets
from collections.abc import Iterator
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urlencode, urlsplit

import httpx
import pytest

from amity.core.services import Services
from tests.e2e.test_serve import Server, amity

CHROMIUM = Path("/usr/bin/chromium")
REDIRECT = "http://127.0.0.1:9/callback"  # answered by the browser's request interception
PASSWORD = "browser-password"

pytestmark = pytest.mark.skipif(
    not CHROMIUM.exists(),
    reason="headless browser tests need Debian's chromium at /usr/bin/chromium "
    "(apt-get install chromium); .ci/run installs it",
)


@pytest.fixture
def env(tmp_path: Path, database_url: str, services: Services) -> dict[str, str]:
    import os

    services.close()
    env = dict(
        os.environ,
        AMITY_DATABASE_URL=database_url,
        AMITY_LOG_LEVEL="WARNING",
        AMITY_RATE_LIMIT="",
        AMITY_RATE_LIMIT_ANONYMOUS="",
        AMITY_RATE_LIMIT_FAILED_AUTH="",
        AMITY_RATE_LIMIT_TOKEN_ENDPOINT="",
    )
    amity("init", "--admin-password", PASSWORD, env=env, cwd=tmp_path)
    return env


@pytest.fixture
def server(env: dict[str, str], tmp_path: Path) -> Iterator[Server]:
    srv = Server(env, tmp_path)
    srv.start()
    yield srv
    srv.stop()


@pytest.fixture
def client_id(env: dict[str, str], tmp_path: Path, server: Server) -> str:
    out = amity(
        "client",
        "add",
        "Browser app",
        "--public",
        "--redirect-uri",
        REDIRECT,
        env=env,
        cwd=tmp_path,
    ).stdout
    return out.split("client_id: ", 1)[1].split()[0]


@pytest.fixture
def page() -> Iterator[Any]:
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=str(CHROMIUM), headless=True)
        try:
            tab = browser.new_page()
            tab.route(
                "http://127.0.0.1:9/**",
                lambda route: route.fulfill(
                    status=200, body="back at the app", content_type="text/plain"
                ),
            )
            yield tab
        finally:
            browser.close()


def authorization_url(server: Server, client_id: str, state: str) -> tuple[str, str]:
    verifier = secrets.token_urlsafe(48)
    challenge = base64.urlsafe_b64encode(hashlib.sha256(verifier.encode()).digest())
    query = {
        "response_type": "code",
        "client_id": client_id,
        "redirect_uri": REDIRECT,
        "scope": "read write",
        "state": state,
        "code_challenge": challenge.rstrip(b"=").decode(),
        "code_challenge_method": "S256",
    }
    return f"{server.base}/auth/user/authorize?{urlencode(query)}", verifier


def returned(page: Any) -> dict[str, str]:
    page.wait_for_url("http://127.0.0.1:9/**")
    return {k: v[0] for k, v in parse_qs(urlsplit(page.url).query).items()}


def test_consent_page_in_a_browser(
    page: Any, server: Server, client_id: str, tmp_path: Path
) -> None:
    """One server for all steps (a server start costs seconds): a wrong password keeps the
    form, the right one comes back with code and state, Deny comes back with an error."""
    address, verifier = authorization_url(server, client_id, "st&ate")
    page.goto(address)
    assert page.locator("#client-name").inner_text() == "Browser app"
    assert "write" in page.locator("#scopes").inner_text()
    page.fill("#login", "admin")
    page.fill("#password", "not the password")
    page.click("#allow")
    assert page.get_by_role("alert").inner_text() == "Wrong login or password"
    assert page.url.startswith(server.base)
    page.screenshot(path=str(tmp_path / "consent.png"))

    page.fill("#password", PASSWORD)
    page.click("#allow")
    query = returned(page)
    assert query["state"] == "st&ate"
    token = httpx.post(
        f"{server.base}/auth/user/access_token",
        json={
            "grant_type": "authorization_code",
            "code": query["code"],
            "client_id": client_id,
            "redirect_uri": REDIRECT,
            "code_verifier": verifier,
        },
    )
    assert token.status_code == 200, token.text
    me = httpx.get(
        f"{server.base}/me", headers={"Authorization": f"Bearer {token.json()['access_token']}"}
    )
    assert me.status_code == 200 and me.json()["user_name"] == "admin"

    page.goto(authorization_url(server, client_id, "s1")[0])
    page.click("#deny")
    query = returned(page)
    assert query["error"] == "access_denied" and query["state"] == "s1"
    assert "code" not in query
