"""`order`, `criteria`, `start` and `length` of a list call, checked against the module's
field table: a column is looked up there (never put into SQL), the values bound."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from amity.api.vtiger.modules import Module, VField
from amity.api.vtiger.rows import field_value
from amity.core.filters import order_key
from amity.core.services import Services
from amity.core.validate import parse_value
from amity.errors import BadRequest
from amity.schema.model import Model
from amity.store import conditions as c

DEFAULT_LENGTH = 100
MAX_LENGTH = 200  # the records service's largest page
MAX_START = 10**9
MAX_CRITERIA = 20
NOTHING = "\x00none"  # an id no record has: criteria on a record id that does not exist


def whole(raw: str | None, name: str, default: int, low: int, high: int) -> int:
    if raw is None or raw == "":
        return default
    if not raw.isascii() or not raw.isdigit() or not low <= int(raw) <= high:
        raise BadRequest(
            "{field} must be a whole number from {low} to {high}", field=name, low=low, high=high
        )
    return int(raw)


def paging(start: str | None, length: str | None) -> tuple[int, int]:
    return (
        whole(start, "start", 0, 0, MAX_START),
        whole(length, "length", DEFAULT_LENGTH, 1, MAX_LENGTH),
    )


def column_field(module: Module, table: Sequence[VField], column: str) -> VField:
    """The field a `table.column` (or a bare field name) names; 400 for any other."""
    for vf in table:
        if column in (module.column(vf), vf.name):
            return vf
    raise BadRequest("Unknown column {column}", column=column[:100])


def order_keys(
    module: Module, model: Model, table: Sequence[VField], raw: str | None
) -> list[c.OrderKey]:
    """`vtiger_account.accountname DESC[, ...]` as order keys; 400 for an unknown column, a
    column without an Amity field, or a direction other than ASC or DESC."""
    if not raw:
        return []
    keys = []
    for part in raw.split(","):
        words = part.split()
        if not words or len(words) > 2:
            raise BadRequest("order must be a column and ASC or DESC")
        direction = words[1].upper() if len(words) == 2 else "ASC"
        if direction not in ("ASC", "DESC"):
            raise BadRequest("order must be a column and ASC or DESC")
        vf = column_field(module, table, words[0])
        if vf.amity is None:
            raise BadRequest("Unknown column {column}", column=words[0][:100])
        keys.append(order_key(model, vf.amity, direction == "DESC"))
    return keys


def criteria(
    services: Services, module: Module, model: Model, table: Sequence[VField], raw: str | None
) -> list[c.Condition]:
    """`table.column:value;...` as exact matches (an empty value matches empty fields)."""
    if not raw:
        return []
    parts = raw.split(";")
    if len(parts) > MAX_CRITERIA:
        raise BadRequest("At most {most} criteria", most=MAX_CRITERIA)
    out: list[c.Condition] = []
    for part in parts:
        column, sep, value = part.partition(":")
        if not sep:
            raise BadRequest("A criterion is table.column:value")
        vf = column_field(module, table, column)
        if vf.amity is None:
            raise BadRequest("Unknown column {column}", column=column[:100])
        out.extend(condition(services, model, vf, value))
    return out


def condition(services: Services, model: Model, vf: VField, value: str) -> list[c.Condition]:
    assert vf.amity is not None
    fd = model.fields[vf.amity]
    if value == "" and vf.kind not in ("ref", "parent"):
        return [c.Empty(vf.amity)]
    if vf.kind in ("user", "ref", "parent"):
        try:
            data = field_value(services, model, vf, value)
        except BadRequest:
            return [c.Equals(vf.amity, (NOTHING,))]
        found = data.get(vf.amity)
        return [c.Empty(vf.amity)] if found is None else [c.Equals(vf.amity, (found,))]
    raw: Any = field_value(services, model, vf, value)[vf.amity]
    if fd.type in ("multienum", "MultiSelect", "Checkbox"):
        raise BadRequest("Column {column} takes no criteria", column=vf.name)
    values = [parse_value(fd, raw)]
    if (
        fd.type == "url"
        and isinstance(raw, str)
        and raw.startswith("http://")
        and "://" not in value
    ):
        values.append(parse_value(fd, "https://" + raw[len("http://") :]))
    return [c.Equals(vf.amity, tuple(values))]
