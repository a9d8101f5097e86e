"""ASGI middleware: X-HTTP-Method-Override, and one log line per request."""

from __future__ import annotations

import logging
import time
from typing import Any

from starlette.types import ASGIApp, Message, Receive, Scope, Send

log = logging.getLogger("amity.requests")
OVERRIDABLE = frozenset({"PATCH", "PUT", "DELETE"})


class MethodOverride:
    """A POST with X-HTTP-Method-Override: PATCH|PUT|DELETE acts as that method."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "http" and scope["method"] == "POST":
            for name, value in scope["headers"]:
                if name == b"x-http-method-override":
                    method = value.decode("latin-1").strip().upper()
                    if method in OVERRIDABLE:
                        scope = dict(scope, method=method)
                    break
        await self.app(scope, receive, send)


class RequestLog:
    """Logs method, path, status, duration and user of every request."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        start = time.perf_counter()
        status = [500]
        state: dict[str, Any] = scope.setdefault("state", {})

        async def send_with_status(message: Message) -> None:
            if message["type"] == "http.response.start":
                status[0] = message["status"]
            await send(message)

        try:
            await self.app(scope, receive, send_with_status)
        finally:
            if log.isEnabledFor(logging.INFO):
                actor = state.get("actor")
                log.info("%s %s %d %.1fms %s", scope["method"], scope["path"], status[0],
                         (time.perf_counter() - start) * 1000,
                         actor.user_name if actor is not None else "-")
