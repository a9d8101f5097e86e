"""/admin/layouts/{model}/{view}[/{name}]: administrators list, change and reset a
model's layouts."""

from __future__ import annotations

from starlette.requests import Request
from starlette.routing import Route

from amity.api.context import require_actor, run_write, services
from amity.api.params import read_json
from amity.api.responses import JSONResponse


async def admin_layouts(request: Request) -> JSONResponse:
    actor = require_actor(request)
    p = request.path_params
    layouts = services(request).layouts.admin_layouts(actor, p["model"], p["view"])
    return JSONResponse({"records": list(layouts.values())})


async def admin_put_layout(request: Request) -> JSONResponse:
    actor = require_actor(request)
    svc = services(request)
    body = await read_json(request)
    p = request.path_params
    saved = await run_write(
        request, lambda: svc.layouts.put(actor, p["model"], p["view"], p["name"], body)
    )
    return JSONResponse({"record": saved})


async def admin_reset_layout(request: Request) -> JSONResponse:
    actor = require_actor(request)
    svc = services(request)
    p = request.path_params
    await run_write(request, lambda: svc.layouts.reset(actor, p["model"], p["view"], p["name"]))
    return JSONResponse({"result": True})


routes = [
    Route("/admin/layouts/{model}/{view}", admin_layouts, methods=["GET"]),
    Route("/admin/layouts/{model}/{view}/{name}", admin_put_layout, methods=["PUT"]),
    Route("/admin/layouts/{model}/{view}/{name}", admin_reset_layout, methods=["DELETE"]),
]
