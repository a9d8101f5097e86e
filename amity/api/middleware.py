"""ASGI middleware: X-HTTP-Method-Override, encoded slashes, and one log line and API log
row per request."""

from __future__ import annotations

import logging
import random
import re
import time
from typing import Any

from starlette.types import ASGIApp, Message, Receive, Scope, Send

from amity.api.errors import render_error, scope_request
from amity.api.metrics import observe
from amity.api.paths import redact_path
from amity.core.apilog import ApiLog
from amity.errors import NotFound

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


class EncodedSlash:
    """A path with an encoded slash (%2F) is 404: routing reads the decoded path, where the
    slash would split its segment in two (Apache's default answer, too)."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "http" and b"%2f" in scope.get("raw_path", b"").lower():
            response = render_error(
                NotFound(
                    "Not found",
                    "a path segment cannot hold an encoded slash "
                    "(%2F); no record id or name has one",
                ),
                scope_request(scope),
            )
            await response(scope, receive, send)
            return
        await self.app(scope, receive, send)


REQUEST_ID_HEADER = b"x-request-id"
_GIVEN_REQUEST_ID = re.compile(rb"[A-Za-z0-9._:-]{1,128}")


def request_id_of(scope: Scope) -> str:
    """The client's X-Request-Id when it is a plain token of at most 128 characters, else a
    new one; kept in the request state, answered in the response, carried by events."""
    for name, value in scope["headers"]:
        if name == REQUEST_ID_HEADER and _GIVEN_REQUEST_ID.fullmatch(value):
            return str(value.decode())
    return f"{random.getrandbits(128):032x}"  # a label, not a secret: no system call


class RequestLog:
    """Gives every request an id (X-Request-Id), logs method, path, status, duration and
    user of every request, and records the call in the API call log (path only: the
    query string may carry secrets)."""

    def __init__(self, app: ASGIApp, api_log: ApiLog | None = None) -> None:
        self.app = app
        self.api_log = api_log if api_log is not None and api_log.enabled else None

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        start = time.perf_counter()
        status = [500]
        state: dict[str, Any] = scope.setdefault("state", {})
        request_id = state["request_id"] = request_id_of(scope)
        header = (REQUEST_ID_HEADER, request_id.encode())

        async def send_with_status(message: Message) -> None:
            if message["type"] == "http.response.start":
                status[0] = message["status"]
                message["headers"] = [*message.get("headers", ()), header]
            await send(message)

        try:
            await self.app(scope, receive, send_with_status)
        finally:
            elapsed = time.perf_counter() - start
            duration_ms = elapsed * 1000
            observe(scope, status[0], elapsed)
            actor = state.get("actor")
            path = redact_path(scope["path"])  # a feed token must not reach a log
            if log.isEnabledFor(logging.INFO):
                log.info(
                    "%s %s %d %.1fms %s %s",
                    scope["method"],
                    path,
                    status[0],
                    duration_ms,
                    actor.user_name if actor is not None else "-",
                    request_id,
                )
            if self.api_log is not None and not path.startswith(STATIC_PREFIX):
                client = scope.get("client")
                self.api_log.record(
                    user_id=actor.user_id if actor is not None else None,
                    user_name=actor.user_name if actor is not None else None,
                    credential=actor.credential if actor is not None else _offered(scope),
                    ip=client[0] if client else "unknown",
                    method=scope["method"],
                    path=path,
                    status=status[0],
                    duration_ms=duration_ms,
                )


STATIC_PREFIX = "/app/static/"  # the dashboard's style sheet and script: not API calls


def _offered(scope: Scope) -> str:
    """The kind of credential a request without an authenticated actor offered."""
    for name, value in scope["headers"]:
        if name == b"authorization":
            scheme = value.split(b" ", 1)[0].lower()
            return {b"bearer": "token", b"basic": "basic"}.get(scheme, "other")
    return "none"
