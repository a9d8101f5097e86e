"""Roles with their rights per model (a grid: model x access, read, edit, delete) and
teams with their members, through the core's AccessAdmin (the CLI's and /admin/roles')."""

from __future__ import annotations

from typing import Any
from urllib.parse import quote

from starlette.datastructures import FormData
from starlette.requests import Request
from starlette.responses import RedirectResponse, Response

from amity.api.context import run_write, services
from amity.core.acl import ANY_MODEL, RIGHTS
from amity.errors import AmityError
from amity.schema.model import Model
from amity.web.models import in_menu
from amity.web.views.admin.common import admin_actor, field, message, page, posted, status_of

WHAT = "roles and teams"
KINDS = ("read", "edit", "delete")


def grid_models(request: Request) -> list[Model]:
    """The models of the rights grid: the CRM's record types, by label."""
    models = [m for m in services(request).records.registry.models.values() if in_menu(m)]
    return sorted(models, key=lambda m: (m.label or m.name).lower())


def _user_names(request: Request) -> list[str]:
    return sorted((str(u["user_name"]) for u in services(request).auth.list_users()), key=str.lower)


# -- roles --------------------------------------------------------------------------------
def _roles_page(
    request: Request, *, values: dict[str, str] | None = None, error: str = "", status: int = 200
) -> Response:
    actor = admin_actor(request, WHAT)
    return page(
        request,
        "admin/roles.html",
        status=status,
        roles=services(request).acl.list_roles(actor),
        values=values or {},
        error=error,
    )


async def roles_page(request: Request) -> Response:
    """GET /app/admin/roles: the roles and the form to add one."""
    return _roles_page(request)


async def add_role(request: Request) -> Response:
    """POST /app/admin/roles: a new role (with no rights until they are set)."""
    actor, form = await posted(request, WHAT)
    values = {"name": field(form, "name", 200), "description": field(form, "description", 1000)}
    acl = services(request).acl
    try:
        role = await run_write(
            request, lambda: acl.add_role(actor, values["name"], values["description"])
        )
    except AmityError as exc:
        return _roles_page(
            request, values=values, error=message(request, exc), status=status_of(exc)
        )
    return RedirectResponse(role_url(role["name"]), status_code=303)


def _role_page(
    request: Request, name: str, *, error: str = "", status: int = 200, saved: bool = False
) -> Response:
    actor = admin_actor(request, WHAT)
    role = services(request).acl.get_role(actor, name)  # 404 for an unknown role
    rights = role["rights"]
    rows: list[tuple[str, Model | None, dict[str, Any], bool]] = [
        (ANY_MODEL, None, rights[ANY_MODEL], True)
    ]
    for model in grid_models(request):
        own = model.name in rights
        rows.append((model.name, model, rights.get(model.name, rights[ANY_MODEL]), own))
    return page(
        request,
        "admin/role.html",
        status=status,
        role=role,
        rows=rows,
        kinds=KINDS,
        choices=RIGHTS,
        users=_user_names(request),
        error=error,
        saved=saved,
    )


async def role_page(request: Request) -> Response:
    """GET /app/admin/roles/{role}: its rights grid and its users."""
    return _role_page(request, request.path_params["role"])


def posted_rights(
    form: FormData, models: list[str], current: dict[str, dict[str, Any]]
) -> dict[str, dict[str, Any]]:
    """The grid as the core takes rights: `*` and every model with rights of its own, and
    any model whose row now differs from what it had (its own entry, else `*`'s)."""
    out: dict[str, dict[str, Any]] = {}
    for name in [ANY_MODEL, *models]:
        if not any(f"{name}.{kind}" in form for kind in KINDS):
            continue  # not in the form: unchanged
        before = current.get(name, current[ANY_MODEL])
        row: dict[str, Any] = {"access": f"{name}.access" in form}
        for kind in KINDS:
            row[kind] = str(form.get(f"{name}.{kind}", before[kind]))
        if name == ANY_MODEL or name in current or row != before:
            out[name] = row
    return out


async def save_role(request: Request) -> Response:
    """POST /app/admin/roles/{role}: the description and the rights grid."""
    actor, form = await posted(request, WHAT)
    name = request.path_params["role"]
    acl = services(request).acl
    role = acl.get_role(actor, name)
    rights = posted_rights(form, [m.name for m in grid_models(request)], role["rights"])
    description = field(form, "description", 1000)
    try:
        await run_write(request, lambda: acl.update_role(actor, name, description, rights))
    except AmityError as exc:
        return _role_page(request, name, error=message(request, exc), status=status_of(exc))
    return _role_page(request, name, saved=True)


