"""/session: sign in with a user name and password to get a cookie session (for apps
embedded in the CRM's pages), read its CSRF token, sign out. Off unless AMITY_SESSION_AUTH.
"""

from __future__ import annotations

from typing import Any
from urllib.parse import parse_qsl

import orjson
from starlette.requests import Request
from starlette.routing import Route

from amity.api.authn import SESSION_COOKIE
from amity.api.context import CSRF_HEADER, require_actor, services
from amity.api.offload import run_password_check
from amity.api.params import check_utf8, read_body
from amity.api.responses import JSONResponse
from amity.core.auth.sessions import csrf_token_for
from amity.errors import BadRequest, Forbidden, Unauthorized, UnsupportedMediaType

MAX_CREDENTIAL = 200


def ensure_enabled(request: Request) -> None:
    if not services(request).sessions.enabled:
        raise Forbidden(
            "Session authentication is off",
            "an administrator turns it on with AMITY_SESSION_AUTH=true",
        )


async def sign_in(request: Request) -> JSONResponse:
    """Check user name and password (argon2, in a worker thread); answer the CSRF token and
    set the session cookie."""
    ensure_enabled(request)
    form = await credentials_body(request)
    user_name, password = credential(form, "user_name"), credential(form, "password")
    sessions = services(request).sessions
    session = await run_password_check(sessions.start, user_name, password)
    response = JSONResponse(
        {
            "csrf_token": session.csrf_token,
            "csrf_header": CSRF_HEADER,
            "expires_in": session.expires_in,
            "user": session.user,
        }
    )
    response.set_cookie(
        SESSION_COOKIE,
        session.secret,
        max_age=session.expires_in,
        path="/",
        httponly=True,
        samesite="lax",
        secure=request.url.scheme == "https",
    )
    return response


async def session_info(request: Request) -> JSONResponse:
    """The current session's user, CSRF token and remaining lifetime."""
    ensure_enabled(request)
    actor = require_actor(request)
    secret = request.scope["state"].get("session_secret")
    if actor.credential != "session" or secret is None:
        raise Unauthorized("Not signed in with a session", "POST /api.php/session first")
    return JSONResponse(
        {
            "csrf_token": csrf_token_for(secret),
            "csrf_header": CSRF_HEADER,
            "expires_in": services(request).sessions.expires_in(secret),
            "user": {"id": actor.user_id, "user_name": actor.user_name},
        }
    )


async def sign_out(request: Request) -> JSONResponse:
    """End the session (it needs the CSRF token, like every change) and clear the cookie."""
    ensure_enabled(request)
    actor = require_actor(request)
    secret = request.scope["state"].get("session_secret")
    if actor.credential != "session" or secret is None:
        raise Unauthorized("Not signed in with a session", "POST /api.php/session first")
    services(request).sessions.end(secret)
    response = JSONResponse({"signed_out": True})
    response.delete_cookie(
        SESSION_COOKIE,
        path="/",
        httponly=True,
        samesite="lax",
        secure=request.url.scheme == "https",
    )
    return response


async def credentials_body(request: Request) -> dict[str, Any]:
    """user_name and password as JSON or as an HTML form (x-www-form-urlencoded)."""
    body = await read_body(request)
    content_type = request.headers.get("content-type", "").split(";")[0].strip().lower()
    try:
        if content_type == "application/x-www-form-urlencoded":
            return dict(parse_qsl(body.decode("utf-8"), keep_blank_values=True))
        if content_type == "application/json" or content_type.endswith("+json"):
            check_utf8(request.headers["content-type"])
            data = orjson.loads(body) if body.strip() else {}
            if isinstance(data, dict):
                return data
            raise BadRequest(
                "The request body must be a JSON object", '{"user_name": "...", "password": "..."}'
            )
    except (UnicodeDecodeError, orjson.JSONDecodeError):
        raise BadRequest(
            "Malformed request body", "send JSON or a form with user_name and password"
        ) from None
    raise UnsupportedMediaType(
        "Unsupported content type {content_type!r}",
        "send JSON or application/x-www-form-urlencoded",
        content_type=content_type or "(none)",
    )


def credential(form: dict[str, Any], name: str) -> str:
    value = form.get(name)
    if not isinstance(value, str) or not value or len(value) > MAX_CREDENTIAL or "\x00" in value:
        raise BadRequest("{name} is required", "send user_name and password", name=name)
    try:
        value.encode("utf-8")
    except UnicodeEncodeError:
        raise BadRequest("{name} is not valid text", name=name) from None
    return value


routes = [
    Route("/session", sign_in, methods=["POST"]),
    Route("/session", session_info, methods=["GET"]),
    Route("/session", sign_out, methods=["DELETE"]),
]
