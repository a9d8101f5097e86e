"""/api/rest/{end_point}[/dateTimeOverride/<fmt>][/dateOverride/<fmt>]: OpenCRM's end
points. `login` trades a key pair for an access key; per entity (entities.ENTITIES)
get_{e}_list, get_{e}_list_count, get_{e}_list_full, get_{e}, edit_{e} (creates without
an id, updates with one) and delete_{e}, through the records service (ACL, audit,
events, webhooks; writes through run_write)."""

from __future__ import annotations

import dataclasses
from collections.abc import Mapping
from typing import Any
from urllib.parse import parse_qsl

from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from amity.api.context import run_write, services
from amity.api.opencrm.auth import (
    CREDENTIAL_PARAMS,
    credentials_actor,
    query_params,
    scope_source,
)
from amity.api.opencrm.dates import path_format
from amity.api.opencrm.entities import ENTITIES, Entity
from amity.api.opencrm.wire import HIDDEN, Shape, from_wire, record_id_of, shown_fields, to_wire
from amity.api.params import read_body, read_json
from amity.api.responses import JSONResponse
from amity.core.actor import Actor
from amity.core.clock import utcnow
from amity.core.filters import order_key, parse_filters
from amity.core.records import ListQuery
from amity.errors import BadRequest, NotFound, Unauthorized, UnsupportedMediaType
from amity.schema.model import Model
from amity.store.conditions import Condition

PREFIX = "/api/rest"
SPECIAL = ("dateTimeOverride", "dateOverride")
CONTROL = frozenset({*CREDENTIAL_PARAMS, "change_assignedidtouser", "limit", "offset"})
LIST_CONTROL = frozenset({"orderby", "orderdir"})
DEFAULT_LIMIT, MAX_LIMIT = 100, 1000
MAX_PARAMS = 200


async def read_params(request: Request) -> tuple[dict[str, Any], dict[str, Any]]:
    """(all parameters, those of the body): URL parameters, then form fields or a JSON
    object body (the body wins for a name given twice)."""
    try:
        query: dict[str, Any] = query_params(request.scope)
    except ValueError:
        raise BadRequest("At most {high} parameters", high=MAX_PARAMS) from None
    content_type = request.headers.get("content-type", "").split(";")[0].strip().lower()
    body: dict[str, Any] = {}
    if content_type == "application/x-www-form-urlencoded":
        raw = (await read_body(request)).decode("utf-8", "replace")
        try:
            body = dict(parse_qsl(raw, keep_blank_values=True, max_num_fields=MAX_PARAMS))
        except ValueError:
            raise BadRequest("At most {high} parameters", high=MAX_PARAMS) from None
    elif content_type == "multipart/form-data":
        raise UnsupportedMediaType(
            "Unsupported content type {content_type!r}",
            "send form fields as application/x-www-form-urlencoded, or a JSON body",
            content_type=content_type,
        )
    elif content_type:
        body = await read_json(request)
    elif (await read_body(request)).strip():
        body = await read_json(request)  # 415: a body needs a content type
    return {**query, **body}, body


def request_actor(request: Request, body: Mapping[str, Any]) -> Actor:
    """The caller: from the KEY1/KEY2 headers or URL parameters (read before the rate
    limiter), else from credentials in the body; 401 without any."""
    state = request.scope.setdefault("state", {})
    error = state.get("auth_error")
    if error is not None:
        raise error
    actor: Actor | None = state.get("actor")
    if actor is None:
        actor = credentials_actor(services(request), body, scope_source(request.scope))
    if actor is None:
        raise Unauthorized(
            "Authentication required",
            "send apikey and passkey, the KEY1 and KEY2 headers, or an accesskey",
        )
    request_id = state.get("request_id")
    if request_id is not None and actor.request_id is None:
        actor = dataclasses.replace(actor, request_id=request_id)
    return actor


