"""Picklist dependencies: /meta/dependencies/{model} for everyone who may see the model,
/admin/dependencies/{model}/{field} for administrators to set or remove one."""

from __future__ import annotations

from starlette.requests import Request
from starlette.routing import Route

from amity.api.context import require_actor, run_write, services
from amity.api.params import read_json
from amity.api.responses import JSONResponse


async def dependencies(request: Request) -> JSONResponse:
    """{"dependencies": {field: {"source": field, "map": {value: [allowed values]}}}}."""
    actor = require_actor(request)
    deps = services(request).picklists.describe(actor, request.path_params["model"])
    return JSONResponse({"dependencies": deps})


async def put_dependency(request: Request) -> JSONResponse:
    actor = require_actor(request)
    svc = services(request)
    body = await read_json(request)
    p = request.path_params
    saved = await run_write(request, lambda: svc.picklists.put(actor, p["model"], p["field"],
                                                               body))
    return JSONResponse({"record": saved})


async def remove_dependency(request: Request) -> JSONResponse:
    actor = require_actor(request)
    svc = services(request)
    p = request.path_params
    await run_write(request, lambda: svc.picklists.remove(actor, p["model"], p["field"]))
    return JSONResponse({"result": True})


routes = [
    Route("/meta/dependencies/{model}", dependencies, methods=["GET"]),
    Route("/admin/dependencies/{model}/{field}", put_dependency, methods=["PUT"]),
    Route("/admin/dependencies/{model}/{field}", remove_dependency, methods=["DELETE"]),
]
