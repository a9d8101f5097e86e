"""/data: records, related records, linked records and favorites."""

from __future__ import annotations

from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from amity.api.authn import first_header
from amity.api.context import require_actor, run_write, services
from amity.api.etags import etag, expected, none_match
from amity.api.native.listing import list_query, query_params
from amity.api.params import (
    bool_param,
    list_param,
    read_json,
)
from amity.api.responses import JSONResponse
from amity.core.favorites import toggle_favorite
from amity.errors import BadRequest


def done(_: object) -> JSONResponse:
    """The answer of a write that succeeded (rendered inside it: run_write's respond)."""
    return JSONResponse({"result": True})


async def list_records(request: Request) -> JSONResponse:
    actor = require_actor(request)
    model = request.path_params["model"]
    page = services(request).records.list_records(actor, model, list_query(request, actor, model))
    return JSONResponse(page.as_json())


async def create_record(request: Request) -> JSONResponse:
    actor = require_actor(request)
    payload = await read_json(request)
    if "data" not in payload:
        raise BadRequest("Missing data", 'send {"data": {field: value, ...}}')
    records = services(request).records
    model = request.path_params["model"]
    return await run_write(
        request,
        lambda: records.create(actor, model, payload["data"]),
        records.write_keys(model, None, payload["data"]),
        respond=lambda record_id: JSONResponse({"id": record_id}),
    )


async def get_record(request: Request) -> Response:
    actor = require_actor(request)
    fields = list_param(query_params(request, "get"), "fields")
    model, record_id = request.path_params["model"], request.path_params["id"]
    record, version = services(request).records.get_versioned(actor, model, record_id, fields)
    tag = etag(model, record_id, version)
    if none_match(first_header(request.scope, b"if-none-match"), tag):
        return Response(status_code=304, headers={"ETag": tag})
    return JSONResponse({"record": record}, headers={"ETag": tag})


async def update_record(request: Request) -> JSONResponse:
    actor = require_actor(request)
    payload = await read_json(request)
    if "data" not in payload:
        raise BadRequest("Missing data", 'send {"data": {field: value, ...}}')
    create = payload.get("create", False)
    if not isinstance(create, bool):
        try:
            create = bool_param({"create": create}, "create")
        except BadRequest:
            raise BadRequest("create must be true or false") from None
    records = services(request).records
    model, record_id = request.path_params["model"], request.path_params["id"]
    if_match = expected(request.headers.get("if-match"), model, record_id)
    return await run_write(
        request,
        lambda: records.update(actor, model, record_id, payload["data"], create, if_match),
        records.write_keys(model, record_id, payload["data"]),
        respond=lambda version: JSONResponse(
            {"result": True}, headers={"ETag": etag(model, record_id, version)}
        ),
    )


async def delete_record(request: Request) -> JSONResponse:
    actor = require_actor(request)
    records = services(request).records
    model, record_id = request.path_params["model"], request.path_params["id"]
    if_match = expected(request.headers.get("if-match"), model, record_id)
    return await run_write(
        request,
        lambda: records.delete(actor, model, record_id, if_match),
        records.write_keys(model, record_id),
        respond=done,
    )


async def list_related(request: Request) -> JSONResponse:
    actor = require_actor(request)
    p = request.path_params
    relations = services(request).relations
    q = list_query(request, actor, relations.target(p["model"], p["link"]), "related")
    page = relations.list_related(actor, p["model"], p["id"], p["link"], q)
    return JSONResponse(page.as_json())


async def add_related(request: Request) -> JSONResponse:
    actor = require_actor(request)
    payload = await read_json(request)
    p = request.path_params
    relations = services(request).relations
    keys = services(request).records.write_keys(p["model"], p["id"])
    return await run_write(
        request,
        lambda: relations.add_related(
            actor,
            p["model"],
            p["id"],
            p["link"],
            payload.get("records"),
            payload.get("records_with_data"),
        ),
        keys,
        respond=done,
    )


async def remove_related(request: Request) -> JSONResponse:
    actor = require_actor(request)
    p = request.path_params
    relations = services(request).relations
    keys = services(request).records.write_keys(p["model"], p["id"])
    return await run_write(
        request,
        lambda: relations.remove_related(actor, p["model"], p["id"], p["link"], p["rel_id"]),
        keys,
        respond=done,
    )


async def linked_records(request: Request) -> JSONResponse:
    actor = require_actor(request)
    p = request.path_params
    relations = services(request).relations
    q = list_query(request, actor, relations.target(p["model"], p["link"]), "linked")
    page = relations.list_linked(actor, p["model"], p["link"], q)
    return JSONResponse(page.as_json())


async def favorite(request: Request) -> JSONResponse:
    actor = require_actor(request)
    p = request.path_params
    records = services(request).records
    return await run_write(
        request,
        lambda: toggle_favorite(records, actor, p["model"], p["id"]),
        respond=lambda status: JSONResponse({"status": status}),
    )


async def erase_personal(request: Request) -> JSONResponse:
    """GDPR erasure of named fields of one record (amity/core/erasure.py)."""
    actor = require_actor(request)
    payload = await read_json(request)
    data = payload.get("data")
    if not isinstance(data, dict) or "fields" not in data:
        raise BadRequest("Missing data", 'send {"data": {"fields": "email1,phone_work"}}')
    p = request.path_params
    personal = services(request).personal
    keys = services(request).records.write_keys(p["model"], p["id"])
    return await run_write(
        request,
        lambda: personal.erase(actor, p["model"], p["id"], data["fields"]),
        keys,
        respond=done,
    )


# Routes are tried in order: the busiest come first. Favorites and erasure must stay ahead
# of the related-records POST, which has the same shape.
routes = [
    Route("/data/{model}/{id}", get_record, methods=["GET"]),
    Route("/data/{model}", list_records, methods=["GET"]),
    Route("/data/{model}", create_record, methods=["POST"]),
    Route("/data/favorites/{model}/{id}", favorite, methods=["POST"]),
    Route("/data/erase_personal/{model}/{id}", erase_personal, methods=["POST", "PATCH"]),
    Route("/data/link/{model}/linked-records/{link}", linked_records, methods=["GET"]),
    Route("/data/{model}/{id}", update_record, methods=["PATCH", "PUT"]),
    Route("/data/{model}/{id}", delete_record, methods=["DELETE"]),
    Route("/data/{model}/{id}/{link}", list_related, methods=["GET"]),
    Route("/data/{model}/{id}/{link}", add_related, methods=["POST"]),
    Route("/data/{model}/{id}/{link}/{rel_id}", remove_related, methods=["DELETE"]),
]
