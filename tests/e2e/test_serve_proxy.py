"""End to end: behind `amity serve`, only AMITY_TRUSTED_PROXIES decide whose X-Forwarded-For
is believed (uvicorn's own proxy-header handling, which trusts loopback, is off)."""

from __future__ import annotations

from pathlib import Path

import httpx
import pytest

from amity.config import Settings
from amity.core.services import build_services
from tests.e2e.test_serve import Server, server_env, token

__all__ = ["server_env", "token"]  # fixtures used below


def source_of_a_write(env: dict[str, str], cwd: Path, token: str) -> str:
    """Create a contact through a fresh server as if forwarded for 203.0.113.9 over HTTPS;
    the source its history records."""
    server = Server(env, cwd)
    server.start()
    try:
        created = httpx.post(
            f"{server.base}/data/Contact",
            headers={
                "Authorization": f"Bearer {token}",
                "X-Forwarded-For": "203.0.113.9",
                "X-Forwarded-Proto": "https",
            },
            json={"data": {"last_name": "Proxied"}},
        )
    finally:
        server.stop()
    assert created.status_code == 200, created.text
    services = build_services(Settings(database_url=env["AMITY_DATABASE_URL"], log_level="WARNING"))
    try:
        history = services.api_log.history("Contact", created.json()["id"])
    finally:
        services.close()
    return str(history[0]["source"])


@pytest.mark.parametrize(
    ("trusted", "source"), [("", "api 127.0.0.1"), ("127.0.0.1", "api 203.0.113.9")]
)
def test_forwarded_for_is_believed_only_from_trusted_proxies(
    server_env: dict[str, str], token: str, tmp_path: Path, trusted: str, source: str
) -> None:
    env = dict(server_env, AMITY_TRUSTED_PROXIES=trusted)
    assert source_of_a_write(env, tmp_path, token) == source
