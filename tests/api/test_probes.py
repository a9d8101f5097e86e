"""/healthz and /readyz: answered before every other layer, to any caller; readiness
fails, naming the reason, while the database or Redis does not answer."""

from __future__ import annotations

import dataclasses
import socket
from typing import Any

import pytest
import sqlalchemy as sa

from amity.app import create_app
from amity.config import Settings
from amity.core.services import Services, build_services
from tests.conftest import ApiClient, User


def closed_port() -> int:
    """A local port nothing listens on (bound, then released)."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def redis_running() -> bool:
    try:
        with socket.create_connection(("127.0.0.1", 6379), timeout=0.5):
            return True
    except OSError:
        return False


def probe(app: Any, path: str, **headers: str) -> Any:
    client = ApiClient(app, headers=headers or None)
    try:
        return client.get(path)
    finally:
        client.close()


def test_health_and_readiness_answer_any_caller_and_are_no_api_calls(
    settings: Settings, services: Services, admin: User
) -> None:
    strict = dataclasses.replace(
        settings,
        rate_limit_anonymous="1/minute",
        rate_limit_failed_auth="1/minute",
        api_allow="10.9.9.9",  # the API refuses this test's address; the probes do not
    )
    app = create_app(strict, services)
    for headers in (
        {},
        {"Authorization": "Bearer not-a-token"},
        {"Authorization": f"Bearer {admin.token}"},
    ):
        for _ in range(3):  # past the anonymous and failed-login limits
            health = probe(app, "http://testserver/healthz", **headers)
            assert (health.status_code, health.json()) == (200, {"status": "ok"})
            ready = probe(app, "http://testserver/readyz", **headers)
            assert ready.status_code == 200
            assert ready.json() == {
                "status": "ready",
                "checks": {"database": "ok", "redis": "not used"},
            }
            assert ready.headers["cache-control"] == "no-store"
    assert (
        probe(
            app, "http://testserver/api.php/me", Authorization=f"Bearer {admin.token}"
        ).status_code
        == 403
    )
    services.api_log.flush()
    calls = services.db.tables.system("api_calls")
    with services.db.read() as conn:
        paths = set(conn.execute(sa.select(calls.c.path)).scalars())
    assert not paths & {"/healthz", "/readyz"}


def test_a_probe_takes_get_only(app: Any) -> None:
    client = ApiClient(app)
    try:
        assert client.post("http://testserver/readyz").status_code == 405
        assert client.request("HEAD", "http://testserver/healthz").status_code == 200
    finally:
        client.close()


def test_readiness_fails_while_the_database_does_not_answer(settings: Settings) -> None:
    down = dataclasses.replace(
        settings, database_url=f"postgresql://postgres@127.0.0.1:{closed_port()}/amity"
    )
    services = build_services(down)
    try:
        app = create_app(down, services)
        assert (
            probe(app, "http://testserver/healthz").status_code == 200
        )  # the process itself is up
        ready = probe(app, "http://testserver/readyz")
        assert ready.status_code == 503
        body = ready.json()
        assert body["status"] == "not ready"
        assert body["checks"]["database"].startswith("error: ")
        assert "refused" in body["checks"]["database"].lower()
        assert body["checks"]["redis"] == "not used"
    finally:
        services.close()


def test_readiness_fails_while_redis_does_not_answer(
    settings: Settings, services: Services
) -> None:
    down = dataclasses.replace(settings, redis_url=f"redis://127.0.0.1:{closed_port()}/0")
    ready = probe(create_app(down, services), "http://testserver/readyz")
    assert ready.status_code == 503
    checks = ready.json()["checks"]
    assert checks["database"] == "ok"
    assert checks["redis"].startswith("error: ")


@pytest.mark.skipif(not redis_running(), reason="needs Redis on 127.0.0.1:6379")
def test_readiness_with_a_running_redis(settings: Settings, services: Services) -> None:
    running = dataclasses.replace(settings, redis_url="redis://127.0.0.1:6379/0")
    ready = probe(create_app(running, services), "http://testserver/readyz")
    assert ready.status_code == 200
    assert ready.json()["checks"] == {"database": "ok", "redis": "ok"}
