"""The dashboard's sign-in state: a session cookie (the `sessions` table, as for the API's
cookie sessions) and the CSRF token every form posts back.

The cookie holds a random secret (HttpOnly, SameSite=Lax, Secure behind HTTPS); the
database holds its SHA-256 only. A form's CSRF token is a keyed hash of that secret, so a
page of another site can neither read nor forge it. The sign-in form, sent before there
is a session, is protected by a random pre-session cookie that the form repeats.
"""

from __future__ import annotations

import secrets
from http.cookies import CookieError, SimpleCookie
from typing import Any

from starlette.requests import Request
from starlette.responses import Response
from starlette.types import Scope

from amity.api.authn import client_ip, first_header
from amity.core.actor import Actor
from amity.core.auth.sessions import csrf_matches, csrf_token_for
from amity.core.services import Services
from amity.errors import CsrfFailed, Unauthorized

COOKIE = "amity_app"
LOGIN_COOKIE = "amity_app_login"  # the sign-in form's CSRF secret, before any session
CSRF_FIELD = "csrf_token"


class SignInRequired(Unauthorized):
    """A page that needs a signed-in user was asked for without one: the dashboard answers
    with the sign-in page (a redirect that comes back here)."""


def cookie_value(scope: Scope, name: str) -> str | None:
    raw = first_header(scope, b"cookie")
    if raw is None:
        return None
    try:
        jar: SimpleCookie = SimpleCookie(raw)
    except CookieError:
        return None
    morsel = jar.get(name)
    return morsel.value if morsel is not None and morsel.value else None


def source(scope: Scope) -> str:
    """What the audit and events name as the origin of a dashboard change."""
    return f"ui {client_ip(scope)}"


def authenticate(services: Services, scope: Scope) -> Actor | None:
    """The dialect hook: the user of the dashboard cookie (None without one)."""
    secret = cookie_value(scope, COOKIE)
    if secret is None:
        return None
    scope.setdefault("state", {})["web_session"] = secret
    return services.sessions.actor(secret, source(scope))


def current_user(request: Request) -> Actor:
    """The signed-in user of a page; SignInRequired without one (or with an ended one)."""
    state: dict[str, Any] = request.scope.setdefault("state", {})
    actor = state.get("actor")
    if not isinstance(actor, Actor) or actor.credential != "session":
        raise SignInRequired("Sign in to use the dashboard", "sign in again")
    return actor


def csrf_token(request: Request) -> str:
    """The token the forms of this page carry: of the session, or before sign-in of the
    login cookie (set by the sign-in page)."""
    secret = request.scope.get("state", {}).get("web_session")
    if secret is not None:
        return csrf_token_for(secret)
    login_secret = request.scope.get("state", {}).get("web_login_secret") or cookie_value(
        request.scope, LOGIN_COOKIE
    )
    return csrf_token_for(login_secret) if login_secret else ""


def check_csrf(request: Request, sent: str | None) -> None:
    """403 unless a posted form carries the CSRF token of the session (or, for sign-in,
    of the login cookie)."""
    secret = request.scope.get("state", {}).get("web_session") or cookie_value(
        request.scope, LOGIN_COOKIE
    )
    if secret is None or not csrf_matches(secret, sent):
        raise CsrfFailed(
            "The form is out of date or did not come from this site",
            "reload the page and send the form again",
        )


def new_login_secret(request: Request) -> str:
    """The sign-in page's pre-session secret: the one the browser has, else a new one."""
    secret = cookie_value(request.scope, LOGIN_COOKIE) or secrets.token_urlsafe(24)
    request.scope.setdefault("state", {})["web_login_secret"] = secret
    return secret


def set_cookie(request: Request, response: Response, name: str, value: str, max_age: int) -> None:
    response.set_cookie(
        name,
        value,
        max_age=max_age,
        path="/app",
        httponly=True,
        samesite="lax",
        secure=request.url.scheme == "https",
    )
