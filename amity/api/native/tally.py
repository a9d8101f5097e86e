"""/tally: tally objects (quotes, orders, invoices, ...) read and written whole, and
converted from one kind into the next."""

from __future__ import annotations

from starlette.requests import Request
from starlette.routing import Route

from amity.api.context import require_actor, run_write, services
from amity.api.native.listing import query_params
from amity.api.params import list_param, read_json
from amity.api.responses import JSONResponse
from amity.errors import BadRequest


async def get_tally(request: Request) -> JSONResponse:
    actor = require_actor(request)
    fields = list_param(query_params(request), "fields")
    model, record_id = request.path_params["model"], request.path_params["id"]
    return JSONResponse(services(request).tally.get(actor, model, record_id, fields))


async def create_tally(request: Request) -> JSONResponse:
    actor = require_actor(request)
    body = await read_json(request)
    svc = services(request)
    model = request.path_params["model"]
    return await run_write(
        request,
        lambda: svc.tally.save(actor, model, None, body),
        svc.records.write_keys(model, None),
        respond=lambda record_id: JSONResponse(
            {"id": record_id, **svc.tally.get(actor, model, record_id)}
        ),
    )


async def replace_tally(request: Request) -> JSONResponse:
    actor = require_actor(request)
    body = await read_json(request)
    svc = services(request)
    model, record_id = request.path_params["model"], request.path_params["id"]
    return await run_write(
        request,
        lambda: svc.tally.save(actor, model, record_id, body),
        svc.records.write_keys(model, record_id),
        respond=lambda saved: JSONResponse({"id": saved, **svc.tally.get(actor, model, saved)}),
    )


async def convert_tally(request: Request) -> JSONResponse:
    actor = require_actor(request)
    target = (await read_json(request)).get("to")
    if target is not None and not isinstance(target, str):
        raise BadRequest("to must be a model name", 'e.g. {"to": "Invoice"}')
    svc = services(request)
    model, record_id = request.path_params["model"], request.path_params["id"]
    return await run_write(
        request,
        lambda: svc.tally.convert(actor, model, record_id, target),
        svc.records.write_keys(model, record_id),
        respond=lambda made: JSONResponse({"model": made[0], "id": made[1]}),
    )


routes = [
    Route("/tally/{model}/{id}", get_tally, methods=["GET"]),
    Route("/tally/{model}", create_tally, methods=["POST"]),
    Route("/tally/{model}/{id}", replace_tally, methods=["PUT"]),
    Route("/tally/{model}/{id}/convert", convert_tally, methods=["POST"]),
]
