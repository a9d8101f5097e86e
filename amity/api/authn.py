"""Authentication, once per request and before the rate limiter.

The credential (an Authorization header, or the session cookie when AMITY_SESSION_AUTH is
on) is checked here and the result kept in the request state: the rate limiter then counts
per actor (and per the actor's own limit), and endpoints read the actor from the state
(`amity.api.context.require_actor`). A bad credential is kept as an error that the endpoint
raises (401) when it needs an actor; endpoints that need none still answer.
"""

from __future__ import annotations

from http.cookies import CookieError, SimpleCookie
from typing import Any

from starlette.types import ASGIApp, Receive, Scope, Send

from amity.core.actor import Actor
from amity.core.services import Services
from amity.errors import Unauthorized

SESSION_COOKIE = "amity_session"


def session_secret(scope: Scope) -> str | None:
    """The session cookie's value, if the request carries one."""
    for name, value in scope["headers"]:
        if name == b"cookie":
            try:
                jar: SimpleCookie = SimpleCookie(value.decode("latin-1"))
            except CookieError:
                return None
            morsel = jar.get(SESSION_COOKIE)
            return morsel.value if morsel is not None and morsel.value else None
    return None


def scope_source(scope: Scope) -> str:
    client = scope.get("client")
    return f"api {client[0] if client else 'unknown'}"


def scope_issuer(configured: str, scope: Scope) -> str:
    """This server's base URL: AMITY_OAUTH_ISSUER, else the request's scheme and Host (the
    raw header: request.url would decode the query string)."""
    if configured:
        return configured.rstrip("/")
    host = None
    for name, value in scope["headers"]:
        if name == b"host":
            host = value.decode("latin-1")
            break
    if not host:
        server = scope.get("server")
        host = f"{server[0]}:{server[1]}" if server else "localhost"
    return f"{scope['scheme']}://{host}"


def resolve_actor(services: Services, scope: Scope) -> Actor | None:
    """The actor of a request: Authorization first; the session cookie only without one."""
    authorization = None
    for name, value in scope["headers"]:
        if name == b"authorization":
            authorization = value.decode("latin-1")
            break
    source = scope_source(scope)
    if authorization is not None and authorization.strip():
        return services.auth.authenticate(
            authorization, source, scope_issuer(services.settings.oauth_issuer, scope))
    if services.sessions.enabled:
        secret = session_secret(scope)
        if secret is not None:
            scope["state"]["session_secret"] = secret
            return services.sessions.actor(secret, source)
    return None


class Authenticate:
    """ASGI middleware: puts `actor` (or `auth_error`) into the request state."""

    def __init__(self, app: ASGIApp, services: Services) -> None:
        self.app = app
        self.services = services

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "http":
            state: dict[str, Any] = scope.setdefault("state", {})
            try:
                state["actor"] = resolve_actor(self.services, scope)
            except Unauthorized as exc:
                state["actor"] = None
                state["auth_error"] = exc
        await self.app(scope, receive, send)