def parse_path(rest: str) -> tuple[str, Shape]:
    """The end point and the date overrides of the path after /api/rest/."""
    segments = rest.split("/")
    end_point, pairs = segments[0], segments[1:]
    if len(pairs) % 2:
        raise NotFound("No end point {end_point}", end_point=rest[:100])
    formats: dict[str, str] = {}
    for name, value in zip(pairs[::2], pairs[1::2], strict=True):
        if name not in SPECIAL or name in formats:
            raise NotFound("No end point {end_point}", end_point=rest[:100])
        formats[name] = path_format(value)
    return end_point, Shape(
        datetime_format=formats.get("dateTimeOverride"), date_format=formats.get("dateOverride")
    )


def parse_end_point(end_point: str) -> tuple[str, Entity]:
    """(action, entity) of an end point name: list, count, full, get, edit, delete."""
    for prefix in ("get_", "edit_", "delete_"):
        if not end_point.startswith(prefix):
            continue
        name, action = end_point[len(prefix) :], prefix[:-1]
        if prefix == "get_":
            for suffix, kind in (
                ("_list_count", "count"),
                ("_list_full", "full"),
                ("_list", "list"),
            ):
                if name.endswith(suffix):
                    name, action = name[: -len(suffix)], kind
                    break
        entity = ENTITIES.get(name)
        if entity is not None:
            return action, entity
    raise NotFound("No end point {end_point}", end_point=end_point[:100])


def entity_model(request: Request, entity: Entity) -> Model:
    model = services(request).records.registry.models.get(entity.model)
    if model is None:
        raise NotFound(
            "OpenCRM entity {entity} has no model {model} here",
            entity=entity.name,
            model=entity.model,
        )
    return model


def user_field_names(entity: Entity, model: Model, params: Mapping[str, Any]) -> frozenset[str]:
    """The Amity fields named by change_assignedidtouser (comma-separated wire names)."""
    raw = params.get("change_assignedidtouser")
    if raw in (None, ""):
        return frozenset()
    if not isinstance(raw, str):
        raise BadRequest("{field} must be a text", field="change_assignedidtouser")
    out = set()
    for wire in (part.strip() for part in raw.split(",")):
        name = entity.amity_field(model, wire) if wire else None
        fd = model.fields.get(name) if name else None
        if (
            fd is None
            or fd.type != "id"
            or not any(f.id_name == name and f.ref_model == "User" for f in model.fields.values())
        ):
            raise BadRequest(
                "{field} is not a user field of {entity}", field=wire[:100], entity=entity.name
            )
        out.add(fd.name)
    return frozenset(out)


def bounded(params: Mapping[str, Any], name: str, default: int, high: int, low: int) -> int:
    raw = params.get(name)
    if raw in (None, ""):
        return default
    text = str(raw) if isinstance(raw, int | str) and not isinstance(raw, bool) else ""
    if not text.isascii() or not text.isdigit() or not low <= int(text[:12]) <= high:
        raise BadRequest(
            "{field} must be a whole number from {low} to {high}", field=name, low=low, high=high
        )
    return int(text)


def list_query(
    request: Request, entity: Entity, model: Model, actor: Actor, params: Mapping[str, Any]
) -> ListQuery:
    """Filters (entity fields given as parameters), orderby/orderdir, limit/offset."""
    filters: dict[str, Any] = {}
    svc = services(request)
    for wire, value in params.items():
        if wire in CONTROL or wire in LIST_CONTROL:
            continue
        name = entity.amity_field(model, wire)
        if name is None or name in HIDDEN or name not in model.filters:
            raise BadRequest(
                "Unknown filter {field} for {entity}", field=wire[:100], entity=entity.name
            )
        target = _ref_target(model, name)
        if target is not None and value not in (None, ""):
            value = record_id_of(svc, svc.records.model(target), value, wire)
        filters[name] = value
    conditions: list[Condition] = (
        parse_filters(model, filters, actor, today=utcnow().date()) if filters else []
    )
    order = []
    orderby = params.get("orderby")
    if orderby not in (None, ""):
        name = entity.amity_field(model, orderby) if isinstance(orderby, str) else None
        direction = params.get("orderdir") or "asc"
        if direction not in ("asc", "desc", "ASC", "DESC"):
            raise BadRequest("{field} must be asc or desc", field="orderdir")
        if name is None:
            raise BadRequest(
                "Unknown order field {field} for {entity}",
                field=str(orderby)[:100],
                entity=entity.name,
            )
        order.append(order_key(model, name, str(direction).lower() == "desc"))
    return ListQuery(
        conditions=conditions,
        order=order,
        offset=bounded(params, "offset", 0, 10**9, 0),
        limit=bounded(params, "limit", DEFAULT_LIMIT, MAX_LIMIT, 1),
    )


