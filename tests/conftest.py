"""Fixtures that read like the app's life: settings -> services (db) -> app -> client -> user.

Tests run on a SQLite file per test by default. With AMITY_TEST_DATABASE_URL set to a
PostgreSQL server URL, a fresh database is created for the session and emptied between
tests.
"""

from __future__ import annotations

import asyncio
import os
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx
import pytest
import sqlalchemy as sa

from amity.app import create_app
from amity.cli import init_admin
from amity.config import Settings
from amity.core.actor import Actor
from amity.core.services import Services, build_services
from amity.store.engine import fresh_postgresql_database
from amity.store.migrate import migrate
from tests.contract import check_response

PG_URL = os.environ.get("AMITY_TEST_DATABASE_URL", "")
ADMIN_PASSWORD = "admin-secret-pw"
# tests make many requests with one token; tests/api/test_ratelimit.py turns limits on
NO_RATE_LIMITS: dict[str, Any] = {"rate_limit": "", "rate_limit_anonymous": "",
                                  "rate_limit_failed_auth": "", "rate_limit_token_endpoint": ""}


@pytest.fixture(scope="session")
def pg_database() -> Iterator[str | None]:
    """A fresh PostgreSQL database for this test session (None when testing SQLite)."""
    if not PG_URL:
        yield None
        return
    with fresh_postgresql_database(PG_URL, "amity_test") as url:
        yield url


@pytest.fixture
def database_url(tmp_path: Path, pg_database: str | None) -> str:
    return pg_database or f"sqlite:///{tmp_path / 'amity.db'}"


@pytest.fixture(scope="session")
def jwt_key_file(tmp_path_factory: pytest.TempPathFactory) -> str:
    """One OAuth signing key per test session (an RSA key costs time to make)."""
    return str(tmp_path_factory.mktemp("jwt") / "amity-jwt-key.pem")


@pytest.fixture
def settings(database_url: str, jwt_key_file: str) -> Settings:
    return Settings(database_url=database_url, log_level="WARNING", jwt_key_file=jwt_key_file,
                    **NO_RATE_LIMITS)


@pytest.fixture
def services(settings: Settings) -> Iterator[Services]:
    svc = build_services(settings)
    if svc.db.dialect == "postgresql":
        empty_database(svc)
    migrate(svc.db)
    yield svc
    svc.close()


def empty_database(svc: Services) -> None:
    """Drop every table so each test starts from a clean schema."""
    with svc.db.engine.begin() as conn:
        names = sa.inspect(conn).get_table_names()
        if names:
            conn.exec_driver_sql("DROP TABLE " + ", ".join(f'"{n}"' for n in names) + " CASCADE")


@dataclass
class User:
    id: str
    user_name: str
    password: str
    token: str
    actor: Actor


@pytest.fixture
def admin(services: Services) -> User:
    init_admin(services, "admin", ADMIN_PASSWORD)
    row = services.auth.user_by_name("admin")
    _, token = services.auth.create_token("admin", "tests")
    return User(row["id"], "admin", ADMIN_PASSWORD, token,
                Actor(user_id=row["id"], user_name="admin", is_admin=True))


@pytest.fixture
def app(settings: Settings, services: Services) -> Any:
    return create_app(settings, services)


class ApiClient:
    """A synchronous httpx-style client driving the ASGI app in-process (ASGITransport)."""

    app: Any = None  # when set, every answer is checked against the app's OpenAPI document

    def __init__(self, app: Any, headers: dict[str, str] | None = None,
                 base_url: str = "http://testserver/api.php") -> None:
        self.app = app
        self._runner = asyncio.Runner()
        self._client = httpx.AsyncClient(transport=httpx.ASGITransport(app=app),
                                         base_url=base_url, headers=headers or {})

    def request(self, method: str, url: str, **kw: Any) -> httpx.Response:
        response = self._runner.run(self._client.request(method, url, **kw))
        if self.app is not None:
            check_response(self.app, response)
        return response

    def get(self, url: str, **kw: Any) -> httpx.Response:
        return self.request("GET", url, **kw)

    def post(self, url: str, **kw: Any) -> httpx.Response:
        return self.request("POST", url, **kw)

    def patch(self, url: str, **kw: Any) -> httpx.Response:
        return self.request("PATCH", url, **kw)

    def put(self, url: str, **kw: Any) -> httpx.Response:
        return self.request("PUT", url, **kw)

    def delete(self, url: str, **kw: Any) -> httpx.Response:
        return self.request("DELETE", url, **kw)

    def close(self) -> None:
        self._runner.run(self._client.aclose())
        self._runner.close()


@pytest.fixture
def anon(app: Any) -> Iterator[ApiClient]:
    """A client without credentials; paths are relative to /api.php."""
    client = ApiClient(app)
    yield client
    client.close()


@pytest.fixture
def api(app: Any, admin: User) -> Iterator[ApiClient]:
    """A client authenticated as the admin with a personal access token."""
    client = ApiClient(app, {"Authorization": f"Bearer {admin.token}"})
    yield client
    client.close()
