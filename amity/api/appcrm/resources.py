"""/api/{resource} and /api/{resource}/{id}: every model (custom ones too) by its plural,
read and written with flat JSON through the records service (ACL, audit, events)."""

from __future__ import annotations

from typing import Any

from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from amity.api.appcrm.custom_fields import (
    Translated,
    field_ids,
    keyed_as_sent,
    read_payload,
    translate,
)
from amity.api.appcrm.listing import (
    check_params,
    order_keys,
    search_conditions,
    selected_fields,
    text_param,
)
from amity.api.appcrm.paging import envelope, page_request
from amity.api.appcrm.plurals import model_of
from amity.api.context import require_actor, run_write, services
from amity.api.freshness import retry_on_unknown_field
from amity.api.params import parse_query
from amity.api.responses import JSONResponse
from amity.core.records import ListQuery
from amity.errors import UnknownModel
from amity.schema.model import Model


def resource_model(request: Request) -> Model:
    """The model the path's resource names; 404 for a name no model has."""
    resource = request.path_params["resource"]
    model = model_of(services(request).records.registry, resource)
    if model is None:
        raise UnknownModel("No resource {resource}", resource=resource)
    return model


def list_url(request: Request) -> str:
    return str(request.url.replace(query=""))


async def index(request: Request) -> JSONResponse:
    actor = require_actor(request)
    model = resource_model(request)
    params = parse_query(request.scope["query_string"])
    records = services(request).records
    records.policy.check(actor, model, "list")  # a forbidden model: 403 before its 422s
    check_params(params)
    paging = page_request(params)
    query = ListQuery(
        fields=selected_fields(model, text_param(params, "select")),
        conditions=search_conditions(model, params),
        order=order_keys(model, text_param(params, "order")),
        offset=paging.offset,
        limit=paging.per_page,
    )
    page = records.list_records(actor, model.name, query)
    kept = [(k, v) for k, v in request.query_params.multi_items() if k not in ("page", "per_page")]
    return JSONResponse(envelope(page.records, page.total_results, paging, list_url(request), kept))


async def show(request: Request) -> JSONResponse:
    actor = require_actor(request)
    model = resource_model(request)
    record = services(request).records.get(actor, model.name, request.path_params["id"])
    return JSONResponse(record)


async def payload_of(request: Request, model: Model) -> Translated:
    """The body as field names and values (custom fields may be keyed by their id)."""
    payload = await read_payload(request)
    return translate(model, field_ids(services(request).metadata.definitions, model), payload)


async def store(request: Request) -> JSONResponse:
    actor = require_actor(request)
    model = resource_model(request)
    payload = await payload_of(request, model)
    records = services(request).records

    def create() -> dict[str, Any]:
        record_id = records.create(actor, model.name, payload.data)
        return records.get(actor, model.name, record_id)

    return await run_write(
        request,
        keyed_as_sent(payload.sent_as, create),
        records.write_keys(model.name, None, payload.data),
        respond=lambda record: JSONResponse(record, status_code=201),
    )


async def update(request: Request) -> JSONResponse:
    actor = require_actor(request)
    model = resource_model(request)
    record_id = request.path_params["id"]
    payload = await payload_of(request, model)
    records = services(request).records

    def write() -> dict[str, Any]:
        records.update(actor, model.name, record_id, payload.data)
        return records.get(actor, model.name, record_id)

    return await run_write(
        request,
        keyed_as_sent(payload.sent_as, write),
        records.write_keys(model.name, record_id, payload.data),
        respond=JSONResponse,
    )


async def destroy(request: Request) -> Response:
    actor = require_actor(request)
    model = resource_model(request)
    record_id = request.path_params["id"]
    records = services(request).records
    return await run_write(
        request,
        lambda: records.delete(actor, model.name, record_id),
        records.write_keys(model.name, record_id),
        respond=lambda _: Response(status_code=204),
    )


# a resource, field or field id that another worker has just added: once more, on the
# metadata re-read (as the 1CRM API does)
routes = [
    Route("/api/{resource}", retry_on_unknown_field(index), methods=["GET"]),
    Route("/api/{resource}", retry_on_unknown_field(store), methods=["POST"]),
    Route("/api/{resource}/{id}", retry_on_unknown_field(show), methods=["GET"]),
    Route("/api/{resource}/{id}", retry_on_unknown_field(update), methods=["PUT", "PATCH"]),
    Route("/api/{resource}/{id}", retry_on_unknown_field(destroy), methods=["DELETE"]),
]
