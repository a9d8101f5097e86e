"""End to end: a change made through one server process (or the CLI) reaches the caches of
another at once (the invalidation bus: PostgreSQL LISTEN/NOTIFY, the SQLite outbox poll,
or Redis pub/sub), although both remember tokens, rights and metadata for minutes."""

from __future__ import annotations

import time
import uuid
from collections.abc import Callable, Iterator
from pathlib import Path

import httpx
import pytest
import redis

from tests.e2e.test_ratelimit_redis import REDIS_URL
from tests.e2e.test_serve import Server, amity, server_env

__all__ = ["server_env"]  # fixture used below

PATIENCE = 5.0  # seconds to wait for the other process; the bus needs well under one


@pytest.fixture(params=["database", "redis"])
def bus_env(request: pytest.FixtureRequest, server_env: dict[str, str]) -> Iterator[dict[str, str]]:
    """Long cache lifetimes, so only the bus can make the other server forget in time."""
    env = dict(server_env, AMITY_AUTH_CACHE_SECONDS="300", AMITY_METADATA_CHECK_SECONDS="300")
    if request.param == "redis":
        client = redis.Redis.from_url(REDIS_URL, socket_connect_timeout=2)
        try:
            client.ping()
        except redis.RedisError as exc:
            pytest.skip(f"Redis is not reachable at {REDIS_URL} ({exc})")
        finally:
            client.close()
        env.update(AMITY_REDIS_URL=REDIS_URL, AMITY_REDIS_KEY_PREFIX=f"t{uuid.uuid4().hex[:8]}")
    yield env


@pytest.fixture
def pair(bus_env: dict[str, str], tmp_path: Path) -> Iterator[tuple[Server, Server]]:
    """Two servers (two processes) on one database."""
    one, two = Server(bus_env, tmp_path), Server(bus_env, tmp_path)
    one.start()
    two.start()
    try:
        yield one, two
    finally:
        one.stop()
        two.stop()


def cli(env: dict[str, str], cwd: Path, *args: str) -> str:
    return amity(*args, env=env, cwd=cwd).stdout.strip()


def eventually(check: Callable[[], bool]) -> None:
    deadline = time.monotonic() + PATIENCE
    while not check():
        assert time.monotonic() < deadline, "the other process did not hear of the change"
        time.sleep(0.05)


def status(base: str, token: str, path: str = "/me") -> int:
    return httpx.get(f"{base}{path}", headers={"Authorization": f"Bearer {token}"}).status_code


def test_changes_through_one_process_reach_the_others_caches_at_once(
    pair: tuple[Server, Server], bus_env: dict[str, str], tmp_path: Path
) -> None:
    one, two = pair
    env = bus_env
    admin = cli(env, tmp_path, "token", "create", "admin", "--name", "admin")
    headers = {"Authorization": f"Bearer {admin}"}

    # a token revoked with the CLI (a third process) stops working on both servers
    doomed = cli(env, tmp_path, "token", "create", "admin", "--name", "doomed")
    assert status(one.base, doomed) == 200 and status(two.base, doomed) == 200  # cached
    listed = cli(env, tmp_path, "token", "list", "admin")
    token_id = next(line.split()[0] for line in listed.splitlines() if "doomed" in line)
    cli(env, tmp_path, "token", "revoke", token_id)
    eventually(lambda: status(one.base, doomed) == 401 and status(two.base, doomed) == 401)

    # a role changed through one server restricts its user on the other
    created = httpx.post(
        f"{one.base}/data/User",
        headers=headers,
        json={"data": {"user_name": "bob", "last_name": "Bob"}},
    )
    assert created.status_code == 200, created.text
    bob_id = created.json()["id"]
    bob = cli(env, tmp_path, "token", "create", "bob", "--name", "bob")
    full = {"*": {"access": True, "read": "all", "edit": "all", "delete": "all"}}
    role = httpx.post(
        f"{one.base}/admin/roles", headers=headers, json={"name": "r", "rights": full}
    )
    assert role.status_code == 200, role.text
    assigned = httpx.post(
        f"{one.base}/admin/roles/r/users", headers=headers, json={"users": ["bob"]}
    )
    assert assigned.status_code == 200, assigned.text
    eventually(lambda: status(two.base, bob, "/data/Account") == 200)
    changed = httpx.patch(
        f"{one.base}/admin/roles/r",
        headers=headers,
        json={"rights": {"Account": {"access": False}}},
    )
    assert changed.status_code == 200, changed.text
    eventually(lambda: status(two.base, bob, "/data/Account") == 403)

    # a user deactivated through one server is refused by the other
    assert status(two.base, bob) == 200
    off = httpx.patch(
        f"{one.base}/data/User/{bob_id}", headers=headers, json={"data": {"status": "Inactive"}}
    )
    assert off.status_code == 200, off.text
    eventually(lambda: status(two.base, bob) == 401)

    # a custom field added through one server is known to the other
    added = httpx.post(
        f"{one.base}/admin/fields/Account", headers=headers, json={"name": "tier_c", "type": "Text"}
    )
    assert added.status_code == 200, added.text

    def knows_field() -> bool:
        fields = httpx.get(f"{two.base}/meta/fields/Account", headers=headers).json()
        return "tier_c" in str(fields)

    eventually(knows_field)
