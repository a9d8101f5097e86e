"""/admin/dependencies/{model}/{field}: administrators set or remove a picklist
dependency."""

from __future__ import annotations

from starlette.requests import Request
from starlette.routing import Route

from amity.api.context import require_actor, run_write, services
from amity.api.params import read_json
from amity.api.responses import JSONResponse


async def put_dependency(request: Request) -> JSONResponse:
    actor = require_actor(request)
    svc = services(request)
    body = await read_json(request)
    p = request.path_params
    saved = await run_write(request, lambda: svc.picklists.put(actor, p["model"], p["field"], body))
    return JSONResponse({"record": saved})


async def remove_dependency(request: Request) -> JSONResponse:
    actor = require_actor(request)
    svc = services(request)
    p = request.path_params
    await run_write(request, lambda: svc.picklists.remove(actor, p["model"], p["field"]))
    return JSONResponse({"result": True})


routes = [
    Route("/admin/dependencies/{model}/{field}", put_dependency, methods=["PUT"]),
    Route("/admin/dependencies/{model}/{field}", remove_dependency, methods=["DELETE"]),
]
