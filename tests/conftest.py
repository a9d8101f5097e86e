"""Fixtures that read like the app's life: settings -> services (db) -> app -> client -> user.

Each test gets a database of its own, already migrated: a copy of one migrated template
per test session (a SQLite file copy by default; with AMITY_TEST_DATABASE_URL set to a
PostgreSQL server URL, a database on that server in the template's state, see
tests/pg_databases.py).

In-process tests hash passwords with cheap argon2 parameters (the production defaults
cost ~0.1 s of CPU per hash); servers started as subprocesses keep the defaults.
"""

from __future__ import annotations

import asyncio
import dataclasses
import os
import shutil
import sqlite3
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx
import pytest
from argon2 import PasswordHasher

from amity.app import create_app
from amity.cli import init_admin
from amity.config import Settings
from amity.core.actor import Actor
from amity.core.auth import passwords
from amity.core.services import Services, build_services
from amity.store.engine import fresh_postgresql_database
from amity.store.migrate import migrate
from tests.contract import check_response
from tests.pg_databases import TemplateCopies
from tests.s3_server import s3_server as s3_server  # a fixture: moto's S3 over HTTP
from tests.webhook_receiver import receiver as receiver  # a fixture: a webhook receiver

PG_URL = os.environ.get("AMITY_TEST_DATABASE_URL", "")
ADMIN_PASSWORD = "admin-secret-pw"
# tests make many requests with one token; tests/api/test_ratelimit.py turns limits on
NO_RATE_LIMITS: dict[str, Any] = {
    "rate_limit": "",
    "rate_limit_anonymous": "",
    "rate_limit_failed_auth": "",
    "rate_limit_token_endpoint": "",
}


# argon2id with the smallest cost argon2-cffi allows: still real argon2 hashes and checks
passwords._hasher = PasswordHasher(time_cost=1, memory_cost=8, parallelism=1)


class SqliteTemplate:
    """A migrated SQLite file, copied for each test."""

    def __init__(self, path: Path) -> None:
        self.path = path

    @contextmanager
    def database(self, directory: Path | None = None) -> Iterator[str]:
        """The URL of a new copy, amity.db in `directory`."""
        assert directory is not None
        shutil.copyfile(self.path, directory / "amity.db")
        yield f"sqlite:///{directory / 'amity.db'}"


@pytest.fixture(scope="session")
def template(
    tmp_path_factory: pytest.TempPathFactory, jwt_key_file: str
) -> Iterator[SqliteTemplate | TemplateCopies]:
    """A database migrated once per test session, which every test's database copies."""
    if PG_URL:
        with fresh_postgresql_database(PG_URL, "amity_test") as url:
            migrate_once(url, jwt_key_file)
            copies = TemplateCopies(url)
            try:
                yield copies
            finally:
                copies.close()
        return
    path = tmp_path_factory.mktemp("template") / "amity.db"
    migrate_once(f"sqlite:///{path}", jwt_key_file)
    with sqlite3.connect(path) as conn:  # everything into the main file, which is copied
        conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    conn.close()
    yield SqliteTemplate(path)


def migrate_once(url: str, jwt_key_file: str) -> None:
    svc = build_services(Settings(database_url=url, log_level="WARNING", jwt_key_file=jwt_key_file))
    try:
        migrate(svc.db)
    finally:
        svc.close()


@pytest.fixture
def database_url(tmp_path: Path, template: SqliteTemplate | TemplateCopies) -> Iterator[str]:
    """This test's own database, as `migrate` leaves a new database."""
    with template.database(tmp_path) as url:
        yield url


@pytest.fixture(scope="session")
def jwt_key_file(tmp_path_factory: pytest.TempPathFactory) -> str:
    """One OAuth signing key per test session (an RSA key costs time to make)."""
    return str(tmp_path_factory.mktemp("jwt") / "amity-jwt-key.pem")


@pytest.fixture
def settings(database_url: str, jwt_key_file: str) -> Settings:
    return settings_for(database_url, jwt_key_file)


