"""Test-only ASGI app: Amity behind a fault injector, served by uvicorn in its own process.

    POST /_faults {"path": "/api.php/me", "status": 429, "count": 2, "retry_after": "1"}
        the next `count` requests to `path` get `status` (in the 1CRM error shape, with
        Retry-After when given) instead of reaching Amity; also resets that path's log
    POST /_faults {"path": "/api.php/data/Note", "drop": true, "count": 1}
        the next `count` requests to `path` reach Amity, which acts on them, but the
        connection is closed in the middle of the answer (a network failure after the
        server wrote)
    GET /_faults/log?path=/api.php/me -> {"times": [...]}: when each request to the path
        arrived (time.monotonic() of this process)

Every other request goes to Amity (amity.app.create_app) unchanged.
"""

from __future__ import annotations

import json
import time
from collections import defaultdict
from typing import Any
from urllib.parse import parse_qs

from amity.app import create_app
from amity.config import Settings
from starlette.types import ASGIApp, Message, Receive, Scope, Send

ERROR_TYPES = {
    403: "forbidden",
    429: "rate_limited",
    500: "server_error",
    503: "service_unavailable",
}


class Faults:
    def __init__(self, app: ASGIApp) -> None:
        self.app = app
        self.armed: dict[str, dict[str, Any]] = {}
        self.arrivals: defaultdict[str, list[float]] = defaultdict(list)

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        path = scope["path"]
        if path == "/_faults":
            await self.arm(receive, send)
            return
        if path == "/_faults/log":
            query = parse_qs(scope["query_string"].decode())
            await respond(send, 200, {"times": self.arrivals[query["path"][0]]})
            return
        self.arrivals[path].append(time.monotonic())
        fault = self.armed.get(path)
        if fault and fault["count"] > 0 and fault.get("drop"):
            fault["count"] -= 1
            await self.app(scope, receive, cut_short(send))
            return
        if fault and fault["count"] > 0:
            fault["count"] -= 1
            await drain(receive)
            status = int(fault["status"])
            body = {
                "error": ERROR_TYPES.get(status, "error"),
                "message": fault.get("message", f"Injected {status}"),
                "hint": "test hook",
            }
            headers = (
                [(b"retry-after", str(fault["retry_after"]).encode())]
                if fault.get("retry_after") is not None
                else []
            )
            await respond(send, status, body, headers)
            return
        await self.app(scope, receive, send)

    async def arm(self, receive: Receive, send: Send) -> None:
        fault = json.loads(await drain(receive))
        self.armed[fault["path"]] = fault
        self.arrivals[fault["path"]] = []
        await respond(send, 200, {"armed": fault["path"]})


class Dropped(Exception):
    """Raised in the middle of an answer: uvicorn closes the connection."""


def cut_short(send: Send) -> Send:
    """A `send` that passes the answer's start and then breaks off before its body."""

    async def cutting(message: Message) -> None:
        if message["type"] == "http.response.start":
            await send(message)
            return
        raise Dropped("connection dropped by the fault injector")

    return cutting


async def drain(receive: Receive) -> bytes:
    body = b""
    while True:
        message = await receive()
        body += bytes(message.get("body", b""))
        if not message.get("more_body"):
            return body


async def respond(
    send: Send, status: int, body: Any, headers: list[tuple[bytes, bytes]] | None = None
) -> None:
    data = json.dumps(body).encode()
    await send(
        {
            "type": "http.response.start",
            "status": status,
            "headers": [
                (b"content-type", b"application/json"),
                (b"content-length", str(len(data)).encode()),
                *(headers or []),
            ],
        }
    )
    await send({"type": "http.response.body", "body": data})


def create() -> Faults:
    """The uvicorn factory: Amity from the AMITY_* environment, behind the fault injector."""
    return Faults(create_app(Settings.from_env()))
