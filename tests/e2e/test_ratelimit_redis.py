"""End to end: two worker processes share one rate-limit budget through Redis."""

from __future__ import annotations

import os
import uuid
from collections import Counter
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import httpx
import pytest
import redis

from amity.core.services import Services
from tests.e2e.test_serve import Server, amity

REDIS_URL = os.environ.get("AMITY_TEST_REDIS_URL", "redis://127.0.0.1:6379/11")
LIMIT = 30


@pytest.fixture
def redis_client() -> Iterator[redis.Redis]:
    client = redis.Redis.from_url(REDIS_URL, socket_connect_timeout=2, socket_timeout=5)
    try:
        client.ping()
    except redis.RedisError as exc:
        client.close()
        pytest.skip(
            f"Redis is not reachable at {REDIS_URL} ({exc}); "
            "set AMITY_TEST_REDIS_URL or start Redis to run this test"
        )
    yield client
    client.close()


@pytest.fixture
def prefix(redis_client: redis.Redis) -> Iterator[str]:
    """A key prefix of this test run only; its keys are removed afterwards."""
    name = f"amity-test-{uuid.uuid4().hex}"
    yield name
    for key in redis_client.scan_iter(match=f"{name}*"):
        redis_client.delete(key)


@pytest.fixture
def server_env(
    tmp_path: Path, database_url: str, services: Services, prefix: str
) -> dict[str, str]:
    services.close()
    env = dict(
        os.environ,
        AMITY_DATABASE_URL=database_url,
        AMITY_LOG_LEVEL="WARNING",
        AMITY_REDIS_URL=REDIS_URL,
        AMITY_REDIS_KEY_PREFIX=prefix,
        AMITY_RATE_LIMIT=f"{LIMIT}/minute",
        AMITY_RATE_LIMIT_ANONYMOUS="",
        AMITY_RATE_LIMIT_FAILED_AUTH="",
    )
    amity("init", "--admin-password", "e2e-password", env=env, cwd=tmp_path)
    return env


def test_two_workers_admit_exactly_the_limit_in_total(
    server_env: dict[str, str], tmp_path: Path, prefix: str, redis_client: redis.Redis
) -> None:
    token = amity(
        "token", "create", "admin", "--name", "e2e", env=server_env, cwd=tmp_path
    ).stdout.strip()
    srv = Server(server_env, tmp_path, workers=2)
    srv.start()
    try:

        def call(_: int) -> tuple[int, str]:
            with httpx.Client(timeout=30) as client:
                resp = client.get(f"{srv.base}/me", headers={"Authorization": f"Bearer {token}"})
                return resp.status_code, resp.headers.get("Retry-After", "")

        with ThreadPoolExecutor(max_workers=8) as pool:
            results = list(pool.map(call, range(3 * LIMIT)))
    finally:
        srv.stop()
    statuses = Counter(status for status, _ in results)
    assert statuses == {200: LIMIT, 429: 2 * LIMIT}
    assert all(int(retry) >= 1 for status, retry in results if status == 429)
    keys = [k.decode() for k in redis_client.scan_iter(match=f"{prefix}*")]
    assert keys, "the counts were not kept in Redis"
    assert not any(token in k for k in keys), "a token is stored in clear in a Redis key"
