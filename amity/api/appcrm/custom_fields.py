"""Custom fields the App CRM way (seed 003): a POST/PUT payload names a custom field by its
id (or, as every other field, by its name), with a value by the field's type; option ids
pass through (Amity's option ids are the ids App CRM clients send). Ids become names here,
at the edge, and an error about such a field is keyed by the key the client sent.

JSON numbers in a payload are read exactly (as Decimal): a decimal field (Numeric,
currency) gets them as text, every other field as the float it always got."""

from __future__ import annotations

import json
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from decimal import Decimal
from typing import Any, TypeVar

import orjson
from starlette.requests import Request
from starlette.routing import Route

from amity.api.appcrm.plurals import model_of, plural
from amity.api.context import require_actor, services
from amity.api.freshness import retry_on_unknown_field
from amity.api.params import read_json
from amity.api.responses import JSONResponse
from amity.errors import BadRequest, Forbidden, UnknownModel
from amity.schema.custom import CustomFieldDef
from amity.schema.model import Model

T = TypeVar("T")


def exact_loads(body: bytes) -> Any:
    """JSON with its fractional numbers as Decimal. orjson checks the text first (so that
    bad JSON fails as everywhere else); only a body with fractions is read again."""
    data = orjson.loads(body)
    if not has_float(data):
        return data
    try:
        return json.loads(body.decode("utf-8"), parse_float=Decimal)
    except (ValueError, RecursionError):  # nesting orjson allows but json's stack does not
        raise orjson.JSONDecodeError("the JSON is nested too deeply", "", 0) from None


def has_float(data: Any) -> bool:
    """Whether a flat payload holds a fraction: as a value, or in a list value (the only
    places a field value has numbers; deeper ones are no field's value anyway)."""
    if not isinstance(data, dict):
        return False
    for value in data.values():
        items = value if isinstance(value, list) else [value]
        if any(isinstance(item, float) for item in items):
            return True
    return False


async def read_payload(request: Request) -> dict[str, Any]:
    """The flat JSON object of a POST or PUT, numbers exact."""
    return await read_json(request, loads=exact_loads)


def field_ids(definitions: Iterable[CustomFieldDef], model: Model) -> dict[str, str]:
    """Custom field id -> field name, for the model's live custom fields."""
    return {
        d.id: d.name
        for d in definitions
        if d.model == model.name and not d.removed and d.name in model.fields
    }


@dataclass(frozen=True)
class Translated:
    """A payload with field names for keys, and the key each renamed field was sent as."""

    data: dict[str, Any]
    sent_as: dict[str, str]


def translate(model: Model, ids: Mapping[str, str], payload: Mapping[str, Any]) -> Translated:
    """Keys that are custom field ids become field names; Decimal numbers become what the
    field's type takes. A field sent both by id and by name is a 422."""
    data: dict[str, Any] = {}
    sent_as: dict[str, str] = {}
    for key, value in payload.items():
        name = key if key in model.fields else ids.get(key, key)
        if name in data:
            raise BadRequest("Field {field} is given twice (by its id and by its name)", field=key)
        fd = model.fields.get(name)
        scaled = fd is not None and fd.kind.storage == "scaled"
        data[name] = plain_numbers(value, keep_decimal=scaled)
        if name != key:
            sent_as[name] = key
    return Translated(data, sent_as)


def plain_numbers(value: Any, *, keep_decimal: bool) -> Any:
    """A value with its Decimals as text (for a decimal field: exact) or as floats; in a
    list too (option ids), not deeper (no field takes deeper values)."""
    if isinstance(value, Decimal):
        return str(value) if keep_decimal else float(value)
    if isinstance(value, list):
        return [float(v) if isinstance(v, Decimal) else v for v in value]
    return value


def keyed_as_sent(sent_as: Mapping[str, str], unit: Callable[[], T]) -> Callable[[], T]:
    """`unit`, with a 400 about a renamed field re-raised naming the key the client sent."""

    def run() -> T:
        try:
            return unit()
        except BadRequest as exc:
            field = exc.params.get("field")
            if not isinstance(field, str) or field not in sent_as:
                raise
            params = {**exc.params, "field": sent_as[field]}
            raise type(exc)(exc.message_id, exc.hint_id, **params) from None

    return run


def definitions_json(
    definitions: Iterable[CustomFieldDef],
    models: Mapping[str, Model],
    resource: Callable[[Model], str],
) -> list[dict[str, Any]]:
    """The live custom fields of `models` as GET /api/custom-fields lists them."""
    out: list[dict[str, Any]] = []
    for d in definitions:
        model = models.get(d.model)
        if d.removed or model is None or d.name not in model.fields:
            continue
        row: dict[str, Any] = {
            "id": d.id,
            "field_id": d.name,
            "resource_name": resource(model),
            "field_type": d.type,
            "label": d.label,
            "is_required": d.required,
            "is_unique": d.unique,
        }
        if d.options:
            row["options"] = [
                {"id": c.id, "name": c.label, "retired": c.retired} for c in d.options
            ]
        out.append(row)
    return out


async def list_custom_fields(request: Request) -> JSONResponse:
    """GET /api/custom-fields[?resource=contacts]: the custom fields (with the ids that
    payloads may use) of the models the user may list."""
    actor = require_actor(request)
    records = services(request).records
    models = records.registry.models
    wanted = request.query_params.get("resource")
    if wanted is not None:
        model = model_of(records.registry, wanted)
        if model is None:
            raise UnknownModel("No resource {resource}", resource=wanted)
        models = {model.name: model}
    readable: dict[str, Model] = {}
    for name, model in models.items():
        try:
            records.policy.check(actor, model, "list")
        except Forbidden:
            continue
        readable[name] = model
    definitions = services(request).metadata.definitions
    return JSONResponse({"data": definitions_json(definitions, readable, plural)})


routes = [Route("/api/custom-fields", retry_on_unknown_field(list_custom_fields), methods=["GET"])]