async def assign_role(request: Request) -> Response:
    """POST /app/admin/roles/{role}/users: give a user this role."""
    actor, form = await posted(request, WHAT)
    name = request.path_params["role"]
    acl = services(request).acl
    acl.get_role(actor, name)
    user_name = field(form, "user_name", 200)
    try:
        await run_write(request, lambda: acl.assign_role(actor, name, [user_name]))
    except AmityError as exc:
        return _role_page(request, name, error=message(request, exc), status=status_of(exc))
    return RedirectResponse(role_url(name), status_code=303)


async def remove_role(request: Request) -> Response:
    """POST /app/admin/roles/{role}/delete: its users fall back to the default role."""
    actor, _ = await posted(request, WHAT)
    name = request.path_params["role"]
    acl = services(request).acl
    await run_write(request, lambda: acl.remove_role(actor, name))
    return RedirectResponse("/app/admin/roles", status_code=303)


def role_url(name: str) -> str:
    return "/app/admin/roles/" + quote(name, safe="")


# -- teams --------------------------------------------------------------------------------
def _teams_page(
    request: Request,
    *,
    values: dict[str, Any] | None = None,
    error: str = "",
    status: int = 200,
) -> Response:
    actor = admin_actor(request, WHAT)
    return page(
        request,
        "admin/teams.html",
        status=status,
        teams=services(request).acl.list_teams(actor),
        users=_user_names(request),
        values=values or {"members": []},
        error=error,
    )


async def teams_page(request: Request) -> Response:
    """GET /app/admin/teams: the teams and the form to add one."""
    return _teams_page(request)


async def add_team(request: Request) -> Response:
    """POST /app/admin/teams: a new team with its first members."""
    actor, form = await posted(request, WHAT)
    members = [str(v) for v in form.getlist("members") if str(v)]
    values: dict[str, Any] = {
        "name": field(form, "name", 200),
        "description": field(form, "description", 1000),
        "members": members,
    }
    acl = services(request).acl
    try:
        team = await run_write(
            request,
            lambda: acl.add_team(actor, values["name"], values["description"], members),
        )
    except AmityError as exc:
        return _teams_page(
            request, values=values, error=message(request, exc), status=status_of(exc)
        )
    return RedirectResponse(team_url(team["name"]), status_code=303)


def _team_page(request: Request, name: str, *, error: str = "", status: int = 200) -> Response:
    actor = admin_actor(request, WHAT)
    team = services(request).acl.get_team(actor, name)  # 404 for an unknown team
    return page(
        request,
        "admin/team.html",
        status=status,
        team=team,
        users=[u for u in _user_names(request) if u not in team["members"]],
        error=error,
    )


async def team_page(request: Request) -> Response:
    """GET /app/admin/teams/{team}: its members."""
    return _team_page(request, request.path_params["team"])


async def add_members(request: Request) -> Response:
    """POST /app/admin/teams/{team}/members: add the chosen users."""
    actor, form = await posted(request, WHAT)
    name = request.path_params["team"]
    acl = services(request).acl
    acl.get_team(actor, name)
    members = [str(v) for v in form.getlist("members") if str(v)]
    try:
        await run_write(request, lambda: acl.add_members(actor, name, members))
    except AmityError as exc:
        return _team_page(request, name, error=message(request, exc), status=status_of(exc))
    return RedirectResponse(team_url(name), status_code=303)


async def remove_member(request: Request) -> Response:
    """POST /app/admin/teams/{team}/members/{user}/delete: take a user out of the team."""
    actor, _ = await posted(request, WHAT)
    p = request.path_params
    acl = services(request).acl
    await run_write(request, lambda: acl.remove_member(actor, p["team"], p["user"]))
    return RedirectResponse(team_url(p["team"]), status_code=303)


async def remove_team(request: Request) -> Response:
    """POST /app/admin/teams/{team}/delete."""
    actor, _ = await posted(request, WHAT)
    name = request.path_params["team"]
    acl = services(request).acl
    await run_write(request, lambda: acl.remove_team(actor, name))
    return RedirectResponse("/app/admin/teams", status_code=303)


def team_url(name: str) -> str:
    return "/app/admin/teams/" + quote(name, safe="")
