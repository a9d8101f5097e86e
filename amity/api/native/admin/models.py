"""/admin/models: administrators list, define, change and remove custom models.

Defining a model runs DDL (CREATE TABLE): the work runs in a worker thread, so the event
loop keeps serving other requests meanwhile.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.routing import Route

from amity.api.context import require_actor, services
from amity.api.params import bool_param, parse_query, read_json
from amity.api.responses import JSONResponse
from amity.core.actor import Actor, ensure_admin
from amity.core.custommodels import CustomModels

Change = Callable[[CustomModels, Actor, str, Any], dict[str, Any]]


async def list_models(request: Request) -> JSONResponse:
    actor = require_actor(request)
    removed = bool_param(parse_query(request.scope["query_string"]), "include_removed")
    return JSONResponse({"records": services(request).models.list(actor, removed)})


async def get_model(request: Request) -> JSONResponse:
    actor = require_actor(request)
    return JSONResponse(
        {"record": services(request).models.get(actor, request.path_params["model"])}
    )


async def create_model(request: Request) -> JSONResponse:
    actor = require_actor(request)
    svc = services(request)
    ensure_admin(actor, "custom models")
    body = await read_json(request)
    return JSONResponse({"record": await run_in_threadpool(svc.models.create, actor, body)})


async def change_model(request: Request) -> JSONResponse:
    return await _change(request, CustomModels.change)


async def add_link(request: Request) -> JSONResponse:
    return await _change(request, CustomModels.add_link)


async def _change(request: Request, operation: Change) -> JSONResponse:
    """Apply a change with a body (`change` or `add_link`) to the model in the path."""
    actor = require_actor(request)
    svc = services(request)
    ensure_admin(actor, "custom models")
    body = await read_json(request)
    record = await run_in_threadpool(
        operation, svc.models, actor, request.path_params["model"], body
    )
    return JSONResponse({"record": record})


async def remove_link(request: Request) -> JSONResponse:
    actor = require_actor(request)
    record = await run_in_threadpool(
        services(request).models.remove_link,
        actor,
        request.path_params["model"],
        request.path_params["name"],
    )
    return JSONResponse({"record": record})


async def restore_model(request: Request) -> JSONResponse:
    actor = require_actor(request)
    record = await run_in_threadpool(
        services(request).models.restore, actor, request.path_params["model"]
    )
    return JSONResponse({"record": record})


async def remove_model(request: Request) -> JSONResponse:
    actor = require_actor(request)
    await run_in_threadpool(services(request).models.remove, actor, request.path_params["model"])
    return JSONResponse({"result": True})


routes = [
    Route("/admin/models", list_models, methods=["GET"]),
    Route("/admin/models", create_model, methods=["POST"]),
    Route("/admin/models/{model}", get_model, methods=["GET"]),
    Route("/admin/models/{model}", change_model, methods=["PATCH", "PUT"]),
    Route("/admin/models/{model}", remove_model, methods=["DELETE"]),
    Route("/admin/models/{model}/restore", restore_model, methods=["POST"]),
    Route("/admin/models/{model}/links", add_link, methods=["POST"]),
    Route("/admin/models/{model}/links/{name}", remove_link, methods=["DELETE"]),
]
