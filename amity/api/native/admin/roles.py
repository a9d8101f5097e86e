"""/admin/roles: administrators manage roles, their rights per model, and which users
have them."""

from __future__ import annotations

from typing import Any

from starlette.requests import Request
from starlette.routing import Route

from amity.api.context import require_actor, run_write, services
from amity.api.params import read_json
from amity.api.responses import JSONResponse
from amity.core.actor import Actor, ensure_admin
from amity.core.roles import AccessAdmin
from amity.errors import BadRequest, NotFound


def admin_of(request: Request) -> tuple[Actor, AccessAdmin]:
    """The acting administrator (403 for others) and the roles service."""
    actor = require_actor(request)
    acl = services(request).acl
    ensure_admin(actor, "roles and teams")
    return actor, acl


async def body(request: Request, allowed: tuple[str, ...]) -> dict[str, Any]:
    payload = await read_json(request)
    unknown = sorted(set(payload) - set(allowed))
    if unknown:
        raise BadRequest(
            "Unknown key {value!r}",
            "known: {allowed}",
            value=unknown[0],
            allowed=", ".join(allowed),
        )
    return payload


# -- roles --------------------------------------------------------------------------------
async def list_roles(request: Request) -> JSONResponse:
    actor, acl = admin_of(request)
    return JSONResponse({"records": acl.list_roles(actor)})


async def add_role(request: Request) -> JSONResponse:
    actor, acl = admin_of(request)
    p = await body(request, ("name", "description", "rights"))
    role = await run_write(
        request,
        lambda: acl.add_role(actor, p.get("name"), p.get("description", ""), p.get("rights")),
    )
    return JSONResponse({"record": role})


async def get_role(request: Request) -> JSONResponse:
    actor, acl = admin_of(request)
    return JSONResponse({"record": acl.get_role(actor, request.path_params["role"])})


async def update_role(request: Request) -> JSONResponse:
    actor, acl = admin_of(request)
    p = await body(request, ("description", "rights"))
    role = await run_write(
        request,
        lambda: acl.update_role(
            actor, request.path_params["role"], p.get("description"), p.get("rights")
        ),
    )
    return JSONResponse({"record": role})


async def remove_role(request: Request) -> JSONResponse:
    actor, acl = admin_of(request)
    await run_write(request, lambda: acl.remove_role(actor, request.path_params["role"]))
    return JSONResponse({"result": True})


async def assign_role(request: Request) -> JSONResponse:
    actor, acl = admin_of(request)
    p = await body(request, ("users",))
    await run_write(
        request, lambda: acl.assign_role(actor, request.path_params["role"], p.get("users"))
    )
    return JSONResponse({"record": acl.get_role(actor, request.path_params["role"])})


async def unassign_role(request: Request) -> JSONResponse:
    actor, acl = admin_of(request)
    name, user = request.path_params["role"], request.path_params["user"]
    role = acl.get_role(actor, name)
    if user not in role["users"]:
        raise NotFound("User {user} does not have role {name}", user=user, name=name)
    await run_write(request, lambda: acl.assign_role(actor, None, [user]))
    return JSONResponse({"result": True})


routes = [
    Route("/admin/roles", list_roles, methods=["GET"]),
    Route("/admin/roles", add_role, methods=["POST"]),
    Route("/admin/roles/{role}", get_role, methods=["GET"]),
    Route("/admin/roles/{role}", update_role, methods=["PATCH"]),
    Route("/admin/roles/{role}", remove_role, methods=["DELETE"]),
    Route("/admin/roles/{role}/users", assign_role, methods=["POST"]),
    Route("/admin/roles/{role}/users/{user}", unassign_role, methods=["DELETE"]),
]
