"""Authentication, once per request and before the rate limiter.

The credential (an Authorization header, or the session cookie when AMITY_SESSION_AUTH is
on) is checked here and the result kept in the request state: the rate limiter then counts
per actor (and per the actor's own limit), and endpoints read the actor from the state
(`amity.api.context.require_actor`). A bad credential is kept as an error that the endpoint
raises (401) when it needs an actor; endpoints that need none still answer.

A Basic password is checked with argon2 in a worker thread, never on the event loop, and
not at all from an address over the failed-authentication limit (the rate limiter then
answers 429). The OAuth token endpoints authenticate their clients themselves.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Awaitable, Callable
from http.cookies import CookieError, SimpleCookie
from typing import Any

from starlette.types import ASGIApp, Receive, Scope, Send

from amity.api.dialects import scope_dialect
from amity.api.offload import run_password_check
from amity.core.actor import Actor
from amity.core.services import Services
from amity.errors import Unauthorized

SESSION_COOKIE = "amity_session"
FAILED_SECRET = "failed_secret"  # request state: a guess that failed, whatever the status


def first_header(scope: Scope, name: bytes) -> str | None:
    """The first value of a header (`name` in lower case), if the request has it."""
    for key, value in scope["headers"]:
        if key == name:
            return str(value.decode("latin-1"))
    return None


def session_secret(scope: Scope) -> str | None:
    """The session cookie's value, if the request carries one."""
    cookie = first_header(scope, b"cookie")
    if cookie is None:
        return None
    try:
        jar: SimpleCookie = SimpleCookie(cookie)
    except CookieError:
        return None
    morsel = jar.get(SESSION_COOKIE)
    return morsel.value if morsel is not None and morsel.value else None


def client_ip(scope: Scope) -> str:
    client = scope.get("client")
    return str(client[0]) if client else "unknown"


def scope_source(scope: Scope) -> str:
    return f"api {client_ip(scope)}"


def is_token_endpoint(path: str) -> bool:
    """The OAuth token and revocation endpoints, where client secrets and passwords are
    tried: they get a stricter per-IP limit of their own."""
    return path.startswith("/api.php/auth/") and path.endswith(("/access_token", "/revoke"))


def checks_secrets(scope: Scope) -> bool:
    """Endpoints that check a password or client secret sent in the request: session
    sign-in (the API's and the dashboard's) and the OAuth endpoints (token, revocation,
    the login form)."""
    path = scope["path"]
    return path.startswith("/api.php/auth/") or (
        path in ("/api.php/session", "/app/login") and scope.get("method") == "POST"
    )


def mark_failed_secret(scope: Scope) -> None:
    """A wrong password or client secret answered with something else than 401 (the OAuth
    password grant's 400 invalid_grant): the rate limiter counts it as a failed login."""
    scope.setdefault("state", {})[FAILED_SECRET] = True


def sends_password(scope: Scope) -> bool:
    """Whether the request authenticates with a password (Authorization: Basic)."""
    authorization = first_header(scope, b"authorization")
    return authorization is not None and authorization.partition(" ")[0].lower() == "basic"


def scope_issuer(configured: str, scope: Scope) -> str:
    """This server's base URL: AMITY_OAUTH_ISSUER, else the request's scheme and Host (the
    raw header: request.url would decode the query string)."""
    if configured:
        return configured.rstrip("/")
    host = first_header(scope, b"host")
    if not host:
        server = scope.get("server")
        host = f"{server[0]}:{server[1]}" if server else "localhost"
    return f"{scope['scheme']}://{host}"


def resolve_actor(services: Services, scope: Scope) -> Actor | None:
    """The actor of a request: Authorization first; the session cookie only without one."""
    authorization = first_header(scope, b"authorization")
    source = scope_source(scope)
    if authorization is not None and authorization.strip():
        return services.auth.authenticate(
            authorization, source, scope_issuer(services.settings.oauth_issuer, scope)
        )
    if services.sessions.enabled:
        secret = session_secret(scope)
        if secret is not None:
            scope["state"]["session_secret"] = secret
            return services.sessions.actor(secret, source)
    return None


WRITES = frozenset({"POST", "PUT", "PATCH", "DELETE"})
LockedOut = Callable[[str], Awaitable[bool]]


class Authenticate:
    """ASGI middleware: puts `actor` (or `auth_error`) into the request state.

    `locked_out(ip)` tells whether an address is over the failed-authentication limit:
    its Basic passwords are then left unchecked (the rate limiter refuses the request)."""

    def __init__(
        self, app: ASGIApp, services: Services, locked_out: LockedOut | None = None
    ) -> None:
        self.app = app
        self.services = services
        self.locked_out = locked_out

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "http":
            state: dict[str, Any] = scope.setdefault("state", {})
            try:
                actor = await self.resolve(scope)
                request_id = state.get("request_id")
                if actor is not None and request_id is not None and scope["method"] in WRITES:
                    # the events of a write name the request (reads make none: no copy)
                    actor = dataclasses.replace(actor, request_id=request_id)
                state["actor"] = actor
            except Unauthorized as exc:
                state["actor"] = None
                state["auth_error"] = exc
        await self.app(scope, receive, send)

    async def resolve(self, scope: Scope) -> Actor | None:
        if is_token_endpoint(scope["path"]):
            return None  # authlib authenticates the client (client_secret_basic too)
        dialect = scope_dialect(scope)
        if dialect is not None and dialect.authenticate is not None:
            return dialect.authenticate(self.services, scope)  # its own credential only
        if not sends_password(scope):
            return resolve_actor(self.services, scope)  # tokens and cookies: cheap lookups
        if self.locked_out is not None and await self.locked_out(client_ip(scope)):
            return None
        return await run_password_check(resolve_actor, self.services, scope)
