"""/admin/fields/{model}: administrators list, add, change and remove custom fields.

The work (DDL, index builds) runs in a worker thread: the event loop keeps serving
other requests meanwhile.
"""

from __future__ import annotations

from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.routing import Route

from amity.api.context import require_actor, services
from amity.api.params import read_json
from amity.api.responses import JSONResponse
from amity.core.actor import ensure_admin


async def list_fields(request: Request) -> JSONResponse:
    actor = require_actor(request)
    fields = services(request).fields
    return JSONResponse({"records": fields.list(actor, request.path_params["model"])})


async def get_field(request: Request) -> JSONResponse:
    actor = require_actor(request)
    p = request.path_params
    return JSONResponse({"record": services(request).fields.get(actor, p["model"], p["name"])})


async def add_field(request: Request) -> JSONResponse:
    actor = require_actor(request)
    svc = services(request)
    ensure_admin(actor, "custom fields")
    body = await read_json(request)
    record = await run_in_threadpool(svc.fields.add, actor, request.path_params["model"], body)
    return JSONResponse({"record": record})


async def change_field(request: Request) -> JSONResponse:
    actor = require_actor(request)
    svc = services(request)
    ensure_admin(actor, "custom fields")
    body = await read_json(request)
    p = request.path_params
    record = await run_in_threadpool(svc.fields.change, actor, p["model"], p["name"], body)
    return JSONResponse({"record": record})


async def remove_field(request: Request) -> JSONResponse:
    actor = require_actor(request)
    p = request.path_params
    await run_in_threadpool(services(request).fields.remove, actor, p["model"], p["name"])
    return JSONResponse({"result": True})


routes = [
    Route("/admin/fields/{model}", list_fields, methods=["GET"]),
    Route("/admin/fields/{model}", add_field, methods=["POST"]),
    Route("/admin/fields/{model}/{name}", get_field, methods=["GET"]),
    Route("/admin/fields/{model}/{name}", change_field, methods=["PATCH", "PUT"]),
    Route("/admin/fields/{model}/{name}", remove_field, methods=["DELETE"]),
]
