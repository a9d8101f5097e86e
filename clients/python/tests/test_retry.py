"""Retries over real HTTP: the faults server (Amity behind a fault injector, its own
uvicorn process) answers 429/503 first; a raw socket server drops connections."""

from __future__ import annotations

import contextlib
import itertools
import logging
import socket
import threading
from collections.abc import Iterator

import pytest
from conftest import FAST_RETRY, Faults, free_port, unique

from amity_client import (
    Client,
    NetworkError,
    RateLimited,
    RetryPolicy,
    ServiceUnavailable,
    TokenAuth,
)


def gaps(times: list[float]) -> list[float]:
    return [b - a for a, b in itertools.pairwise(times)]


def test_429_is_retried_after_retry_after(faults: Faults, token: str) -> None:
    faults.arm("/me", 429, 2, retry_after="1")
    with Client(faults.url, TokenAuth(token), retry=FAST_RETRY) as client:
        assert client.me()["user_name"] == "admin"
    arrivals = faults.arrivals("/me")
    assert len(arrivals) == 3
    assert all(gap >= 1.0 for gap in gaps(arrivals))


def test_503_is_retried_with_backoff(faults: Faults, token: str) -> None:
    faults.arm("/version", 503, 2)
    with Client(faults.url, TokenAuth(token), retry=FAST_RETRY) as client:
        assert client.server_version()["authenticated"] is True
    assert len(faults.arrivals("/version")) == 3


def test_a_rate_limited_post_is_retried_and_acts_once(faults: Faults, token: str) -> None:
    faults.arm("/data/Note", 429, 1, retry_after="0")
    name = unique("Once")
    with Client(faults.url, TokenAuth(token), retry=FAST_RETRY) as client:
        client.model("Note").create({"name": name})
        assert client.model("Note").list(filters={"name": name}).total_results == 1
    assert len(faults.arrivals("/data/Note")) == 3  # 429, the create, the list


def test_retries_give_up_at_the_limit(faults: Faults, token: str) -> None:
    faults.arm("/me", 429, 10, retry_after="0")
    with (
        Client(faults.url, TokenAuth(token), retry=RetryPolicy(max_retries=2)) as client,
        pytest.raises(RateLimited) as info,
    ):
        client.me()
    assert info.value.status == 429 and info.value.retry_after == 0
    assert len(faults.arrivals("/me")) == 3


def test_a_retry_after_beyond_the_cap_raises_at_once(faults: Faults, token: str) -> None:
    faults.arm("/me", 429, 1, retry_after="3600")
    policy = RetryPolicy(max_retry_after=60)
    with (
        Client(faults.url, TokenAuth(token), retry=policy) as client,
        pytest.raises(RateLimited) as info,
    ):
        client.me()
    assert info.value.retry_after == 3600
    assert len(faults.arrivals("/me")) == 1


def test_unavailable_after_every_retry_is_service_unavailable(faults: Faults, token: str) -> None:
    faults.arm("/version", 503, 10)
    with (
        Client(faults.url, TokenAuth(token), retry=FAST_RETRY) as client,
        pytest.raises(ServiceUnavailable),
    ):
        client.server_version()
    assert len(faults.arrivals("/version")) == FAST_RETRY.max_retries + 1


def test_each_attempt_logs_a_line(
    faults: Faults, token: str, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG, logger="amity_client")
    faults.arm("/me", 429, 1, retry_after="0")
    with Client(faults.url, TokenAuth(token), retry=FAST_RETRY) as client:
        client.me()
    lines = [r.getMessage() for r in caplog.records if r.name == "amity_client"]
    assert len(lines) == 2
    assert lines[0].startswith("GET /me -> 429") and "retry 1/3" in lines[0]
    assert lines[1].startswith("GET /me -> 200")


# -- connection failures ---------------------------------------------------------------------
class DroppingServer:
    """Accepts connections, reads the request, and closes without answering."""

    def __init__(self) -> None:
        self.sock = socket.create_server(("127.0.0.1", 0))
        self.sock.settimeout(0.2)
        self.url = f"http://127.0.0.1:{self.sock.getsockname()[1]}/api.php"
        self.connections = 0
        self.requests: list[bytes] = []
        self.stopping = threading.Event()
        self.thread = threading.Thread(target=self.serve, daemon=True)
        self.thread.start()

    def serve(self) -> None:
        while not self.stopping.is_set():
            try:
                conn, _ = self.sock.accept()
            except TimeoutError:
                continue
            with conn:
                self.connections += 1
                conn.settimeout(2)
                with contextlib.suppress(OSError):
                    self.requests.append(conn.recv(65536))

    def close(self) -> None:
        self.stopping.set()
        self.thread.join(timeout=5)
        self.sock.close()


@pytest.fixture
def dropping() -> Iterator[DroppingServer]:
    server = DroppingServer()
    yield server
    server.close()


def test_a_dropped_get_is_retried(dropping: DroppingServer) -> None:
    with (
        Client(dropping.url, TokenAuth("t"), retry=FAST_RETRY) as client,
        pytest.raises(NetworkError) as info,
    ):
        client.me()
    assert info.value.status == 0
    assert dropping.connections == FAST_RETRY.max_retries + 1


def idempotency_keys(requests: list[bytes]) -> list[str]:
    return [
        line.split(b":", 1)[1].strip().decode()
        for request in requests
        for line in request.split(b"\r\n")
        if line.lower().startswith(b"idempotency-key:")
    ]


def test_a_dropped_post_is_retried_with_the_same_idempotency_key(
    dropping: DroppingServer,
) -> None:
    # the key makes the server answer a repeat with the first answer: no second record
    with (
        Client(dropping.url, TokenAuth("t"), retry=FAST_RETRY) as client,
        pytest.raises(NetworkError),
    ):
        client.model("Note").create({"name": "maybe written"})
    assert dropping.connections == FAST_RETRY.max_retries + 1
    keys = idempotency_keys(dropping.requests)
    assert len(keys) == dropping.connections and len(set(keys)) == 1


def test_a_dropped_post_without_a_key_is_not_retried(dropping: DroppingServer) -> None:
    # an empty Idempotency-Key opts out: sent without a key, the POST may have been
    # written, so it is not sent again
    with (
        Client(dropping.url, TokenAuth("t"), retry=FAST_RETRY) as client,
        pytest.raises(NetworkError),
    ):
        client.request("POST", "/data/Note", json={"data": {}}, headers={"Idempotency-Key": ""})
    assert dropping.connections == 1
    assert idempotency_keys(dropping.requests) == []


def test_each_write_gets_its_own_key(dropping: DroppingServer) -> None:
    no_retry = RetryPolicy(max_retries=0)
    with Client(dropping.url, TokenAuth("t"), retry=no_retry) as client:
        for _ in range(2):
            with pytest.raises(NetworkError):
                client.model("Note").update("n1", {"name": "x"})
    keys = idempotency_keys(dropping.requests)
    assert len(keys) == 2 and keys[0] != keys[1]


def test_a_refused_connection_is_retried_even_for_a_post(caplog: pytest.LogCaptureFixture) -> None:
    # nothing reached a server, so trying the POST again cannot write it twice
    caplog.set_level(logging.DEBUG, logger="amity_client")
    with (
        Client(f"http://127.0.0.1:{free_port()}/api.php", retry=FAST_RETRY) as client,
        pytest.raises(NetworkError),
    ):
        client.model("Note").create({"name": "never sent"})
    attempts = [r for r in caplog.records if r.name == "amity_client"]
    assert len(attempts) == FAST_RETRY.max_retries + 1
    assert all("ConnectError" in r.getMessage() for r in attempts)