def _ref_target(model: Model, id_field: str) -> str | None:
    for fd in model.fields.values():
        if fd.type == "ref" and fd.id_name == id_field and fd.ref_model not in (None, "User"):
            return fd.ref_model
    return None


def success(**body: Any) -> JSONResponse:
    return JSONResponse({"status": "success", **body})


async def dispatch(request: Request) -> Response:
    end_point, shape = parse_path(request.path_params["rest"])
    params, body = await read_params(request)
    svc = services(request)
    if end_point == "login":
        api_key, pass_key = params.get("apikey"), params.get("passkey")
        if isinstance(api_key, str) and isinstance(pass_key, str):
            return success(accesskey=svc.api_keys.login(api_key, pass_key))
        caller = request_actor(request, body)  # the KEY1 and KEY2 headers
        if caller.credential != "apikey" or caller.credential_id is not None:
            raise Unauthorized("Send both apikey and passkey")  # not an access key
        return success(accesskey=svc.api_keys.access_keys.issue(caller.user_id))
    action, entity = parse_end_point(end_point)
    actor = request_actor(request, body)
    model = entity_model(request, entity)
    shape = dataclasses.replace(shape, user_names=user_field_names(entity, model, params))
    records = svc.records
    if action in ("list", "count", "full"):
        records.policy.check(actor, model, "list")
        query = list_query(request, entity, model, actor, params)
        if action == "count":
            query = dataclasses.replace(query, limit=1, offset=0)
        fields = shown_fields(entity, model, action == "full")
        query = dataclasses.replace(query, fields=["id", *fields])
        page = records.list_records(actor, model.name, query)
        if action == "count":
            return success(count=page.total_results)
        rows = to_wire(svc, entity, model, page.records, fields, shape)
        return success(count=page.total_results, data=rows)
    fields = shown_fields(entity, model, True)
    given = {
        k: v for k, v in params.items() if k not in CONTROL and k not in ("id", entity.id_field)
    }
    raw_id = params.get(entity.id_field, params.get("id"))
    if action == "get":
        record_id = record_id_of(svc, model, raw_id, entity.id_field)
        record = records.get(actor, model.name, record_id)
        return success(data=to_wire(svc, entity, model, [record], fields, shape)[0])
    if action == "delete":
        record_id = record_id_of(svc, model, raw_id, entity.id_field)
        deleted = success(**{entity.id_field: whole_number_of(raw_id)})
        return await run_write(
            request,
            lambda: records.delete(actor, model.name, record_id),
            records.write_keys(model.name, record_id),
            respond=lambda _: deleted,
        )
    data = from_wire(svc, entity, model, given)

    def answer(record: dict[str, Any]) -> JSONResponse:
        """The written record, rendered inside the write (an Idempotency-Key stores it)."""
        row = to_wire(svc, entity, model, [record], fields, shape)[0]
        return success(**{entity.id_field: row[entity.id_field]}, data=row)

    if raw_id in (None, ""):

        def create() -> dict[str, Any]:
            made = records.create(actor, model.name, data)
            return records.get(actor, model.name, made)

        keys = records.write_keys(model.name, None, data)
        return await run_write(request, create, keys, respond=answer)
    record_id = record_id_of(svc, model, raw_id, entity.id_field)

    def update() -> dict[str, Any]:
        records.update(actor, model.name, record_id, data)
        return records.get(actor, model.name, record_id)

    keys = records.write_keys(model.name, record_id, data)
    return await run_write(request, update, keys, respond=answer)


def whole_number_of(raw: Any) -> int:
    return int(str(raw))


routes = [Route(PREFIX + "/{rest:path}", dispatch, methods=["GET", "POST"])]
