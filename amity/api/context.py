"""Per-request access to the services and the authenticated actor."""

from __future__ import annotations

from collections.abc import Callable, Iterable
from typing import TypeVar, overload

from starlette.requests import Request
from starlette.responses import Response

from amity.api.authn import resolve_actor, scope_issuer
from amity.api.idempotency import keep_answer
from amity.core.actor import Actor
from amity.core.auth.sessions import csrf_matches
from amity.core.services import Services
from amity.errors import CsrfFailed, InsufficientScope, Unauthorized

SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})
CSRF_HEADER = "X-CSRF-Token"


def services(request: Request) -> Services:
    svc: Services = request.app.state.services
    return svc


T = TypeVar("T")
R = TypeVar("R", bound=Response)


@overload
async def run_write(request: Request, unit: Callable[[], T], keys: Iterable[str] = ()) -> T: ...


@overload
async def run_write(
    request: Request, unit: Callable[[], T], keys: Iterable[str] = (), *, respond: Callable[[T], R]
) -> R: ...


async def run_write(
    request: Request,
    unit: Callable[[], T],
    keys: Iterable[str] = (),
    *,
    respond: Callable[[T], R] | None = None,
) -> T | R:
    """Run a service write in the next group commit; returns once it is durable. `keys`
    name what it writes (Records.write_keys), so that other workers' writes of the same
    records wait for it instead of deadlocking with it.

    `respond` renders the unit's result as the response, inside the unit: a request with
    an Idempotency-Key then stores that answer in the write's own transaction."""
    if respond is None:
        return await services(request).writes.run(unit, keys)
    answer = respond

    def unit_and_answer() -> R:
        response = answer(unit())
        keep_answer(response)
        return response

    return await services(request).writes.run(unit_and_answer, keys)


def optional_actor(request: Request) -> Actor | None:
    """The actor if the request carries valid credentials (401 for invalid ones).

    The Authenticate middleware has checked the credential already; a change made with a
    session cookie must also carry the session's CSRF token (never asked of Authorization
    credentials, whatever their Origin or Referer).
    """
    state = request.scope.setdefault("state", {})
    if "actor" not in state:  # an app built without the middleware
        state["actor"] = resolve_actor(services(request), request.scope)
    error = state.get("auth_error")
    if error is not None:
        raise error
    actor: Actor | None = state["actor"]
    if (
        actor is not None
        and actor.credential == "session"
        and request.method not in SAFE_METHODS
        and not csrf_matches(state["session_secret"], request.headers.get(CSRF_HEADER))
    ):
        raise CsrfFailed(
            "CSRF token missing or wrong",
            "send the {csrf_header} header given by POST or GET /api.php/session",
            csrf_header=CSRF_HEADER,
        )
    return actor


def require_actor(request: Request) -> Actor:
    """The authenticated actor; 401 in the error shape without credentials."""
    actor = optional_actor(request)
    if actor is None:
        raise Unauthorized(
            "Authentication required",
            "send Authorization: Bearer <token> (amity token create USER)",
        )
    check_scope(request, actor)
    return actor


def issuer(request: Request) -> str:
    """This server's base URL (AMITY_OAUTH_ISSUER, else the request's scheme and host): the
    `iss` of the OAuth access tokens it issues and accepts."""
    return scope_issuer(services(request).settings.oauth_issuer, request.scope)


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
            "The access token lacks the scope for this request ({needed})",
            "ask for it in the authorization request (scope=read write)",
            needed=" or ".join(sorted(needed)),
        )
