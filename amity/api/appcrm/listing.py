"""App CRM's list parameters of /api/{resource}, every name checked against metadata:

- `order=field` or `order=field|desc` (`|asc` too), several comma-separated;
- `select=first_name;id`: only these fields (`id` is always allowed);
- `q=text`: the model's default search (a prefix match over its search fields), or with
  `search_fields=name:like;billing_address_city:=` a match on those fields (`like`:
  contains, case-insensitive; `=`: equals, the value read by the field's type), any of
  them by default, all of them with `search_match=and`;
- `page`, `per_page` (amity.api.appcrm.paging).

Any other parameter, an unknown field or operator, or a value of the wrong type is a 422
keyed by the parameter."""

from __future__ import annotations

from typing import Any

from amity.core.filters import order_key, search_condition
from amity.errors import BadRequest, Text, UnknownField
from amity.schema.model import Field, Model
from amity.schema.types import InvalidValue, describe_choices, option_id
from amity.store import conditions as c

LIST_PARAMS = ("page", "per_page", "order", "select", "q", "search_fields", "search_match")
MAX_ORDER_KEYS = 5
MAX_SEARCH_FIELDS = 10
MAX_SELECT = 200
MAX_QUERY = 1000  # characters (SQLite refuses LIKE patterns past 50,000 bytes)
SEARCH_OPERATORS = ("like", "=")


def check_params(params: dict[str, Any]) -> None:
    """422 naming the parameters a list does not take."""
    unknown = [name for name in params if name not in LIST_PARAMS]
    if unknown:
        raise BadRequest(
            "Unknown parameter {parameter}",
            "a list takes: {known}",
            field=unknown[0],
            parameter=", ".join(unknown),
            known=", ".join(LIST_PARAMS),
        )


def text_param(params: dict[str, Any], name: str) -> str:
    """A query parameter given once as text ('' when absent); 422 otherwise."""
    raw = params.get(name)
    if raw is None:
        return ""
    if not isinstance(raw, str):
        raise BadRequest("{field} must be given once, as text", field=name)
    return raw


def order_keys(model: Model, raw: str) -> list[c.OrderKey]:
    """`created_at|desc,name` -> order keys; [] (the model's order) when not given."""
    if raw == "":
        return []
    parts = raw.split(",")
    if len(parts) > MAX_ORDER_KEYS:
        raise BadRequest("order takes at most {count} fields", field="order", count=MAX_ORDER_KEYS)
    keys: list[c.OrderKey] = []
    for part in parts:
        name, bar, direction = part.partition("|")
        if bar and direction not in ("asc", "desc"):
            raise BadRequest(
                "Invalid order {part!r}",
                "order is a field, optionally followed by |asc or |desc",
                field="order",
                part=part[:100],
            )
        try:
            keys.append(order_key(model, name, direction == "desc"))
        except UnknownField:  # (another worker may have just added it: see freshness)
            raise UnknownField(
                "Cannot order by {name}: no such stored field", field="order", name=name[:100]
            ) from None
    return keys


def selected_fields(model: Model, raw: str) -> list[str] | None:
    """`first_name;id` -> those fields of the model (None: all of them)."""
    if raw == "":
        return None
    names = raw.split(";")
    if len(names) > MAX_SELECT:
        raise BadRequest("select takes at most {count} fields", field="select", count=MAX_SELECT)
    out: list[str] = []
    for name in names:
        if name != "id" and name not in model.fields:
            raise UnknownField("No field {name} to select", field="select", name=name[:100])
        if name not in out:
            out.append(name)
    return out


def search_conditions(model: Model, params: dict[str, Any]) -> list[c.Condition]:
    """The conditions of `q`, `search_fields` and `search_match` (ANDed by the caller)."""
    text = text_param(params, "q")
    if len(text) > MAX_QUERY:
        raise BadRequest("q takes at most {count} characters", field="q", count=MAX_QUERY)
    spec = text_param(params, "search_fields")
    match = text_param(params, "search_match") or "or"
    if match not in ("or", "and"):
        raise BadRequest("search_match must be or or and", field="search_match")
    pairs = search_pairs(model, spec)
    if text.strip() == "":
        return []
    if not pairs:
        default = search_condition(model, text)
        return [] if default is None else [default]
    parts = [
        c.Contains(fd.name, text) if op == "like" else condition(fd, [text], "q")
        for fd, op in pairs
    ]
    if match == "and" or len(parts) == 1:
        return parts
    return [c.AnyOf(tuple(parts))]


def search_pairs(model: Model, spec: str) -> list[tuple[Field, str]]:
    """`name:like;billing_address_city:=` -> (field, operator) pairs, each field one that
    may be searched (stored, with a list filter), `like` only on a text field."""
    if spec == "":
        return []
    items = spec.split(";")
    if len(items) > MAX_SEARCH_FIELDS:
        raise BadRequest(
            "search_fields takes at most {count} fields",
            field="search_fields",
            count=MAX_SEARCH_FIELDS,
        )
    pairs: list[tuple[Field, str]] = []
    for item in items:
        name, colon, op = item.rpartition(":")
        if not colon or op not in SEARCH_OPERATORS:
            raise BadRequest(
                "Invalid search field {item!r}",
                "search_fields are field:like or field:= separated by ;",
                field="search_fields",
                item=item[:100],
            )
        fd = filterable(model, name, "search_fields")
        if op == "like" and fd.kind.storage != "string":
            raise BadRequest(
                "{name} is not text: search it with =", field="search_fields", name=name
            )
        pairs.append((fd, op))
    return pairs


def filterable(model: Model, name: str, key: str) -> Field:
    """The stored field `name` that has a list filter of its own (so no hidden or derived
    field is ever matched); 422 keyed `key` otherwise."""
    fd = model.fields.get(name)
    flt = model.filters.get(name)
    if fd is None or flt is None or not fd.stored or tuple(flt.fields) != (name,):
        raise UnknownField("Cannot search by {name}", field=key, name=name[:100])
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
