"""The audit says where a change came from: `api <ip>` over real HTTP, `cli` for a command."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from tests.e2e.test_serve import Server, amity, server_env, token

__all__ = ["server_env", "token"]  # fixtures used below


@pytest.fixture
def server(server_env: dict[str, str], tmp_path: Path) -> Iterator[Server]:
    running = Server(server_env, tmp_path)
    running.start()
    yield running
    running.stop()


def test_api_and_cli_writes_show_their_source(
    server: Server, token: str, server_env: dict[str, str], tmp_path: Path
) -> None:
    headers = {"Authorization": f"Bearer {token}"}
    created = httpx.post(
        f"{server.base}/data/Contact", headers=headers, json={"data": {"last_name": "Wire"}}
    )
    assert created.status_code == 200, created.text
    cid = created.json()["id"]
    changed = httpx.patch(
        f"{server.base}/data/Contact/{cid}", headers=headers, json={"data": {"title": "CFO"}}
    )
    assert changed.status_code == 200, changed.text
    rows = httpx.get(f"{server.base}/audit/Contact/{cid}", headers=headers).json()["records"]
    assert [(r["field_name"], r["after_value_string"], r["source"]) for r in rows] == [
        ("title", "CFO", "api 127.0.0.1"),
        ("id", cid, "api 127.0.0.1"),
    ]

    amity("user", "add", "bea", "--password", "bea-password-1", env=server_env, cwd=tmp_path)
    amity("user", "deactivate", "bea", env=server_env, cwd=tmp_path)
    users = httpx.get(
        f"{server.base}/data/User", headers=headers, params={"filter_text": "bea"}
    ).json()["records"]
    (bea,) = [u for u in users if u["user_name"] == "bea"]
    rows = httpx.get(f"{server.base}/audit/User/{bea['id']}", headers=headers).json()["records"]
    assert [(r["field_name"], r["source"]) for r in rows] == [("status", "cli"), ("id", "cli")]
    assert rows[0]["after_value_string"] == "Inactive"

    out = amity("field", "audit", "Contact", "title", "off", env=server_env, cwd=tmp_path)
    assert out.stdout.strip() == "Contact.title audited: off"
    shown = amity("field", "audit", "Contact", "title", env=server_env, cwd=tmp_path)
    assert shown.stdout.strip() == "Contact.title audited: off"
