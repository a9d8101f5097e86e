"""Check a client's `data` object against a model and turn it into column values."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from amity.errors import BadRequest, UnknownField
from amity.schema.model import Field, Model
from amity.schema.types import InvalidValue


def clean_data(model: Model, data: Any, *, creating: bool) -> dict[str, Any]:
    """Column values from `data`; 400 naming the first field that is unknown, read-only,
    of the wrong type, or required and missing."""
    if not isinstance(data, Mapping):
        raise BadRequest("data must be an object of field name to value",
                         'e.g. {"data": {"last_name": "Smith"}}')
    values: dict[str, Any] = {}
    for name, raw in data.items():
        fd = model.fields.get(name)
        if fd is None:
            raise UnknownField(f"Unknown field {name} in model {model.name}",
                               f"GET /meta/fields/{model.name} lists its fields")
        check_writable(model, fd)
        value = parse_value(fd, raw)
        # an empty string is no value: a unique field stores none, so empties never clash
        values[name] = None if fd.unique and value == "" else value
    if creating:
        for fd in model.fields.values():
            if fd.stored and fd.name not in values and fd.default is not None and not fd.system:
                values[fd.name] = fd.default
    missing = [fd.name for fd in required_fields(model)
               if (creating or fd.name in values) and values.get(fd.name) in (None, "")]
    if missing:
        raise BadRequest(f"Missing required field(s): {', '.join(missing)}",
                         f"{model.name} needs a value for: {', '.join(missing)}")
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
        raise BadRequest(f"Field {fd.name} of model {model.name} cannot be written",
                         f"set {fd.id_name} to the related record's id instead")
    if fd.system or fd.derived or not fd.editable:
        raise BadRequest(f"Field {fd.name} of model {model.name} cannot be written",
                         "it is maintained by the server")


def parse_value(fd: Field, raw: Any) -> Any:
    try:
        return fd.kind.parse(raw, length=fd.max_length, options=fd.options, scale=fd.scale,
                             choices=fd.choices)
    except InvalidValue as exc:
        raise BadRequest(f"Invalid value for field {fd.name} of type {fd.type}: {exc}",
                         f"{fd.name} takes {fd.kind.accepts}") from None
