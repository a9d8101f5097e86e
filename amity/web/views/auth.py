"""Signing in and out of the dashboard, and changing one's own password."""

from __future__ import annotations

from typing import Any

from starlette.requests import Request
from starlette.responses import RedirectResponse, Response

from amity.api.authn import mark_failed_secret
from amity.api.context import run_write, services
from amity.api.offload import run_password_check
from amity.errors import AmityError, Unauthorized
from amity.web.pages import Labels, render
from amity.web.session import (
    COOKIE,
    LOGIN_COOKIE,
    check_csrf,
    current_user,
    new_login_secret,
    set_cookie,
)

LOGIN_COOKIE_SECONDS = 3600
MAX_CREDENTIAL = 200


def safe_next(target: str | None) -> str:
    """Where to go after signing in: a dashboard page of this site, never another host."""
    if target and target.startswith("/app") and not target.startswith("//"):
        return target
    return "/app/"


async def login_page(request: Request) -> Response:
    """GET /app/login: the form (user_name, password)."""
    return _login(request, next_url=safe_next(request.query_params.get("next")))


def _login(
    request: Request, *, next_url: str, user_name: str = "", error: str = "", status: int = 200
) -> Response:
    secret = new_login_secret(request)
    response = render(
        request, "login.html", status=status, next_url=next_url, user_name=user_name, error=error
    )
    set_cookie(request, response, LOGIN_COOKIE, secret, LOGIN_COOKIE_SECONDS)
    return response


async def login(request: Request) -> Response:
    """POST /app/login: check the password (argon2, in a worker thread; a wrong one counts
    against the address's failed-login limit) and start a session."""
    form = await request.form()
    check_csrf(request, _text(form.get("csrf_token")))
    user_name, password = _text(form.get("user_name")), _text(form.get("password"))
    next_url = safe_next(_text(form.get("next")))
    if not user_name or not password or len(user_name) > MAX_CREDENTIAL:
        return _login(
            request,
            next_url=next_url,
            user_name=user_name[:MAX_CREDENTIAL],
            error=Labels(request).ui("Enter your user name and password."),
            status=400,
        )
    try:
        session = await run_password_check(
            services(request).sessions.start, user_name, password[:MAX_CREDENTIAL]
        )
    except Unauthorized:
        return _login(
            request,
            next_url=next_url,
            user_name=user_name,
            error=Labels(request).ui("Wrong user name or password."),
            status=401,
        )
    response = RedirectResponse(next_url, status_code=303)
    set_cookie(request, response, COOKIE, session.secret, session.expires_in)
    response.delete_cookie(LOGIN_COOKIE, path="/app")
    return response


async def logout(request: Request) -> Response:
    """POST /app/logout: end the session everywhere and forget the cookie."""
    form = await request.form()
    check_csrf(request, _text(form.get("csrf_token")))
    secret = request.scope.get("state", {}).get("web_session")
    if secret is not None:
        services(request).sessions.end(secret)
    response = RedirectResponse("/app/login", status_code=303)
    response.delete_cookie(COOKIE, path="/app")
    return response


async def password_page(request: Request) -> Response:
    """GET /app/password: change one's own password."""
    current_user(request)
    return render(request, "password.html", errors={}, done=False)


async def change_password(request: Request) -> Response:
    """POST /app/password: the current password, then the new one twice."""
    actor = current_user(request)
    form = await request.form()
    check_csrf(request, _text(form.get("csrf_token")))
    labels = Labels(request)
    current = _text(form.get("current_password"))
    new, again = _text(form.get("new_password")), _text(form.get("new_password_again"))
    svc = services(request)
    errors: dict[str, str] = {}
    try:
        await run_password_check(svc.auth.check_password, actor.user_name, current)
    except Unauthorized:
        mark_failed_secret(request.scope)
        errors["current_password"] = labels.ui("The current password is wrong.")
    if not errors and new != again:
        errors["new_password_again"] = labels.ui("The two new passwords differ.")
    if not errors:
        try:
            await run_write(request, lambda: svc.auth.set_password(actor.user_id, new, actor=actor))
        except AmityError as exc:
            errors["new_password"] = labels.message(exc.message_id, exc.params)
    if errors:
        return render(request, "password.html", status=400, errors=errors, done=False)
    return render(request, "password.html", errors={}, done=True)


def _text(value: Any) -> str:
    return value if isinstance(value, str) else ""
