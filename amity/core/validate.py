"""Check a client's `data` object against a model and turn it into column values."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from amity.core.fields import known_field
from amity.errors import BadRequest, Text
from amity.schema.model import Field, Model
from amity.schema.types import InvalidValue


def clean_data(model: Model, data: Any, *, creating: bool) -> dict[str, Any]:
    """Column values from `data`; 400 naming the first field that is unknown, read-only,
    of the wrong type, or required and missing."""
    if not isinstance(data, Mapping):
        raise BadRequest(
            "data must be an object of field name to value", 'e.g. {"data": {"last_name": "Smith"}}'
        )
    values: dict[str, Any] = {}
    for name, raw in data.items():
        fd = known_field(model, name)
        check_writable(model, fd)
        value = parse_value(fd, raw)
        # an empty string is no value: a unique field stores none, so empties never clash
        values[name] = None if fd.unique and value == "" else value
    for fd in model.fields.values():
        if fd.mirrors is not None:  # two names of one value: what is written sets both
            if fd.name in values and fd.mirrors not in values:
                values[fd.mirrors] = values[fd.name]
            elif fd.mirrors in values and fd.name not in values:
                values[fd.name] = values[fd.mirrors]
    if creating:
        for fd in model.fields.values():
            if fd.stored and fd.name not in values and fd.default is not None and not fd.system:
                values[fd.name] = fd.default
    missing = [
        fd.name
        for fd in required_fields(model)
        if (creating or fd.name in values) and values.get(fd.name) in (None, "")
    ]
    if missing:
        raise BadRequest(
            "Missing required field(s): {missing}",
            "{model} needs a value for: {missing}",
            missing=", ".join(missing),
            model=model.name,
        )
    return values


def required_fields(model: Model) -> list[Field]:
    """Stored required fields, with a ref's requirement moved onto its id field."""
    out = [fd for fd in model.fields.values() if fd.required and fd.stored]
    for fd in model.fields.values():
        if fd.required and fd.type == "ref" and fd.id_name and fd.name != "assigned_user":
            out.append(model.fields[fd.id_name])
    return out


def check_writable(model: Model, fd: Field) -> None:
    if fd.type == "ref":
        raise BadRequest(
            "Field {field} of model {model} cannot be written",
            "set {id_name} to the related record's id instead",
            field=fd.name,
            model=model.name,
            id_name=fd.id_name,
        )
    if fd.system or fd.derived or not fd.editable:
        raise BadRequest(
            "Field {field} of model {model} cannot be written",
            "it is maintained by the server",
            field=fd.name,
            model=model.name,
        )


def parse_value(fd: Field, raw: Any) -> Any:
    try:
        return fd.kind.parse(
            raw, length=fd.max_length, options=fd.options, scale=fd.scale, choices=fd.choices
        )
    except InvalidValue as exc:
        raise BadRequest(
            "Invalid value for field {field} of type {type}: {reason}",
            "{field} takes {accepts}",
            field=fd.name,
            type=fd.type,
            reason=exc,
            accepts=Text(fd.kind.accepts),
        ) from None
