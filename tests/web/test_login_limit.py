"""The failed-login limit covers the dashboard's sign-in: wrong passwords from one address
use up its budget, and then even the right one is refused (a 429 page) until it returns."""

from __future__ import annotations

import dataclasses
from collections.abc import Iterator
from typing import Any

import pytest

from amity.config import Settings
from amity.core.services import Services
from tests.conftest import ApiClient, settings_for
from tests.web.test_pages import csrf_of
from tests.web.world import WebWorld, build_web_world

FAILED = 3


@pytest.fixture
def settings(database_url: str, jwt_key_file: str) -> Settings:
    return dataclasses.replace(
        settings_for(database_url, jwt_key_file),
        rate_limit="1000/minute",
        rate_limit_anonymous="1000/minute",
        rate_limit_failed_auth=f"{FAILED}/minute",
    )


@pytest.fixture
def web(services: Services) -> WebWorld:
    return build_web_world(services)


@pytest.fixture
def browser(app: Any) -> Iterator[ApiClient]:
    client = ApiClient(app, base_url="http://testserver")
    yield client
    client.close()


def attempt(client: ApiClient, password: str) -> Any:
    token = csrf_of(client.get("/app/login").text)
    return client.post(
        "/app/login", data={"csrf_token": token, "user_name": "alice", "password": password}
    )


def test_wrong_passwords_lock_the_address_out(browser: ApiClient, web: WebWorld) -> None:
    for _ in range(FAILED):
        assert attempt(browser, "wrong-password").status_code == 401
    refused = browser.post(
        "/app/login",
        data={"csrf_token": "x", "user_name": "alice", "password": web.passwords["alice"]},
    )
    assert refused.status_code == 429
    assert refused.headers["content-type"].startswith("text/html")
    assert "Too many failed authentication attempts" in refused.text
    assert int(refused.headers["Retry-After"]) >= 1


def test_a_signed_in_user_keeps_working_from_a_locked_address(
    browser: ApiClient, web: WebWorld
) -> None:
    assert attempt(browser, web.passwords["alice"]).status_code == 303
    for _ in range(FAILED):
        other = ApiClient(browser.app, base_url="http://testserver")
        assert attempt(other, "wrong-password").status_code == 401
        other.close()
    assert browser.get("/app/Contact").status_code == 200
