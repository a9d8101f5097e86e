"""Vtiger RestfulApi log-in: password (argon2, failed-login limit) or access key (made by
`amity user access-key`), tokens that expire, deactivated users, errors in Vtiger's shape,
and no token or password in any log."""

from __future__ import annotations

import dataclasses
import logging
import os
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import sqlalchemy as sa

from amity.app import create_app
from amity.config import Settings
from amity.core.apilog import CallFilter
from amity.core.services import Services, build_services
from tests.cli_runner import run
from tests.conftest import ApiClient, User

BASE = "/modules/RestfulApi"
FAILED = 3


@pytest.fixture
def vt(app: Any) -> Iterator[ApiClient]:
    client = ApiClient(app, base_url="http://testserver")
    yield client
    client.close()


def login(vt: ApiClient, user: str, password: str) -> Any:
    return vt.get(f"{BASE}/auth/{user}/{password}")


def error_of(answer: Any, status: int) -> dict[str, Any]:
    assert answer.status_code == status, answer.text
    body = answer.json()
    assert body["success"] is False and set(body) == {"success", "error"}
    assert set(body["error"]) == {"code", "message"}
    return dict(body["error"])


def test_wrong_password_and_unknown_user_are_401(vt: ApiClient, admin: User) -> None:
    wrong = error_of(login(vt, "admin", "not-the-password"), 401)
    nobody = error_of(login(vt, "nobody", "whatever"), 401)
    assert wrong == nobody and wrong["code"] == "UNAUTHORIZED"
    by_query = vt.get(
        f"{BASE}/index.php", params={"module": "Auth", "login": "admin", "password": "x"}
    )
    error_of(by_query, 401)


def test_bad_token_and_no_token(vt: ApiClient, admin: User) -> None:
    error_of(vt.get(f"{BASE}/Accounts/{'0' * 32}"), 401)
    error_of(vt.get(f"{BASE}/index.php", params={"module": "Accounts", "token": "f" * 32}), 401)
    error_of(vt.get(f"{BASE}/index.php", params={"module": "Accounts"}), 401)
    # a personal access token is no login token
    error_of(vt.get(f"{BASE}/Accounts/{admin.token}"), 401)


def test_access_key_from_the_command_line(
    database_url: str, services: Services, admin: User, tmp_path: Path
) -> None:
    services.auth.add_user(admin.actor, "sally", "sally-pw-2024")
    env = dict(os.environ, AMITY_DATABASE_URL=database_url, AMITY_LOG_LEVEL="WARNING")
    first = run(["user", "access-key", "sally"], env, tmp_path).stdout.strip()
    second = run(["user", "access-key", "sally"], env, tmp_path).stdout.strip()
    assert first != second and len(second) >= 20 and second.isalnum()
    stored = services.db.tables.system("access_keys")
    with services.db.read() as conn:
        hashes = conn.execute(sa.select(stored.c.key_hash)).scalars().all()
    assert len(hashes) == 1 and second not in hashes  # one key per user, only its hash

    client = ApiClient(create_app(services.settings, services), base_url="http://testserver")
    try:
        token = client.get(f"{BASE}/auth/{second}").json()
        assert token["success"] is True and len(token["result"]) == 32
        by_query = client.get(f"{BASE}/index.php", params={"module": "Auth", "key": second})
        assert by_query.json()["success"] is True
        error_of(client.get(f"{BASE}/auth/{first}"), 401)  # rotated away
        rows = client.get(f"{BASE}/Accounts/{token['result']}")
        assert rows.status_code == 200 and rows.json() == {"success": True, "result": []}
    finally:
        client.close()


def test_deactivated_users_cannot_log_in_and_their_tokens_stop(
    vt: ApiClient, services: Services, admin: User
) -> None:
    user_id = services.auth.add_user(admin.actor, "sally", "sally-pw-2024")
    key = services.access_keys.rotate(user_id)
    token = login(vt, "sally", "sally-pw-2024").json()["result"]
    assert vt.get(f"{BASE}/Accounts/{token}").status_code == 200
    services.auth.set_active(admin.actor, "sally", False)
    error_of(vt.get(f"{BASE}/Accounts/{token}"), 401)
    error_of(login(vt, "sally", "sally-pw-2024"), 401)
    error_of(vt.get(f"{BASE}/auth/{key}"), 401)


class TestExpiry:
    @pytest.fixture
    def settings(self, settings: Settings) -> Settings:
        return dataclasses.replace(settings, vtiger_token_seconds=1)

    def test_an_expired_token_is_401(self, vt: ApiClient, admin: User) -> None:
        token = login(vt, "admin", admin.password).json()["result"]
        assert vt.get(f"{BASE}/Accounts/{token}").status_code == 200
        time.sleep(1.2)
        error_of(vt.get(f"{BASE}/Accounts/{token}"), 401)


class TestFailedLoginLimit:
    @pytest.fixture
    def settings(self, settings: Settings) -> Settings:
        return dataclasses.replace(settings, rate_limit_failed_auth=f"{FAILED}/minute")

    def test_guessing_passwords_is_limited(self, vt: ApiClient, admin: User) -> None:
        for _ in range(FAILED):
            error_of(login(vt, "admin", "guess"), 401)
        # over the limit: even the right password is not checked
        limited = error_of(login(vt, "admin", admin.password), 429)
        assert limited["code"] == "RATE_LIMITED"
        error_of(vt.get(f"{BASE}/index.php", params={"module": "Auth", "key": "guess"}), 429)

    def test_a_valid_token_still_works_from_a_locked_out_address(
        self, vt: ApiClient, admin: User
    ) -> None:
        token = login(vt, "admin", admin.password).json()["result"]
        for _ in range(FAILED):
            error_of(login(vt, "admin", "guess"), 401)
        assert vt.get(f"{BASE}/Accounts/{token}").status_code == 200


def test_no_token_password_or_key_in_the_logs(
    vt: ApiClient, services: Services, admin: User, caplog: pytest.LogCaptureFixture
) -> None:
    key = services.access_keys.rotate(admin.id)
    with caplog.at_level(logging.INFO, logger="amity.requests"):
        token = login(vt, "admin", admin.password).json()["result"]
        vt.get(f"{BASE}/auth/{key}")
        vt.get(f"{BASE}/Accounts/{token}")
        vt.get(f"{BASE}/Accounts/start/0/length/1/{token}")
        vt.post(f"{BASE}/Accounts/{token}", json={"accountname": "Logged"})
        vt.get(f"{BASE}/index.php", params={"module": "Accounts", "token": token})
        vt.get(
            f"{BASE}/index.php",
            params={"module": "Auth", "login": "admin", "password": admin.password},
        )
    services.api_log.flush()
    rows, total = services.api_log.list_calls(admin.actor, CallFilter(), limit=50)
    assert total == 7
    logged = caplog.text + repr(rows)
    for secret in (token, admin.password, key):
        assert secret not in logged
    assert "/modules/RestfulApi/Accounts/<token>" in logged
    assert "/modules/RestfulApi/auth/<login>/<secret>" in logged
    assert {row["credential"] for row in rows} >= {"vtiger"}
    with services.db.read() as conn:  # nor is it stored in clear
        tokens = services.db.tables.system("login_tokens")
        stored = conn.execute(sa.select(tokens.c.token_hash)).scalars().all()
    assert stored and token not in stored


def test_tokens_work_in_another_process(
    services: Services, settings: Settings, admin: User
) -> None:
    token = services.vtiger_tokens.issue(admin.id)
    other = build_services(settings)
    try:
        assert other.vtiger_tokens.user_id(token) == admin.id
    finally:
        other.close()
