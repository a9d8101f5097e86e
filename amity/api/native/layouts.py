"""/layouts/list_view/{model}: a user's list view choices (layout, filters, paging,
order), kept per user."""

from __future__ import annotations

from starlette.requests import Request
from starlette.routing import Route

from amity.api.context import require_actor, run_write, services
from amity.api.params import read_json
from amity.api.responses import JSONResponse
from amity.errors import Forbidden


async def get_list_choice(request: Request) -> JSONResponse:
    actor = require_actor(request)
    if actor.is_contact:
        raise Forbidden("Portal contacts have no list view choices")
    return JSONResponse(services(request).layouts.list_choice(actor, request.path_params["model"]))


async def set_list_choice(request: Request) -> JSONResponse:
    """Keep the user's list view layout, filter layout and values, paging and order."""
    actor = require_actor(request)
    svc = services(request)
    body = await read_json(request)
    name = request.path_params["model"]
    choice = await run_write(request, lambda: svc.layouts.set_list_choice(actor, name, body))
    return JSONResponse(choice)


routes = [
    Route("/layouts/list_view/{model}", get_list_choice, methods=["GET"]),
    Route("/layouts/list_view/{model}", set_list_choice, methods=["POST", "PATCH", "PUT"]),
]
