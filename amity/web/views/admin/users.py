"""Users in the admin console: the list, adding one (a generated password is shown once),
deactivating and activating, a new password, and the role. The same core services as
`amity user ...` and the 1CRM admin API: the core keeps its rules (a user name is taken
once, the password policy, the last active administrator stays)."""

from __future__ import annotations

from typing import Any
from urllib.parse import quote

from starlette.requests import Request
from starlette.responses import RedirectResponse, Response

from amity.api.context import run_write, services
from amity.core.auth.passwords import generate_password
from amity.errors import AmityError
from amity.web.views.admin.common import admin_actor, field, message, page, posted, status_of

WHAT = "users"
ADD_FIELDS = ("user_name", "first_name", "last_name", "email1")


def _roles_by_user(request: Request) -> dict[str, str]:
    actor = admin_actor(request, WHAT)
    out: dict[str, str] = {}
    for role in services(request).acl.list_roles(actor):
        for user_name in role["users"]:
            out[user_name] = role["name"]
    return out


def _list_page(
    request: Request,
    *,
    values: dict[str, Any] | None = None,
    error: str = "",
    status: int = 200,
    created: dict[str, str] | None = None,
) -> Response:
    admin_actor(request, WHAT)
    users = services(request).auth.list_users()
    return page(
        request,
        "admin/users.html",
        status=status,
        users=sorted(users, key=lambda u: str(u["user_name"]).lower()),
        roles=_roles_by_user(request),
        values=values or {},
        error=error,
        created=created,
    )


async def users_page(request: Request) -> Response:
    """GET /app/admin/users: every user, and the form to add one."""
    return _list_page(request)


async def add_user(request: Request) -> Response:
    """POST /app/admin/users: a new user; without a password, a generated one shown once."""
    actor, form = await posted(request, WHAT)
    values: dict[str, Any] = {name: field(form, name, 255) for name in ADD_FIELDS}
    values["is_admin"] = "is_admin" in form
    typed = field(form, "password", 200)
    password = typed or generate_password()
    svc = services(request)
    try:
        await run_write(
            request,
            lambda: svc.auth.add_user(
                actor,
                values["user_name"],
                password,
                admin=bool(values["is_admin"]),
                first_name=values["first_name"],
                last_name=values["last_name"] or None,
                email=values["email1"] or None,
            ),
        )
    except AmityError as exc:
        return _list_page(
            request, values=values, error=message(request, exc), status=status_of(exc)
        )
    created = {"user_name": values["user_name"], "password": "" if typed else password}
    return _list_page(request, created=created)


def _user_page(
    request: Request,
    user_name: str,
    *,
    error: str = "",
    status: int = 200,
    done: str = "",
    password: str = "",
) -> Response:
    actor = admin_actor(request, WHAT)
    svc = services(request)
    user = svc.auth.user_by_name(user_name)  # 404 for an unknown name
    role, teams = svc.acl.role_and_teams(str(user["id"]))
    return page(
        request,
        "admin/user.html",
        status=status,
        account=user,
        role=role,
        teams=teams,
        roles=[r["name"] for r in svc.acl.list_roles(actor)],
        error=error,
        done=done,
        password=password,
    )


async def user_page(request: Request) -> Response:
    """GET /app/admin/users/{user}: one user: status, password, role."""
    return _user_page(request, request.path_params["user"])


async def set_active(request: Request) -> Response:
    """POST /app/admin/users/{user}/active: active=1 activates, else deactivates."""
    actor, form = await posted(request, WHAT)
    user_name = request.path_params["user"]
    svc = services(request)
    svc.auth.user_by_name(user_name)
    active = field(form, "active") == "1"
    try:
        await run_write(request, lambda: svc.auth.set_active(actor, user_name, active))
    except AmityError as exc:
        return _user_page(request, user_name, error=message(request, exc), status=status_of(exc))
    return RedirectResponse(user_url(user_name), status_code=303)


async def reset_password(request: Request) -> Response:
    """POST /app/admin/users/{user}/password: the password given, or a generated one
    (shown once)."""
    actor, form = await posted(request, WHAT)
    user_name = request.path_params["user"]
    svc = services(request)
    user = svc.auth.user_by_name(user_name)
    typed = field(form, "password", 200)
    password = typed or generate_password()
    try:
        await run_write(
            request, lambda: svc.auth.set_password(str(user["id"]), password, actor=actor)
        )
    except AmityError as exc:
        return _user_page(request, user_name, error=message(request, exc), status=status_of(exc))
    return _user_page(request, user_name, done="password", password="" if typed else password)


async def set_role(request: Request) -> Response:
    """POST /app/admin/users/{user}/role: the role (empty: none, the default applies)."""
    actor, form = await posted(request, WHAT)
    user_name = request.path_params["user"]
    svc = services(request)
    svc.auth.user_by_name(user_name)
    role = field(form, "role") or None
    try:
        await run_write(request, lambda: svc.acl.assign_role(actor, role, [user_name]))
    except AmityError as exc:
        return _user_page(request, user_name, error=message(request, exc), status=status_of(exc))
    return RedirectResponse(user_url(user_name), status_code=303)


def user_url(user_name: str) -> str:
    return "/app/admin/users/" + quote(user_name, safe="")
