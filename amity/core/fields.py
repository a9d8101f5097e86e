"""Which fields a read returns, and how stored rows become 1CRM JSON records."""

from __future__ import annotations

import functools
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

from amity.errors import BadRequest, UnknownField
from amity.lru import LruCache
from amity.schema.model import Field, Model
from amity.schema.types import DecimalType, FieldType
from amity.store.query import LINK_DATA

PSEUDO_FIELDS = frozenset({"_display", "favorite"})


def select_fields(
    model: Model, requested: Sequence[str] | None, *, all_by_default: bool
) -> tuple[Field, ...]:
    """The fields to read: the requested ones (checked) or the defaults, plus id, the
    name and what the name is built from; a ref field brings its id field."""
    if not requested:  # the defaults are worked out once per model
        key = (id(model), all_by_default)
        cached = _DEFAULTS.get(key)
        if cached is None or cached[0] is not model:
            cached = _DEFAULTS[key] = (model, _select(model, None, all_by_default))
        return cached[1]
    return _select(model, requested, all_by_default)


# a model's default fields; a metadata change brings new Model objects, so this is bounded too
_DEFAULTS: LruCache[tuple[int, bool], tuple[Model, tuple[Field, ...]]] = LruCache(256)


def known_field(model: Model, name: str) -> Field:
    """The model's field of that name; a 400 naming it when there is none."""
    fd = model.fields.get(name)
    if fd is None:
        raise UnknownField(
            "Unknown field {name} in model {model}",
            "list the fields of {model} to see the valid names",
            name=name,
            model=model.name,
        )
    return fd


def _select(
    model: Model, requested: Sequence[str] | None, all_by_default: bool
) -> tuple[Field, ...]:
    if requested:
        names: list[str] = []
        for name in requested:
            if not isinstance(name, str):
                raise BadRequest("fields must be a list of field names")
            if name in PSEUDO_FIELDS:
                continue
            names.append(known_field(model, name).name)
    elif all_by_default:
        names = list(model.fields)
    else:
        names = list(model.list_fields)
    wanted = dict.fromkeys(["id", *names, *model.name_sources()])
    if "name" in model.fields:
        wanted["name"] = None
    for name in list(wanted):
        fd = model.fields[name]
        if fd.type == "ref" and fd.id_name:
            wanted[fd.id_name] = None
            if fd.ref_model is None and "parent_type" in model.fields:
                wanted["parent_type"] = None
    return tuple(model.fields[name] for name in wanted if name in model.fields)


def person_name(parts: dict[str, Any], prefix: str = "") -> str | None:
    """'Kristina Abramowitz' from salutation/first/last (salutation only with a first name
    missing, as 1CRM's default 's f l' format collapses)."""
    first = parts.get(prefix + "first_name") or ""
    last = parts.get(prefix + "last_name") or ""
    if not first and not last:
        return None
    return " ".join(p for p in (first, last) if p)


def render(
    model: Model,
    fields: Sequence[Field],
    row: dict[str, Any],
    parent_names: dict[tuple[str, str], str | None] | None = None,
) -> dict[str, Any]:
    """A stored row as a 1CRM record: JSON values, ref names, name and _display."""
    plan = _plan(model, fields)
    out: dict[str, Any] = {}
    for name, convert in plan.stored:
        value = row.get(name)
        out[name] = value if convert is None or value is None else convert(value)
    for fd in plan.refs:
        out[fd.name] = _ref_name(fd, row, parent_names)
    if model.person:
        out["name"] = person_name(row)
    if "name" in out:
        out["_display"] = out["name"]
    link_data = row.get(LINK_DATA)
    if link_data:  # join-table fields of a related list (e.g. contact_role)
        out.update(link_data)
    return out


@dataclass(frozen=True)
class _RenderPlan:
    """What render does for one model and field list, worked out once."""

    model: Model  # held so that id(model) in the cache key stays unique
    stored: list[tuple[str, Callable[[Any], Any] | None]]
    refs: list[Field]


PLAN_CACHE_SIZE = 1024  # render plans kept: one per model and `fields` list a client sent
_PLANS: LruCache[tuple[int, tuple[str, ...]], _RenderPlan] = LruCache(PLAN_CACHE_SIZE)


def _plan(model: Model, fields: Sequence[Field]) -> _RenderPlan:
    key = (id(model), tuple(fd.name for fd in fields))
    plan = _PLANS.get(key)
    if plan is None or plan.model is not model:
        stored = [(fd.name, converter(fd)) for fd in fields if fd.stored]
        refs = [fd for fd in fields if not fd.stored and fd.type == "ref"]
        plan = _PLANS[key] = _RenderPlan(model, stored, refs)
    return plan


def converter(fd: Field) -> Callable[[Any], Any] | None:
    """The stored -> JSON conversion of a field; None where the value is already JSON."""
    if isinstance(fd.kind, DecimalType):
        return functools.partial(fd.kind.scaled_json, scale=fd.scale)
    if type(fd.kind).to_json is FieldType.to_json:
        return None
    return fd.kind.to_json


def to_json(fd: Field, value: Any) -> Any:
    if value is None:
        return None
    convert = converter(fd)
    return value if convert is None else convert(value)


def _ref_name(
    fd: Field, row: dict[str, Any], parent_names: dict[tuple[str, str], str | None] | None
) -> str | None:
    if fd.ref_model is None:
        key = (row.get("parent_type") or "", row.get(fd.id_name or "") or "")
        return (parent_names or {}).get(key)
    prefix = f"{fd.name}."
    if f"{prefix}last_name" in row or f"{prefix}first_name" in row:
        return person_name(row, prefix)
    value = row.get(f"{prefix}name")
    return value if isinstance(value, str) else None
