"""One spelling per path: 1CRM's `/1crm/api.php` entry point is `/api.php`, and a trailing
slash is dropped (answered as without it, never redirected). Applied before every other
middleware, so the access guard, the rate limits, the request log and the routes all see
the same path. And feed tokens, which travel in the path, are kept out of every log."""

from __future__ import annotations

import re

from starlette.types import ASGIApp, Receive, Scope, Send

API_PATH = "/api.php"
ALIASES = ("/1crm/api.php",)  # the entry point of the 1CRM documentation's examples
_FEED_TOKEN = re.compile(r"(/calendar/ics/)(?!token$)[^/]+")
VTIGER_PREFIX = "/modules/RestfulApi/"
"""Vtiger's RestfulApi: `auth/LOGIN/PASSWORD` and `auth/KEY` carry credentials, and every
other call ends in its token (`Accounts/3/<token>`); only `index.php` takes them in the
query string."""


def canonical(path: str, aliases: tuple[str, ...] = ALIASES) -> str:
    """The path routes are matched against."""
    for alias in aliases:
        if path == alias or path.startswith(alias + "/"):
            path = API_PATH + path[len(alias) :]
            break
    if len(path) > 1 and path.endswith("/"):
        path = path.rstrip("/") or "/"
    return path


def canonical_raw(raw: bytes) -> bytes:
    return canonical(raw.decode("latin-1")).encode("latin-1")


def redact_path(path: str) -> str:
    """The path as logs may show it: a calendar feed token, a Vtiger token, user name,
    password or access key become `<token>`, `<login>`, `<secret>`."""
    if path.startswith(VTIGER_PREFIX):
        return _redact_vtiger(path)
    return _FEED_TOKEN.sub(r"\1<token>", path) if "/calendar/ics/" in path else path


def _redact_vtiger(path: str) -> str:
    segments = path[len(VTIGER_PREFIX) :].split("/")
    if segments[0] == "index.php":
        return path
    if segments[0] == "auth":
        hidden = ["<login>", "<secret>"] if len(segments) > 2 else ["<secret>"]
        return VTIGER_PREFIX + "/".join(["auth", *hidden][: len(segments)])
    if len(segments) > 1:
        segments[-1] = "<token>"
    return VTIGER_PREFIX + "/".join(segments)


class PathAliases:
    """ASGI middleware: requests under an alias of /api.php, or with a trailing slash, go
    on with the canonical path (and raw_path)."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] in ("http", "websocket"):
            path = canonical(scope["path"])
            if path != scope["path"]:
                scope = dict(scope, path=path)
                raw = scope.get("raw_path")
                if raw is not None:
                    scope["raw_path"] = canonical_raw(raw)
        await self.app(scope, receive, send)
