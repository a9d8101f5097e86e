"""Per-request access to the services and the authenticated actor."""

from __future__ import annotations

from collections.abc import Callable
from typing import TypeVar

from starlette.requests import Request

from amity.core.actor import Actor
from amity.core.services import Services
from amity.errors import InsufficientScope, Unauthorized


def services(request: Request) -> Services:
    svc: Services = request.app.state.services
    return svc


T = TypeVar("T")


async def run_write(request: Request, unit: Callable[[], T]) -> T:
    """Run a service write in the next group commit; returns once it is durable."""
    return await services(request).writes.run(unit)


def client_source(request: Request) -> str:
    host = request.client.host if request.client else "unknown"
    return f"api {host}"


def optional_actor(request: Request) -> Actor | None:
    """The actor if the request carries valid credentials (401 for invalid ones)."""
    actor = services(request).auth.authenticate(request.headers.get("authorization"),
                                                client_source(request), issuer(request))
    request.state.actor = actor
    return actor


def require_actor(request: Request) -> Actor:
    """The authenticated actor; 401 in the error shape without credentials."""
    actor = optional_actor(request)
    if actor is None:
        raise Unauthorized("Authentication required",
                           "send Authorization: Bearer <token> (amity token create USER)")
    check_scope(request, actor)
    return actor


def issuer(request: Request) -> str:
    """This server's base URL (AMITY_OAUTH_ISSUER, else the request's scheme and host): the
    `iss` of the OAuth access tokens it issues and accepts."""
    configured: str = services(request).settings.oauth_issuer
    if configured:
        return configured.rstrip("/")
    host = request.headers.get("host")  # not request.url: that decodes the query string
    if not host:
        server = request.scope.get("server")
        host = f"{server[0]}:{server[1]}" if server else "localhost"
    return f"{request.scope['scheme']}://{host}"


def check_scope(request: Request, actor: Actor) -> None:
    """OAuth scopes of a user's token: /me needs profile or read, GET and HEAD need read,
    other methods write. Portal contacts are confined by the access policy instead."""
    if actor.scopes is None or actor.is_contact:
        return
    if request.scope["path"].endswith("/me"):
        needed = {"profile", "read"}
    elif request.method in ("GET", "HEAD"):
        needed = {"read"}
    else:
        needed = {"write"}
    if not needed & actor.scopes:
        raise InsufficientScope(
            f"The access token lacks the scope for this request ({' or '.join(sorted(needed))})",
            "ask for it in the authorization request (scope=read write)")
