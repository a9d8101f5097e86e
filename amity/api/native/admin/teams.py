"""/admin/teams: administrators manage teams and their members (members share the
records assigned to any of them)."""

from __future__ import annotations

from starlette.requests import Request
from starlette.routing import Route

from amity.api.context import run_write
from amity.api.native.admin.roles import admin_of, body
from amity.api.responses import JSONResponse


# -- teams --------------------------------------------------------------------------------
async def list_teams(request: Request) -> JSONResponse:
    actor, acl = admin_of(request)
    return JSONResponse({"records": acl.list_teams(actor)})


async def add_team(request: Request) -> JSONResponse:
    actor, acl = admin_of(request)
    p = await body(request, ("name", "description", "members"))
    team = await run_write(
        request,
        lambda: acl.add_team(actor, p.get("name"), p.get("description", ""), p.get("members")),
    )
    return JSONResponse({"record": team})


async def get_team(request: Request) -> JSONResponse:
    actor, acl = admin_of(request)
    return JSONResponse({"record": acl.get_team(actor, request.path_params["team"])})


async def remove_team(request: Request) -> JSONResponse:
    actor, acl = admin_of(request)
    await run_write(request, lambda: acl.remove_team(actor, request.path_params["team"]))
    return JSONResponse({"result": True})


async def add_members(request: Request) -> JSONResponse:
    actor, acl = admin_of(request)
    p = await body(request, ("users",))
    team = await run_write(
        request, lambda: acl.add_members(actor, request.path_params["team"], p.get("users"))
    )
    return JSONResponse({"record": team})


async def remove_member(request: Request) -> JSONResponse:
    actor, acl = admin_of(request)
    p = request.path_params
    await run_write(request, lambda: acl.remove_member(actor, p["team"], p["user"]))
    return JSONResponse({"result": True})


routes = [
    Route("/admin/teams", list_teams, methods=["GET"]),
    Route("/admin/teams", add_team, methods=["POST"]),
    Route("/admin/teams/{team}", get_team, methods=["GET"]),
    Route("/admin/teams/{team}", remove_team, methods=["DELETE"]),
    Route("/admin/teams/{team}/members", add_members, methods=["POST"]),
    Route("/admin/teams/{team}/members/{user}", remove_member, methods=["DELETE"]),
]