def settings_for(database_url: str, jwt_key_file: str) -> Settings:
    """The settings of in-process tests: quiet, the session's signing key, no rate limits,
    files beside the test's SQLite database (or, on PostgreSQL, in a directory of its own)."""
    files_dir = "" if database_url.startswith("sqlite") else tempfile.mkdtemp(prefix="amity-files-")
    return Settings(
        database_url=database_url,
        log_level="WARNING",
        jwt_key_file=jwt_key_file,
        files_dir=files_dir,
        **NO_RATE_LIMITS,
    )


def loopback_webhook_settings(database_url: str, jwt_key_file: str) -> Settings:
    """settings_for, with webhooks allowed to reach a receiver on this machine."""
    return dataclasses.replace(
        settings_for(database_url, jwt_key_file), webhook_allow_networks="127.0.0.0/8"
    )


@pytest.fixture
def services(settings: Settings) -> Iterator[Services]:
    svc = build_services(settings)
    yield svc
    svc.close()


@dataclass
class User:
    id: str
    user_name: str
    password: str
    token: str
    actor: Actor


@pytest.fixture
def admin(services: Services) -> User:
    return make_admin(services)


def make_admin(services: Services) -> User:
    """The admin user with a personal access token."""
    init_admin(services, "admin", ADMIN_PASSWORD)
    row = services.auth.user_by_name("admin")
    _, token = services.auth.create_token("admin", "tests")
    return User(
        row["id"],
        "admin",
        ADMIN_PASSWORD,
        token,
        Actor(user_id=row["id"], user_name="admin", is_admin=True),
    )


@pytest.fixture
def app(settings: Settings, services: Services) -> Any:
    return create_app(settings, services)


class ApiClient:
    """A synchronous httpx-style client driving the ASGI app in-process (ASGITransport)."""

    app: Any = None  # when set, every answer is checked against the app's OpenAPI document

    def __init__(
        self,
        app: Any,
        headers: dict[str, str] | None = None,
        base_url: str = "http://testserver/api.php",
    ) -> None:
        self.app = app
        self._runner = asyncio.Runner()
        self._client = httpx.AsyncClient(
            transport=httpx.ASGITransport(app=app), base_url=base_url, headers=headers or {}
        )

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


def raw_get(
    app: Any, path: str, query: bytes, headers: tuple[tuple[bytes, bytes], ...] = ()
) -> tuple[int, bytes]:
    """GET through the ASGI app with the query string's bytes exactly as given (httpx
    would percent-encode them); the status and the body."""
    scope = {
        "type": "http",
        "asgi": {"version": "3.0"},
        "http_version": "1.1",
        "method": "GET",
        "scheme": "http",
        "path": path,
        "raw_path": path.encode(),
        "root_path": "",
        "query_string": query,
        "server": ("testserver", 80),
        "client": ("127.0.0.1", 1234),
        "headers": [(b"host", b"testserver"), *headers],
    }
    sent: list[dict[str, Any]] = []

    async def receive() -> dict[str, Any]:
        return {"type": "http.request", "body": b"", "more_body": False}

    async def send(message: dict[str, Any]) -> None:
        sent.append(message)

    asyncio.run(app(scope, receive, send))
    status = next(m["status"] for m in sent if m["type"] == "http.response.start")
    return status, b"".join(m.get("body", b"") for m in sent if m["type"] == "http.response.body")


def pytest_runtest_setup(item: pytest.Item) -> None:
    """Close the shared browser before a test that does not use it (tests/browser.py)."""
    from tests.browser import BROWSER_FIXTURE, SHARED

    if BROWSER_FIXTURE not in getattr(item, "fixturenames", ()):
        SHARED.close()


def pytest_sessionfinish(session: pytest.Session) -> None:
    from tests.browser import SHARED

    SHARED.close()


def pytest_terminal_summary(terminalreporter: Any) -> None:
    """Say plainly when the browser tests (the dashboard's, the OAuth page's) did not run."""
    from tests.browser import SKIP_REASON

    skipped = [
        report
        for report in terminalreporter.stats.get("skipped", [])
        if isinstance(report.longrepr, tuple) and "chromium" in str(report.longrepr[2]).lower()
    ]
    if skipped:
        terminalreporter.write_sep("=", "browser tests skipped", yellow=True)
        terminalreporter.write_line(f"{len(skipped)} browser tests did not run: {SKIP_REASON}")
