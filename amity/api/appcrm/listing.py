"""Laravel-style sorting and filtering of /api/{resource} lists, checked against metadata:
`?sort=name` (ascending), `?sort=-name` (descending), several keys comma-separated; and
`?filter[field]=value` exact matches (`filter[field][]=a&filter[field][]=b`: any of them).
A field that cannot be sorted or filtered on, or a value of the wrong type, is a 422 keyed
`sort` or `filter[field]`."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from amity.core.filters import order_key
from amity.errors import BadRequest, Text, UnknownField
from amity.schema.model import Field, Model
from amity.schema.types import InvalidValue, describe_choices, option_id
from amity.store import conditions as c

MAX_SORT_KEYS = 5


def sort_keys(model: Model, raw: Any) -> list[c.OrderKey]:
    """`name,-date_entered` -> order keys; [] (the model's order) when not given."""
    if raw is None or raw == "":
        return []
    if not isinstance(raw, str):
        raise BadRequest("sort must be field names separated by commas", field="sort")
    parts = raw.split(",")
    if len(parts) > MAX_SORT_KEYS:
        raise BadRequest("sort takes at most {count} fields", field="sort", count=MAX_SORT_KEYS)
    keys: list[c.OrderKey] = []
    for part in parts:
        descending = part.startswith("-")
        name = part[1:] if descending else part
        try:
            keys.append(order_key(model, name, descending))
        except UnknownField:  # (another worker may have just added it: see freshness)
            raise UnknownField(
                "Cannot sort by {name}: no such stored field", field="sort", name=name
            ) from None
    return keys


def filter_conditions(model: Model, raw: Any) -> list[c.Condition]:
    """`filter[field]=value` -> exact-match conditions; 422 on a field with no filter."""
    if raw is None:
        return []
    if not isinstance(raw, Mapping):
        raise BadRequest("filter takes field names: filter[field]=value", field="filter")
    out: list[c.Condition] = []
    for name, value in raw.items():
        key = f"filter[{name}]"
        fd = filterable(model, name, key)
        values = value if isinstance(value, list) else [value]
        if not all(isinstance(v, str) for v in values):
            raise BadRequest("{field} takes a value or a list of values", field=key)
        values = [v for v in values if v != ""]
        if values:
            out.append(condition(fd, values, key))
    return out


def filterable(model: Model, name: str, key: str) -> Field:
    """The stored field `name` that has a list filter of its own (so no hidden or derived
    field is ever matched); 422 keyed `key` otherwise."""
    fd = model.fields.get(name)
    flt = model.filters.get(name)
    if fd is None or flt is None or not fd.stored or tuple(flt.fields) != (name,):
        raise UnknownField("Cannot filter by {name}", field=key, name=name)
    return fd


def condition(fd: Field, values: list[str], key: str) -> c.Condition:
    """Field equals one of `values` (a multi-value field: holds one of them)."""
    kind = fd.kind.filter_kind
    try:
        if kind == "multienum":
            for v in values:
                if fd.options and v not in fd.options:
                    raise InvalidValue(
                        "{item!r} is not an option; expected any of {options}",
                        item=v,
                        options=", ".join(fd.options),
                    )
            return c.ContainsOption(fd.name, tuple(values))
        if kind in ("option", "option_set"):
            ids = tuple(option_id(v) for v in values)
            known = {choice.id for choice in fd.choices}
            for oid in ids:
                if oid not in known:  # retired options still match what is stored
                    raise InvalidValue(
                        "{oid} is not an option id; expected {choices}",
                        oid=oid,
                        choices=describe_choices(fd.choices),
                    )
            if kind == "option":
                return c.Equals(fd.name, ids)
            return c.ContainsOption(fd.name, tuple(str(i) for i in ids))
        parsed = tuple(
            fd.kind.parse(v, options=fd.options, scale=fd.scale, choices=fd.choices) for v in values
        )
    except InvalidValue as exc:
        raise BadRequest(
            "Invalid value for {field}: {reason}",
            "{field} takes {accepts}",
            field=key,
            reason=exc,
            accepts=Text(fd.kind.accepts),
        ) from None
    return c.Equals(fd.name, parsed)
