"""Fixtures: a real `amity serve` process for the whole session, spoken to over HTTP.

The server runs on a free port with a temporary SQLite database, or, when
AMITY_TEST_DATABASE_URL names a PostgreSQL server, with a fresh database created on it
for this session (dropped at the end). `faults` is the same Amity behind a test-only
fault injector (faults_app.py), served by uvicorn in a process of its own.
"""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx
import pytest

from amity_client import Client, RetryPolicy, TokenAuth

PG_URL = os.environ.get("AMITY_TEST_DATABASE_URL", "")
ADMIN_PASSWORD = "client-tests-password"
MAX_BODY_BYTES = 65536
MAX_UPLOAD_BYTES = 2 * 1024 * 1024  # small, for test_files.py's 413
FAST_RETRY = RetryPolicy(max_retries=3, backoff_factor=0.01, max_backoff=0.05)
HERE = Path(__file__).parent


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def unique(prefix: str = "T") -> str:
    """A name no other test uses, to filter one test's records out of the shared database."""
    return f"{prefix}{uuid.uuid4().hex[:10]}"


@dataclass
class Server:
    """A running server process; `url` is its entry point, api.php included."""

    url: str
    proc: subprocess.Popen[bytes]
    log: Path

    def wait_ready(self) -> None:
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                break
            try:
                if httpx.get(f"{self.url}/version", timeout=1).status_code == 200:
                    return
            except httpx.HTTPError:
                time.sleep(0.05)
        self.stop()
        raise AssertionError("server did not start:\n" + self.log.read_text())

    def stop(self) -> None:
        if self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(timeout=30)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait(timeout=30)


def start(args: list[str], env: dict[str, str], cwd: Path, name: str) -> Server:
    port = free_port()
    log = cwd / f"{name}-{port}.log"
    with log.open("wb") as out:
        proc = subprocess.Popen(
            [sys.executable, *args, "--port", str(port)],
            env=env,
            cwd=cwd,
            stdout=out,
            stderr=subprocess.STDOUT,
        )
    server = Server(f"http://127.0.0.1:{port}/api.php", proc, log)
    server.wait_ready()
    return server


def amity(*args: str, env: dict[str, str], cwd: Path) -> str:
    done = subprocess.run(
        [sys.executable, "-m", "amity", *args],
        env=env,
        cwd=cwd,
        capture_output=True,
        text=True,
        timeout=120,
        check=True,
    )
    return done.stdout


@pytest.fixture(scope="session")
def workdir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("amity-client")


@pytest.fixture(scope="session")
def database_url(workdir: Path) -> Iterator[str]:
    if not PG_URL:
        yield f"sqlite:///{workdir / 'amity.db'}"
        return
    from amity.store.engine import fresh_postgresql_database

    with fresh_postgresql_database(PG_URL, "amity_client_test") as url:
        yield url


@pytest.fixture(scope="session")
def server_env(database_url: str, workdir: Path) -> dict[str, str]:
    # the suite makes more requests with one token than a default rate limit allows; the
    # client's handling of 429 is tested through faults_app instead
    env = dict(
        os.environ,
        AMITY_DATABASE_URL=database_url,
        AMITY_LOG_LEVEL="WARNING",
        AMITY_MAX_BODY_BYTES=str(MAX_BODY_BYTES),
        AMITY_MAX_UPLOAD_BYTES=str(MAX_UPLOAD_BYTES),
        AMITY_RATE_LIMIT="",
        AMITY_RATE_LIMIT_ANONYMOUS="",
        AMITY_RATE_LIMIT_FAILED_AUTH="",
        AMITY_RATE_LIMIT_TOKEN_ENDPOINT="",
        AMITY_WEBHOOK_ALLOW_NETWORKS="127.0.0.0/8",  # the receivers of test_webhooks_e2e.py
    )
    amity("init", "--admin-password", ADMIN_PASSWORD, env=env, cwd=workdir)
    return env


@pytest.fixture(scope="session")
def token(server_env: dict[str, str], workdir: Path) -> str:
    return amity(
        "token", "create", "admin", "--name", "client-tests", env=server_env, cwd=workdir
    ).strip()


@pytest.fixture(scope="session")
def server(server_env: dict[str, str], workdir: Path, token: str) -> Iterator[Server]:
    """`amity serve` as a real process."""
    srv = start(["-m", "amity", "serve"], server_env, workdir, "serve")
    yield srv
    srv.stop()


@pytest.fixture(scope="session")
def url(server: Server) -> str:
    return server.url


class Faults:
    """Arms the fault injector of the faults server and reads its arrival log."""

    def __init__(self, server: Server) -> None:
        self.url = server.url
        self.root = server.url.removesuffix("/api.php")

    def arm(
        self,
        endpoint: str,
        status: int,
        count: int,
        retry_after: str | None = None,
        message: str | None = None,
        drop: bool = False,
    ) -> None:
        """The next `count` requests get `status`; with drop=True they reach the server
        and the connection breaks in the middle of its answer instead."""
        fault: dict[str, Any] = {
            "path": f"/api.php{endpoint}",
            "status": status,
            "count": count,
            "retry_after": retry_after,
            "drop": drop,
        }
        if message:
            fault["message"] = message
        httpx.post(f"{self.root}/_faults", json=fault).raise_for_status()

    def arrivals(self, endpoint: str) -> list[float]:
        answer = httpx.get(f"{self.root}/_faults/log", params={"path": f"/api.php{endpoint}"})
        return list(answer.json()["times"])


@pytest.fixture(scope="session")
def faults_server(server_env: dict[str, str], workdir: Path, token: str) -> Iterator[Server]:
    srv = start(
        [
            "-m",
            "uvicorn",
            "faults_app:create",
            "--factory",
            "--app-dir",
            str(HERE),
            "--host",
            "127.0.0.1",
            "--log-level",
            "warning",
        ],
        server_env,
        workdir,
        "faults",
    )
    yield srv
    srv.stop()


@pytest.fixture
def faults(faults_server: Server) -> Faults:
    return Faults(faults_server)


@pytest.fixture
def client(url: str, token: str) -> Iterator[Client]:
    """A Client authenticated as the admin with a personal access token."""
    with Client(url, TokenAuth(token), retry=FAST_RETRY) as c:
        yield c
