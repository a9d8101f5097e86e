"""A client that hangs up halfway through its request body: the request ends quietly, with
no error logged, and the API call log records 499 (client closed request), not 500."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Iterator
from typing import Any

import pytest

from amity.core.apilog import CallFilter
from amity.core.services import Services
from tests.conftest import ApiClient, User


class Collect(logging.Handler):
    def __init__(self) -> None:
        super().__init__(logging.DEBUG)
        self.records: list[logging.LogRecord] = []

    def emit(self, record: logging.LogRecord) -> None:
        self.records.append(record)


@pytest.fixture
def amity_log() -> Iterator[list[logging.LogRecord]]:
    """What Amity's loggers write (the "amity" logger does not propagate to the root)."""
    handler = Collect()
    logger = logging.getLogger("amity")
    logger.addHandler(handler)
    try:
        yield handler.records
    finally:
        logger.removeHandler(handler)


def post_and_hang_up(app: Any, path: str, token: str, first_chunk: bytes) -> list[Any]:
    """POST with a Content-Length of 10,000, send `first_chunk`, then disconnect; what the
    app sent back (nobody reads it)."""
    scope = {
        "type": "http",
        "asgi": {"version": "3.0"},
        "http_version": "1.1",
        "method": "POST",
        "scheme": "http",
        "path": path,
        "raw_path": path.encode(),
        "root_path": "",
        "query_string": b"",
        "server": ("testserver", 80),
        "client": ("127.0.0.1", 1234),
        "headers": [
            (b"host", b"testserver"),
            (b"content-type", b"application/json"),
            (b"content-length", b"10000"),
            (b"authorization", f"Bearer {token}".encode()),
        ],
    }
    messages = [
        {"type": "http.request", "body": first_chunk, "more_body": True},
        {"type": "http.disconnect"},
    ]
    sent: list[Any] = []

    async def receive() -> dict[str, Any]:
        return messages.pop(0) if messages else {"type": "http.disconnect"}

    async def send(message: dict[str, Any]) -> None:
        sent.append(message)

    asyncio.run(app(scope, receive, send))  # raises on today's main: ClientDisconnect
    return sent


@pytest.mark.parametrize("path", ["/api.php/data/Account", "/api.php/admin/fields/Account"])
def test_hanging_up_mid_body_is_no_error(
    app: Any,
    api: ApiClient,
    services: Services,
    admin: User,
    amity_log: list[logging.LogRecord],
    path: str,
) -> None:
    sent = post_and_hang_up(app, path, admin.token, b'{"data": {"name": "Ha')
    assert [m["status"] for m in sent if m["type"] == "http.response.start"] == [499]
    assert [r for r in amity_log if r.levelno >= logging.WARNING or r.exc_info] == []
    services.api_log.flush()
    calls, _ = services.api_log.list_calls(admin.actor, CallFilter(method="POST"))
    assert [(c["path"], c["status"]) for c in calls] == [(path, 499)]
    assert api.get("/data/Account").json()["total_results"] == 0
