"""Custom fields across real processes: two `amity serve` on one database, and the CLI."""

from __future__ import annotations

import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from tests.e2e.test_serve import Server, amity, server_env, token

__all__ = ["server_env", "token"]  # fixtures used below


@pytest.fixture
def two_servers(server_env: dict[str, str], tmp_path: Path) -> Iterator[tuple[Server, Server]]:
    env = dict(server_env, AMITY_METADATA_CHECK_SECONDS="0.5")
    first, second = Server(env, tmp_path), Server(env, tmp_path)
    first.start()
    second.start()
    yield first, second
    first.stop()
    second.stop()


def test_a_field_added_through_one_server_works_at_once_on_another(
    two_servers: tuple[Server, Server], token: str, server_env: dict[str, str], tmp_path: Path
) -> None:
    a, b = two_servers
    headers = {"Authorization": f"Bearer {token}"}
    assert httpx.get(f"{b.base}/meta/fields/Contact", headers=headers).status_code == 200
    added = httpx.post(
        f"{a.base}/admin/fields/Contact",
        headers=headers,
        json={"name": "tier_c", "type": "Select", "options": ["Gold", "Silver"], "indexed": True},
    )
    assert added.status_code == 200, added.text
    created = httpx.post(
        f"{b.base}/data/Contact", headers=headers, json={"data": {"last_name": "Far", "tier_c": 2}}
    )
    assert created.status_code == 200, created.text
    record_id = created.json()["id"]
    listed = httpx.get(
        f"{a.base}/data/Contact",
        headers=headers,
        params={"filters[tier_c]": "2", "fields[]": "tier_c"},
    ).json()
    assert [(r["id"], r["tier_c"]) for r in listed["records"]] == [(record_id, 2)]

    # the CLI changes the schema while both servers run
    out = amity(
        "field",
        "add",
        "Contact",
        "region_c",
        "Text",
        "--label",
        "Region",
        "--indexed",
        env=server_env,
        cwd=tmp_path,
    ).stdout
    assert "region_c" in out
    for srv in (a, b):
        res = httpx.patch(
            f"{srv.base}/data/Contact/{record_id}",
            headers=headers,
            json={"data": {"region_c": f"via {srv.port}"}},
        )
        assert res.status_code == 200, res.text
    listing = amity("field", "list", "Contact", env=server_env, cwd=tmp_path).stdout
    assert "tier_c\tSelect" in listing and "region_c\tText\tRegion indexed" in listing
    amity("field", "remove", "Contact", "region_c", env=server_env, cwd=tmp_path)
    deadline = time.monotonic() + 10
    while time.monotonic() < deadline:
        fields = httpx.get(f"{b.base}/meta/fields/Contact", headers=headers).json()["fields"]
        if "region_c" not in fields:
            break
        time.sleep(0.2)
    assert "region_c" not in fields and "tier_c" in fields
    assert amity("field", "list", env=server_env, cwd=tmp_path).stdout.count("\n") == 1
