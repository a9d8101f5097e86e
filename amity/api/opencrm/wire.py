"""Records between Amity and OpenCRM's wire: field names from the entity table, integer
ids (amity.core.record_numbers) for the record and the records it refers to, dates in
the request's override formats, user ids as user names where asked."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from amity.api.opencrm.dates import parse_moment, php_format
from amity.api.opencrm.entities import Entity
from amity.core.services import Services
from amity.errors import BadRequest, NotFound
from amity.schema.model import Model

HIDDEN = frozenset({"id", "deleted"})


@dataclass(frozen=True)
class Shape:
    """How the request wants values shown: the date overrides, the user fields."""

    datetime_format: str | None = None
    date_format: str | None = None
    user_names: frozenset[str] = frozenset()  # Amity fields whose user ids become names


def ref_targets(model: Model) -> dict[str, str]:
    """id field -> the model it refers to, for references to records (not users)."""
    out: dict[str, str] = {}
    for fd in model.fields.values():
        if fd.type == "ref" and fd.id_name and fd.ref_model and fd.ref_model != "User":
            out[fd.id_name] = fd.ref_model
    return out


def user_fields(model: Model) -> set[str]:
    return {
        fd.id_name
        for fd in model.fields.values()
        if fd.type == "ref" and fd.id_name and fd.ref_model == "User"
    }


def shown_fields(entity: Entity, model: Model, full: bool) -> list[str]:
    """The Amity fields a record shows: the summary of a list, else every stored one."""
    if not full:
        return [entity.fields[name] for name in entity.summary]
    return [
        name
        for name, fd in model.fields.items()
        if fd.stored and name not in HIDDEN and fd.type not in ("file_ref", "image")
    ]


def record_id_of(services: Services, model: Model, raw: Any, field: str) -> str:
    """The Amity id behind an integer id of a record of `model`; 400 for a malformed one,
    404 for one no record of the model has."""
    number = whole_number(raw, field)
    found = services.record_numbers.record(number)
    if found is None or found[0] != model.name:
        raise NotFound("No {kind} with id {subject_id}", kind=model.name, subject_id=number)
    return found[1]


def whole_number(raw: Any, field: str) -> int:
    text = str(raw) if isinstance(raw, int | str) and not isinstance(raw, bool) else ""
    if not text.isascii() or not text.isdigit() or len(text) > 12:
        raise BadRequest("{field} must be a whole number", field=field)
    return int(text)


def to_wire(
    services: Services,
    entity: Entity,
    model: Model,
    records: Sequence[Mapping[str, Any]],
    fields: Sequence[str],
    shape: Shape,
) -> list[dict[str, Any]]:
    """Records as OpenCRM shows them."""
    numbers = services.record_numbers.numbers(model.name, [r["id"] for r in records])
    refs = {f: m for f, m in ref_targets(model).items() if f in fields}
    ref_numbers: dict[str, dict[str, int]] = {}
    for f, target in refs.items():
        ids = [str(r[f]) for r in records if r.get(f)]
        ref_numbers.setdefault(target, {}).update(services.record_numbers.numbers(target, ids))
    names = user_names(services, records, shape.user_names & set(fields))
    out = []
    for record in records:
        row: dict[str, Any] = {entity.id_field: numbers[record["id"]]}
        for f in fields:
            value = record.get(f)
            if f in refs and value:
                value = ref_numbers[refs[f]].get(str(value), value)
            elif f in shape.user_names and value:
                value = names.get(str(value), value)
            elif isinstance(value, str):
                value = show_date(model, f, value, shape)
            row[entity.wire_name(f)] = value
        out.append(row)
    return out


def show_date(model: Model, field: str, value: str, shape: Shape) -> str:
    kind = model.fields[field].type if field in model.fields else ""
    fmt = (
        shape.datetime_format
        if kind == "datetime"
        else shape.date_format
        if kind == "date"
        else None
    )
    if fmt is None:
        return value
    moment = parse_moment(value)
    return php_format(moment, fmt) if moment is not None else value


def user_names(
    services: Services, records: Sequence[Mapping[str, Any]], fields: frozenset[str]
) -> dict[str, str]:
    """User id -> user name for the ids in these fields."""
    ids = {str(r[f]) for r in records for f in fields if r.get(f)}
    out: dict[str, str] = {}
    for user_id in ids:
        user = services.auth.user_by_id(user_id)
        if user is not None:
            out[user_id] = str(user["user_name"])
    return out


def from_wire(
    services: Services, entity: Entity, model: Model, params: Mapping[str, Any]
) -> dict[str, Any]:
    """Wire fields (`params` without the control parameters) as Amity data; 400 for a
    name the entity does not have."""
    refs = ref_targets(model)
    data: dict[str, Any] = {}
    for wire, value in params.items():
        name = entity.amity_field(model, wire)
        if name is None or name in HIDDEN:
            raise BadRequest("Unknown field {field} for {entity}", field=wire, entity=entity.name)
        if name in refs and value not in (None, ""):
            value = record_id_of(services, services.records.model(refs[name]), value, wire)
        elif name in refs:
            value = None
        data[name] = value
    return data
