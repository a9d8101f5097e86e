"""`amity serve` with two workers: one signing key, made once with mode 0600, shared."""

from __future__ import annotations

import os
import stat
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from amity.core.services import Services
from tests.e2e.test_serve import Server, amity


@pytest.fixture
def two_workers(tmp_path: Path, database_url: str, services: Services) -> Iterator[Server]:
    services.close()
    env = dict(
        os.environ,
        AMITY_DATABASE_URL=database_url,
        AMITY_LOG_LEVEL="DEBUG",
        AMITY_RATE_LIMIT="",
        AMITY_RATE_LIMIT_ANONYMOUS="",
        AMITY_RATE_LIMIT_FAILED_AUTH="",
        AMITY_RATE_LIMIT_TOKEN_ENDPOINT="",
        AMITY_JWT_KEY_FILE=str(tmp_path / "keys" / "signing.pem"),
    )
    amity("init", "--admin-password", "e2e-password", env=env, cwd=tmp_path)
    srv = Server(env, tmp_path, workers=2)
    srv.start()
    yield srv
    srv.stop()


def test_workers_share_one_key_file(two_workers: Server, tmp_path: Path) -> None:
    key_file = tmp_path / "keys" / "signing.pem"
    assert stat.S_IMODE(key_file.stat().st_mode) == 0o600
    assert b"PRIVATE KEY" in key_file.read_bytes()
    out = amity(
        "client",
        "add",
        "e2e",
        "--grant",
        "client_credentials",
        "--user",
        "admin",
        env=two_workers.env,
        cwd=tmp_path,
    ).stdout
    values = dict(line.split(": ", 1) for line in out.splitlines() if ": " in line)
    token = httpx.post(
        f"{two_workers.base}/auth/user/access_token",
        data={"grant_type": "client_credentials", **values},
    ).json()
    headers = {"Authorization": f"Bearer {token['access_token']}"}
    keys = set()
    with httpx.Client() as http:  # new connections, so both workers answer some
        for _ in range(12):
            keys.add(httpx.get(f"{two_workers.base}/public_key").json()["key"])
            assert http.get(f"{two_workers.base}/me", headers=headers).status_code == 200
    assert len(keys) == 1
    two_workers.stop()
    log = two_workers.log.read_text()
    assert "/api.php/me" in log  # the log has the requests, but no secret
    for secret in (token["access_token"], values["client_secret"]):
        assert secret not in log
