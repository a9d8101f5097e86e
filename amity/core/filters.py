"""Filter and order specs -> typed conditions and order keys, checked against metadata.

These are the builders every dialect's adapter shares to make a neutral `ListQuery`:

- a filter set is a flat mapping of the model's declared filters (`/meta/fields` lists
  them): `name`, and for date/number filters the companions `name-operator`, `name-end`
  and `name-period`. Every name must be a filter the model declares; anything else is a
  400 that names it. Saved reports keep their filters in this form; the 1CRM API takes
  it as `filters`.
- a search text is a prefix match over the model's search fields;
- an order spec is `field [asc|desc], ...` (saved layouts and reports, 1CRM's `order`);
  `order_key` checks one field for a dialect that spells its order otherwise.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date, datetime, timedelta
from typing import Any

from amity.core.actor import Actor
from amity.core.clock import today
from amity.core.dates import period_range
from amity.errors import BadRequest, UnknownField
from amity.schema.model import DATE_OPERATORS, Filter, Model
from amity.schema.types import InvalidValue, option_id, parse_bool, parse_date
from amity.store import conditions as c

COMPANIONS = ("-operator", "-end", "-period")
NUMBER_OPERATORS = ("eq", "not_eq", "lt", "lte", "gt", "gte", "between", "empty", "not_empty")


def filter_conditions(
    model: Model,
    actor: Actor,
    *,
    search: str | None = None,
    filters: Mapping[str, Any] | None = None,
    fiscal_start_month: int = 1,
) -> list[c.Condition]:
    """The conditions of a search text and a filter set (either may be absent)."""
    out: list[c.Condition] = []
    if search:
        if not isinstance(search, str):
            raise BadRequest("filter_text must be a string")
        condition = search_condition(model, search)
        if condition is not None:
            out.append(condition)
    if filters:
        out += parse_filters(
            model, filters, actor, today=today(), fiscal_start_month=fiscal_start_month
        )
    return out


def order_key(model: Model, name: str, descending: bool = False) -> c.OrderKey:
    """One sort key, by a stored field of the model (or a person's name); 400 otherwise."""
    fd = model.fields.get(name)
    sortable = fd is not None and (fd.stored or (model.person and name == "name"))
    if fd is None or not sortable:
        raise UnknownField(
            "Unknown order field {name} in model {model}",
            "order by a stored field of {model}",
            name=name,
            model=model.name,
        )
    return c.OrderKey(name, descending)


def parse_order(model: Model, order: str | None) -> list[c.OrderKey]:
    """'last_name desc, first_name' -> order keys (the model's default order when empty);
    400 naming an unknown field."""
    if not order:
        return [c.OrderKey(model.default_order)]
    if not isinstance(order, str):
        raise BadRequest("order must be a string such as 'last_name desc'")
    keys: list[c.OrderKey] = []
    for part in order.split(","):
        words = part.split()
        if not words:
            continue
        if len(words) > 2 or (len(words) == 2 and words[1].lower() not in ("asc", "desc")):
            raise BadRequest(
                "Invalid order {part!r}",
                "order is a field name, optionally followed by asc or desc",
                part=part.strip(),
            )
        keys.append(order_key(model, words[0], len(words) == 2 and words[1].lower() == "desc"))
    return keys or [c.OrderKey(model.default_order)]


def search_condition(model: Model, text: str) -> c.Condition | None:
    """filter_text: a prefix match over the model's search fields."""
    text = text.strip()
    if not text:
        return None
    parts: list[c.Condition] = []
    plain = [
        name
        for name in model.search_fields
        if name not in ("first_name", "last_name")
        and model.fields[name].stored
        and model.fields[name].kind.storage == "string"
    ]
    if plain:
        parts.append(c.Prefix(tuple(plain), text))
    if model.person and "last_name" in model.search_fields:
        parts.append(c.PersonName(text))
    numeric = [n for n in model.search_fields if model.fields[n].type == "int"]
    if numeric and text.isascii() and text.isdigit() and len(text) < 18:
        parts += [c.Equals(n, (int(text),)) for n in numeric]
    return parts[0] if len(parts) == 1 else c.AnyOf(tuple(parts))


def parse_filters(
    model: Model, raw: Mapping[str, Any], actor: Actor, *, today: date, fiscal_start_month: int = 1
) -> list[c.Condition]:
    """Translate a 1CRM `filters` object into conditions; 400 on anything unknown."""
    if not isinstance(raw, Mapping):
        raise BadRequest(
            "filters must be an object of filter name to value",
            "map each filter name to its value, e.g. last_name to Smith",
        )
    names: dict[str, None] = {}
    for key in raw:
        base = key
        for suffix in COMPANIONS:
            if key.endswith(suffix):
                base = key[: -len(suffix)]
                break
        if base not in model.filters:
            raise UnknownField(
                "Unknown filter {key} for model {model}",
                "list the fields of {model} to see its filters",
                key=key,
                model=model.name,
            )
        names[base] = None
    out: list[c.Condition] = []
    for name in names:
        flt = model.filters[name]
        cond = _condition(model, flt, raw, actor, today, fiscal_start_month)
        if cond is not None:
            out.append(cond)
    return out


def _condition(
    model: Model, flt: Filter, raw: Mapping[str, Any], actor: Actor, today: date, fiscal: int
) -> c.Condition | None:
    value = raw.get(flt.name)
    if flt.kind == "date":
        return _date_condition(model, flt, raw, today, fiscal)
    if flt.kind == "number":
        return _number_condition(model, flt, raw)
    for suffix in COMPANIONS:
        if flt.name + suffix in raw:
            raise BadRequest(
                "Filter {filter} takes no {suffix}",
                "operators apply to date and number filters",
                filter=flt.name,
                suffix=suffix[1:],
            )
    if value is None or value == "" or value == []:
        return None
    if flt.kind == "enum":
        values = _strings(flt, value)
        if not values:  # only blank values (filters[x][]=): no filter
            return None
        for v in values:
            if flt.options and v not in flt.options:
                raise BadRequest(
                    "Invalid value {v!r} for filter {filter}",
                    "expected one of: {options}",
                    v=v,
                    filter=flt.name,
                    options=", ".join(flt.options),
                )
        return c.Equals(flt.fields[0], tuple(values))
    if flt.kind == "multienum":
        return c.ContainsOption(flt.fields[0], tuple(_strings(flt, value)))
    if flt.kind in ("option", "option_set"):
        ids = _option_ids(flt, value)
        if not ids:
            return None
        if flt.kind == "option":
            return c.Equals(flt.fields[0], ids)
        return c.ContainsOption(flt.fields[0], tuple(str(i) for i in ids))
    text = _one_string(flt, value)
    if flt.kind == "unified_search":
        return search_condition(model, text)
    if flt.kind == "owner":
        if text == "mine":
            return c.Equals("assigned_user_id", (actor.user_id,))
        if text == "not_mine":
            return c.Equals("assigned_user_id", (actor.user_id,), negate=True)
        if text == "all":
            return None
        raise BadRequest(
            "Invalid value {text!r} for filter filter_owner",
            "expected one of: all, mine, not_mine",
            text=text,
        )
    if flt.kind == "bool":
        try:
            return c.Equals(flt.fields[0], (parse_bool(text),))
        except InvalidValue:
            raise BadRequest(
                "Invalid value {text!r} for filter {filter}",
                "expected true or false (also 1/0, yes/no)",
                text=text,
                filter=flt.name,
            ) from None
    if flt.kind == "id":
        return c.Equals(flt.fields[0], (text,))
    if flt.kind == "ref":
        if not flt.ref_model:
            raise BadRequest(
                "Filter {filter} needs an id",
                "filter by {id_name} with an id",
                filter=flt.name,
                id_name=flt.id_name,
            )
        assert flt.id_name
        return c.RefName(flt.id_name, flt.ref_model, text)
    if flt.kind == "any_email":
        return c.Prefix(flt.fields, text)
    if model.person and flt.name == "name":
        return c.PersonName(text)
    return c.Prefix(flt.fields, text)


def _strings(flt: Filter, value: Any) -> list[str]:
    values = value if isinstance(value, list) else [value]
    if not all(isinstance(v, str) for v in values):
        raise BadRequest("Invalid value for filter {filter}", "expected text", filter=flt.name)
    return [v for v in values if v != ""]


def _option_ids(flt: Filter, value: Any) -> tuple[int, ...]:
    """Option ids of a custom option filter (retired options too: they are still stored)."""
    known = {choice.id for choice in flt.choices}
    out: list[int] = []
    for item in value if isinstance(value, list) else [value]:
        if item == "":
            continue
        try:
            oid = option_id(item)
        except InvalidValue:
            oid = -1
        if oid not in known:
            raise BadRequest(
                "Invalid value {item!r} for filter {filter}",
                "expected option ids: {options}",
                item=item,
                filter=flt.name,
                options=", ".join(f"{ch.id} ({ch.label})" for ch in flt.choices),
            )
        out.append(oid)
    return tuple(out)


def _one_string(flt: Filter, value: Any) -> str:
    if not isinstance(value, str):
        raise BadRequest(
            "Invalid value for filter {filter}", "expected a single text value", filter=flt.name
        )
    if "\x00" in value:
        raise BadRequest(
            "Invalid value for filter {filter}", "NUL characters are not allowed", filter=flt.name
        )
    return value


def _date_condition(
    model: Model, flt: Filter, raw: Mapping[str, Any], today: date, fiscal: int
) -> c.Condition | None:
    field = flt.fields[0]
    is_datetime = model.fields[field].kind.storage == "datetime"
    operator = raw.get(f"{flt.name}-operator") or "on_date"
    if operator not in DATE_OPERATORS:
        raise BadRequest(
            "Unknown operator {operator!r} for filter {filter}",
            "date operators: {date_operators}",
            operator=operator,
            filter=flt.name,
            date_operators=", ".join(DATE_OPERATORS),
        )
    value = raw.get(flt.name)

    def as_key(day: date) -> date | datetime:
        return datetime(day.year, day.month, day.day) if is_datetime else day

    def between(start: date, end: date, negate: bool = False) -> c.Range:
        return c.Range(field, as_key(start), as_key(end), negate)

    def need_date(key: str, label: str) -> date:
        given = raw.get(key)
        if not given:
            raise BadRequest(
                "Filter {filter} with operator {operator} needs {label}",
                "give {key} a date as Y-m-d",
                filter=flt.name,
                operator=operator,
                label=label,
                key=key,
            )
        text = given if isinstance(given, str) else ""
        try:
            return parse_date(text[:10] if len(text) == 19 else text)
        except InvalidValue:
            raise BadRequest(
                "Invalid date {given!r} for filter {filter}",
                "dates are Y-m-d, e.g. 2024-01-31",
                given=given,
                filter=flt.name,
            ) from None

    one = timedelta(days=1)
    if operator == "empty":
        return c.Empty(field)
    if operator == "not_empty":
        return c.Empty(field, negate=True)
    if operator in ("yesterday", "today", "tomorrow"):
        day = today + {"yesterday": -one, "today": timedelta(0), "tomorrow": one}[operator]
        return between(day, day + one)
    if operator.startswith("period_"):
        period = raw.get(f"{flt.name}-period")
        if not isinstance(period, str) or not period:
            raise BadRequest(
                "Filter {filter} with operator {operator} needs a period",
                "give {filter}-period one of day, week, month, quarter, year, fiscal_quarter, "
                "fiscal_year or days_N",
                filter=flt.name,
                operator=operator,
            )
        bounds = period_range(period, operator, today, fiscal)
        if bounds is None:
            raise BadRequest(
                "Unknown period {period!r} for filter {filter}",
                "periods: day, week, month, quarter, year, fiscal_quarter, fiscal_year, days_N",
                period=period,
                filter=flt.name,
            )
        return between(*bounds)
    if value in (None, "") and operator == "on_date" and f"{flt.name}-operator" not in raw:
        return None
    day = need_date(flt.name, "a date")

    def day_after(last: date) -> date | datetime | None:
        """Key where the day after `last` starts; None after the last date there is."""
        return None if last == date.max else as_key(last + one)

    if operator == "on_date":
        return c.Range(field, as_key(day), day_after(day))
    if operator == "not_on_date":
        return c.Range(field, as_key(day), day_after(day), negate=True)
    if operator == "before_date":
        return c.Range(field, None, as_key(day))
    if operator == "after_date":
        if day == date.max:  # nothing comes after it: an empty range
            return c.Range(field, as_key(day), as_key(day))
        return c.Range(field, day_after(day), None)
    end = need_date(f"{flt.name}-end", "an end date")
    if end < day:
        raise BadRequest(
            "Filter {filter}: end date is before start date",
            "between_dates needs start <= end",
            filter=flt.name,
        )
    return c.Range(field, as_key(day), day_after(end))


def _number_condition(model: Model, flt: Filter, raw: Mapping[str, Any]) -> c.Condition | None:
    field = model.fields[flt.fields[0]]
    operator = raw.get(f"{flt.name}-operator") or "eq"
    if operator not in NUMBER_OPERATORS:
        raise BadRequest(
            "Unknown operator {operator!r} for filter {filter}",
            "number operators: {number_operators}",
            operator=operator,
            filter=flt.name,
            number_operators=", ".join(NUMBER_OPERATORS),
        )
    if operator in ("empty", "not_empty"):
        return c.Empty(field.name, negate=operator == "not_empty")

    def number(key: str) -> Any:
        given = raw.get(key)
        try:
            parsed = field.kind.parse(given, scale=field.scale)
        except InvalidValue as exc:
            raise BadRequest(
                "Invalid value {given!r} for filter {filter}",
                "{reason}",
                given=given,
                filter=flt.name,
                reason=exc,
            ) from None
        if parsed is None:
            raise BadRequest(
                "Filter {filter} needs a value",
                "give {key} a number",
                filter=flt.name,
                key=key,
            )
        return parsed

    if operator == "eq" and raw.get(flt.name) in (None, ""):
        return None
    value = number(flt.name)
    if operator == "eq":
        return c.Equals(field.name, (value,))
    if operator == "not_eq":
        return c.Equals(field.name, (value,), negate=True)
    if operator in ("lt", "lte", "gt", "gte"):
        return c.Compare(field.name, operator, value)
    end = number(f"{flt.name}-end")
    return c.AnyOf((c.Range(field.name, value, end), c.Equals(field.name, (end,))))
