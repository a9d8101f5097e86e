"""SIGTERM to `amity serve`: no new connections, but every request already received is
answered and its write kept; then the application shuts down (the API call log is
written out) and the process ends."""

from __future__ import annotations

import os
import signal
import threading
import time
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor

import httpx
import orjson

from tests.e2e.test_serve import Server, server, server_env, token

__all__ = ["server", "server_env", "token"]  # fixtures used below
SLOW = 6  # requests whose bodies are still arriving when the signal comes


def test_a_stopping_server_answers_what_it_received(server: Server, token: str) -> None:
    headers = {"Authorization": f"Bearer {token}", "Content-Type": "application/json"}
    started = threading.Barrier(SLOW + 1)
    signalled = threading.Event()

    def slow_create(n: int) -> tuple[int, str]:
        body = orjson.dumps({"data": {"name": f"Slow {n}"}})

        def chunks() -> Iterator[bytes]:
            yield body[:5]  # the request is in: headers and a first part of the body
            started.wait(30)
            signalled.wait(30)
            time.sleep(0.5)  # the rest arrives after SIGTERM
            yield body[5:]

        headers_n = {**headers, "Content-Length": str(len(body))}
        with httpx.Client(timeout=30) as client:
            answer = client.post(f"{server.base}/data/Account", headers=headers_n, content=chunks())
        return answer.status_code, answer.json().get("id", "")

    with ThreadPoolExecutor(max_workers=SLOW) as pool:
        futures = [pool.submit(slow_create, n) for n in range(SLOW)]
        started.wait(30)
        time.sleep(0.3)  # every body's first chunk has reached the server
        assert server.proc is not None
        os.killpg(server.proc.pid, signal.SIGTERM)
        time.sleep(0.5)
        refused = True
        try:  # a new connection is no longer taken
            httpx.get(f"{server.base}/version", timeout=2)
            refused = False
        except httpx.HTTPError:
            pass
        signalled.set()
        answers = [f.result(timeout=60) for f in futures]
    assert refused
    assert [status for status, _ in answers] == [200] * SLOW
    # uvicorn ends by raising the signal again once shut down: killed by SIGTERM, cleanly
    assert server.proc.wait(timeout=60) in (0, -signal.SIGTERM)
    log = server.log.read_text()
    assert "Application shutdown complete" in log and "Traceback" not in log
    server.start()  # the writes that were answered are there
    for _, record_id in answers:
        got = httpx.get(f"{server.base}/data/Account/{record_id}", headers=headers)
        assert got.status_code == 200 and got.json()["record"]["name"].startswith("Slow ")
