"""End to end: `amity serve` as a real process, spoken to over HTTP."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import httpx
import pytest

from amity.core.services import Services
from tests.cli_runner import Ran, run


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def amity(*args: str, env: dict[str, str], cwd: Path) -> Ran:
    """A command beside the servers: in this process (a process of its own costs seconds);
    the servers it talks to through the database are processes."""
    return run(list(args), env, cwd)


class Server:
    """A running `amity serve`; restartable, killable. `options` go on its command line;
    its output goes to `log` (a file in `cwd` by default)."""

    def __init__(
        self,
        env: dict[str, str],
        cwd: Path,
        workers: int = 1,
        options: tuple[str, ...] = (),
        log: Path | None = None,
    ) -> None:
        self.env, self.cwd, self.workers, self.options = env, cwd, workers, options
        self.port = free_port()
        self.base = f"http://127.0.0.1:{self.port}/api.php"
        self.proc: subprocess.Popen[bytes] | None = None
        self.log = log or cwd / f"serve-{self.port}.log"

    def start(self) -> None:
        with self.log.open("ab") as log:
            self.proc = subprocess.Popen(
                [
                    sys.executable,
                    "-m",
                    "amity",
                    "serve",
                    "--port",
                    str(self.port),
                    "--workers",
                    str(self.workers),
                    *self.options,
                ],
                env=self.env,
                cwd=self.cwd,
                stdout=log,
                stderr=subprocess.STDOUT,
                start_new_session=True,
            )
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            try:
                if httpx.get(f"{self.base}/version", timeout=1).status_code == 200:
                    return
            except httpx.HTTPError:
                time.sleep(0.1)
        raise AssertionError("amity serve did not start:\n" + self.log.read_text())

    def kill(self) -> None:
        """Crash the server: SIGKILL to the whole process group, no clean shutdown."""
        assert self.proc is not None
        os.killpg(self.proc.pid, signal.SIGKILL)
        self.proc.wait(timeout=30)

    def stop(self) -> None:
        if self.proc is not None and self.proc.poll() is None:
            os.killpg(self.proc.pid, signal.SIGTERM)
            try:
                self.proc.wait(timeout=30)
            except subprocess.TimeoutExpired:
                self.kill()


@pytest.fixture
def server_env(tmp_path: Path, database_url: str, services: Services) -> dict[str, str]:
    """Environment for CLI processes on the test database (schema freshly created)."""
    services.close()
    env = dict(
        os.environ,
        AMITY_DATABASE_URL=database_url,
        AMITY_LOG_LEVEL="INFO",
        AMITY_RATE_LIMIT="",
        AMITY_RATE_LIMIT_ANONYMOUS="",
        AMITY_RATE_LIMIT_FAILED_AUTH="",
    )
    amity("init", "--admin-password", "e2e-password", env=env, cwd=tmp_path)
    return env


@pytest.fixture
def token(server_env: dict[str, str], tmp_path: Path) -> str:
    return amity(
        "token", "create", "admin", "--name", "e2e", env=server_env, cwd=tmp_path
    ).stdout.strip()


@pytest.fixture
def server(server_env: dict[str, str], tmp_path: Path) -> Iterator[Server]:
    srv = Server(server_env, tmp_path)
    srv.start()
    yield srv
    srv.stop()


def test_serve_answers_the_1crm_api_over_http(server: Server, token: str) -> None:
    headers = {"Authorization": f"Bearer {token}"}
    assert httpx.get(f"{server.base}/version").json()["authenticated"] is False
    assert httpx.get(f"{server.base}/version", headers=headers).json()["authenticated"] is True
    created = httpx.post(
        f"{server.base}/data/Contact",
        headers=headers,
        json={"data": {"first_name": "Ada", "last_name": "Lovelace"}},
    )
    assert created.status_code == 200
    record_id = created.json()["id"]
    got = httpx.get(f"{server.base}/data/Contact/{record_id}", headers=headers).json()
    assert got["record"]["name"] == "Ada Lovelace"
    listed = httpx.get(
        f"{server.base}/data/Contact?filters%5Blast_name%5D=love", headers=headers
    ).json()
    assert [r["id"] for r in listed["records"]] == [record_id]
    denied = httpx.get(f"{server.base}/data/Contact")
    assert denied.status_code == 401 and set(denied.json()) == {"error", "message", "hint"}
    basic = httpx.get(f"{server.base}/me", auth=("admin", "e2e-password"))
    assert basic.status_code == 200 and basic.json()["role"] == "admin"


def test_each_request_is_logged_with_user(server: Server, token: str) -> None:
    answer = httpx.get(f"{server.base}/data/Account", headers={"Authorization": f"Bearer {token}"})
    request_id = answer.headers["x-request-id"]
    deadline = time.monotonic() + 10
    while time.monotonic() < deadline:
        if "GET /api.php/data/Account 200" in server.log.read_text():
            break
        time.sleep(0.1)
    line = next(
        ln for ln in server.log.read_text().splitlines() if "GET /api.php/data/Account 200" in ln
    )
    assert line.rstrip().endswith(f"admin {request_id}") and "ms" in line


def test_acknowledged_writes_survive_a_crash(server: Server, token: str) -> None:
    headers = {"Authorization": f"Bearer {token}"}
    ids = [
        httpx.post(
            f"{server.base}/data/Account", headers=headers, json={"data": {"name": f"Durable {i}"}}
        ).json()["id"]
        for i in range(20)
    ]
    server.kill()
    server.start()
    for record_id in ids:
        got = httpx.get(f"{server.base}/data/Account/{record_id}", headers=headers)
        assert got.status_code == 200


def test_concurrent_writers_on_several_workers_never_fail(
    server_env: dict[str, str], tmp_path: Path, token: str
) -> None:
    srv = Server(server_env, tmp_path, workers=2)
    srv.start()
    headers = {"Authorization": f"Bearer {token}"}
    try:

        def create(i: int) -> int:
            with httpx.Client(timeout=30) as client:
                return client.post(
                    f"{srv.base}/data/Note", headers=headers, json={"data": {"name": f"note {i}"}}
                ).status_code

        with ThreadPoolExecutor(max_workers=8) as pool:
            statuses = list(pool.map(create, range(200)))
        assert statuses == [200] * 200
        total = httpx.get(f"{srv.base}/data/Note", headers=headers).json()["total_results"]
        assert total == 200
    finally:
        srv.stop()
