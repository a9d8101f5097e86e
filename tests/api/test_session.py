"""Cookie sessions (AMITY_SESSION_AUTH): sign in, CSRF on cookie-authenticated changes only."""

from __future__ import annotations

import time
from typing import Any

import pytest

from amity.app import create_app
from amity.config import Settings
from amity.core.services import Services, build_services
from tests.conftest import NO_RATE_LIMITS, ApiClient, User

EVIL = {"Origin": "https://evil.example", "Referer": "https://evil.example/page"}


@pytest.fixture
def settings(database_url: str) -> Settings:
    return Settings(
        database_url=database_url, log_level="WARNING", session_auth=True, **NO_RATE_LIMITS
    )


@pytest.fixture
def browser(anon: ApiClient) -> ApiClient:
    """A client that keeps cookies (httpx does), like a browser page of the CRM."""
    return anon


def sign_in(client: ApiClient, admin: User) -> str:
    resp = client.post("/session", json={"user_name": "admin", "password": admin.password})
    assert resp.status_code == 200, resp.text
    body = resp.json()
    assert body["user"]["user_name"] == "admin" and body["expires_in"] > 0
    assert body["csrf_header"] == "X-CSRF-Token"
    return str(body["csrf_token"])


def account_names(api: ApiClient) -> list[str]:
    resp = api.get("/data/Account", params={"fields[]": "name", "limit": 200})
    return [r["name"] for r in resp.json()["records"]]


def test_cookie_is_http_only_and_same_site(browser: ApiClient, admin: User) -> None:
    resp = browser.post("/session", json={"user_name": "admin", "password": admin.password})
    cookie = resp.headers["set-cookie"].lower()
    assert cookie.startswith("amity_session=")
    assert "httponly" in cookie and "samesite=lax" in cookie
    assert admin.token not in resp.text  # the answer carries no long-lived credential


def test_session_authenticates_reads(browser: ApiClient, admin: User) -> None:
    assert browser.get("/me").status_code == 401
    sign_in(browser, admin)
    me = browser.get("/me")
    assert me.status_code == 200 and me.json()["id"] == admin.id
    info = browser.get("/session").json()
    assert info["user"]["id"] == admin.id and info["expires_in"] > 0


def test_form_sign_in(browser: ApiClient, admin: User) -> None:
    resp = browser.post("/session", data={"user_name": "admin", "password": admin.password})
    assert resp.status_code == 200
    assert browser.get("/me").json()["id"] == admin.id


def test_cookie_change_needs_the_csrf_token(
    browser: ApiClient, api: ApiClient, admin: User
) -> None:
    csrf = sign_in(browser, admin)
    refused = browser.post("/data/Account", json={"data": {"name": "Forged"}})
    assert refused.status_code == 403 and refused.json()["error"] == "csrf_failed"
    assert set(refused.json()) == {"error", "message", "hint"}
    wrong = browser.post(
        "/data/Account", json={"data": {"name": "Forged"}}, headers={"X-CSRF-Token": "0" * 64}
    )
    assert wrong.status_code == 403
    assert "Forged" not in account_names(api)
    made = browser.post(
        "/data/Account", json={"data": {"name": "Real"}}, headers={"X-CSRF-Token": csrf}
    )
    assert made.status_code == 200, made.text
    record_id = made.json()["id"]
    # X-HTTP-Method-Override does not get around it
    override = browser.post(
        f"/data/Account/{record_id}",
        json={"data": {"name": "X"}},
        headers={"X-HTTP-Method-Override": "PATCH"},
    )
    assert override.status_code == 403
    assert browser.delete(f"/data/Account/{record_id}").status_code == 403
    assert (
        browser.delete(f"/data/Account/{record_id}", headers={"X-CSRF-Token": csrf}).status_code
        == 200
    )


def test_origin_and_referer_never_break_bearer_or_basic(
    app: Any, admin: User, browser: ApiClient
) -> None:
    """The App CRM seed's 'CSRF token mismatch' trap: a bearer or basic call from any
    origin, even one that also carries a session cookie, needs no CSRF token."""
    sign_in(browser, admin)  # the cookie jar now holds a session
    bearer = browser.post(
        "/data/Account",
        json={"data": {"name": "Via token"}},
        headers={**EVIL, "Authorization": f"Bearer {admin.token}"},
    )
    assert bearer.status_code == 200, bearer.text
    basic = browser.post(
        "/data/Account",
        json={"data": {"name": "Via basic"}},
        auth=("admin", admin.password),
        headers=EVIL,
    )
    assert basic.status_code == 200, basic.text


