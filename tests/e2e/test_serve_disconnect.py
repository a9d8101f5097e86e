"""End to end: a client that hangs up halfway through its request body, against `amity
serve`, leaves no traceback in the server log and a 499 (not a 500) in the API call log."""

from __future__ import annotations

import socket
import time
from pathlib import Path

import httpx

from tests.e2e.test_serve import Server, server_env, token

__all__ = ["server_env", "token"]  # fixtures used below


def test_a_client_gone_mid_body_is_no_server_error(
    server_env: dict[str, str], token: str, tmp_path: Path
) -> None:
    server = Server(server_env, tmp_path)
    server.start()
    headers = {"Authorization": f"Bearer {token}"}
    try:
        with socket.create_connection(("127.0.0.1", server.port), timeout=10) as sock:
            sock.sendall(
                b"POST /api.php/data/Account HTTP/1.1\r\nHost: 127.0.0.1\r\n"
                b"Authorization: Bearer " + token.encode() + b"\r\n"
                b"Content-Type: application/json\r\nContent-Length: 100000\r\n\r\n"
                b'{"data": {"name": "Half'
            )
        calls: list[dict[str, object]] = []
        deadline = time.monotonic() + 20
        while not calls and time.monotonic() < deadline:
            time.sleep(0.2)  # the API call log is written every half second
            calls = httpx.get(
                f"{server.base}/admin/api_calls", headers=headers, params={"method": "POST"}
            ).json()["records"]
        listed = httpx.get(f"{server.base}/data/Account", headers=headers).json()
    finally:
        server.stop()
    assert [(c["path"], c["status"]) for c in calls] == [("/api.php/data/Account", 499)]
    assert listed["total_results"] == 0
    log = server.log.read_text()
    assert "POST /api.php/data/Account 499" in log
    assert "Traceback" not in log and "ERROR" not in log, log