def test_sign_out_ends_the_session(browser: ApiClient, api: ApiClient, admin: User) -> None:
    csrf = sign_in(browser, admin)
    assert browser.delete("/session").status_code == 403  # signing out is a change too
    secret = browser._client.cookies["amity_session"]
    out = browser.delete("/session", headers={"X-CSRF-Token": csrf})
    assert out.status_code == 200 and out.json() == {"signed_out": True}
    stolen = api.get("/me", headers={"Authorization": "", "Cookie": f"amity_session={secret}"})
    assert stolen.status_code == 401
    assert browser.get("/me").status_code == 401


@pytest.mark.parametrize(
    "body",
    [
        {"user_name": "admin", "password": "wrong"},
        {"user_name": "nobody", "password": "x"},
    ],
)
def test_wrong_credentials_are_401(browser: ApiClient, admin: User, body: dict[str, str]) -> None:
    resp = browser.post("/session", json=body)
    assert resp.status_code == 401 and "set-cookie" not in resp.headers


@pytest.mark.parametrize(
    "body",
    [
        {},
        {"user_name": "admin"},
        {"user_name": 5, "password": "x"},
        {"user_name": "admin", "password": "a\x00b"},
    ],
)
def test_malformed_sign_in_is_400(browser: ApiClient, admin: User, body: Any) -> None:
    resp = browser.post("/session", json=body)
    assert resp.status_code == 400 and set(resp.json()) == {"error", "message", "hint"}


def test_sign_in_needs_json_or_form(browser: ApiClient, admin: User) -> None:
    resp = browser.post(
        "/session", content=b"user_name=admin", headers={"Content-Type": "text/plain"}
    )
    assert resp.status_code == 415


def test_a_forged_cookie_is_401(browser: ApiClient, admin: User) -> None:
    resp = browser.get("/me", headers={"Cookie": "amity_session=amity_ses_forged"})
    assert resp.status_code == 401


def test_session_expires(database_url: str, admin: User, services: Services) -> None:
    settings = Settings(
        database_url=database_url,
        log_level="WARNING",
        session_auth=True,
        session_lifetime_seconds=4,  # room for a slow sign-in on a loaded machine
        auth_cache_seconds=0,
        **NO_RATE_LIMITS,
    )
    with short_lived_client(settings) as client:
        sign_in(client, admin)
        assert client.get("/me").status_code == 200  # lasts 4 s at least, 5 s at most
        time.sleep(5.1)
        assert client.get("/me").status_code == 401


class TestOffByDefault:
    @pytest.fixture
    def settings(self, database_url: str) -> Settings:
        return Settings(database_url=database_url, log_level="WARNING", **NO_RATE_LIMITS)

    def test_sign_in_is_refused(self, browser: ApiClient, admin: User) -> None:
        resp = browser.post("/session", json={"user_name": "admin", "password": admin.password})
        assert resp.status_code == 403 and "AMITY_SESSION_AUTH" in resp.json()["hint"]
        assert "set-cookie" not in resp.headers

    def test_cookies_are_ignored(self, database_url: str, browser: ApiClient, admin: User) -> None:
        on = Settings(
            database_url=database_url, log_level="WARNING", session_auth=True, **NO_RATE_LIMITS
        )
        with short_lived_client(on) as client:
            sign_in(client, admin)
            secret = client._client.cookies["amity_session"]
        resp = browser.get("/me", headers={"Cookie": f"amity_session={secret}"})
        assert resp.status_code == 401


class short_lived_client:
    """An app with other settings on the same database, and a client for it."""

    def __init__(self, settings: Settings) -> None:
        self.services = build_services(settings)
        self.client = ApiClient(create_app(settings, self.services))

    def __enter__(self) -> ApiClient:
        return self.client

    def __exit__(self, *exc: object) -> None:
        self.client.close()
        self.services.close()
