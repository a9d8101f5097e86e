"""What a report asks for, checked against the model's metadata: columns, filters (the
/data filter parameters), order, grouping by up to three fields and aggregates."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from amity.core.actor import Actor
from amity.core.clock import today
from amity.core.fields import known_field, select_fields
from amity.core.filters import parse_filters, parse_order
from amity.errors import BadRequest
from amity.schema.model import Field, Model

MAX_GROUPS = 3
FUNCTIONS = ("count", "sum", "avg", "min", "max")
NUMERIC_STORAGE = ("integer", "scaled", "float")
GROUP_STORAGE = ("string", "integer", "scaled", "float", "bool", "date", "datetime")


@dataclass(frozen=True)
class ReportSpec:
    """A report's query: plain rows (columns) or one row per group (groups, aggregates)."""

    columns: tuple[str, ...] = ()
    filters: dict[str, Any] = field(default_factory=dict)
    order: str | None = None
    groups: tuple[str, ...] = ()
    aggregates: tuple[tuple[str, str], ...] = ()  # (function, field)

    def as_json(self) -> dict[str, Any]:
        return {
            "columns": list(self.columns),
            "filters": self.filters,
            "order": self.order,
            "groups": list(self.groups),
            "aggregates": [{"function": f, "field": n} for f, n in self.aggregates],
        }

    @classmethod
    def from_json(cls, data: Mapping[str, Any]) -> ReportSpec:
        return cls(
            columns=tuple(data.get("columns") or ()),
            filters=dict(data.get("filters") or {}),
            order=data.get("order"),
            groups=tuple(data.get("groups") or ()),
            aggregates=tuple((a["function"], a["field"]) for a in data.get("aggregates") or ()),
        )

    def aggregate_labels(self) -> list[str]:
        """The columns a grouped run has besides its group fields."""
        return ["count", *(f"{f}_{n}" for f, n in self.aggregates)]


def parse_spec(raw: Mapping[str, Any], base: ReportSpec | None = None) -> ReportSpec:
    """The spec parts of a define or change request (`base`: the stored spec)."""
    spec = base or ReportSpec()
    columns = _names(raw["columns"], "columns") if "columns" in raw else spec.columns
    groups = _names(raw["groups"], "groups") if "groups" in raw else spec.groups
    filters = spec.filters
    if "filters" in raw:
        filters = raw["filters"] or {}
        if not isinstance(filters, dict):
            raise BadRequest(
                "filters must be an object of filter name to value",
                "the filters a list of records takes, e.g. last_name to Smith",
            )
    order = spec.order
    if "order" in raw:
        order = raw["order"] or None
        if order is not None and not isinstance(order, str):
            raise BadRequest("order must be a string such as 'last_name desc'")
    aggregates = spec.aggregates
    if "aggregates" in raw:
        aggregates = _aggregates(raw["aggregates"])
    return ReportSpec(tuple(columns), dict(filters), order, tuple(groups), aggregates)


def check_spec(model: Model, spec: ReportSpec, actor: Actor, fiscal_start_month: int) -> None:
    """400 naming the first thing the model does not have or cannot do."""
    select_fields(model, spec.columns or None, all_by_default=False)
    parse_filters(model, spec.filters, actor, today=today(), fiscal_start_month=fiscal_start_month)
    parse_order(model, spec.order)
    if len(spec.groups) > MAX_GROUPS:
        raise BadRequest(
            "A report groups by at most {max_groups} fields, got {count}",
            max_groups=MAX_GROUPS,
            count=len(spec.groups),
        )
    group_fields(model, spec.groups)
    if spec.aggregates and not spec.groups:
        raise BadRequest(
            "Aggregates need groups",
            "name up to three fields in groups; count and the aggregates are per group",
        )
    aggregate_fields(model, spec.aggregates)


def group_fields(model: Model, names: tuple[str, ...]) -> list[Field]:
    out = []
    for name in names:
        fd = known_field(model, name)
        if not fd.stored or fd.kind.storage not in GROUP_STORAGE:
            raise BadRequest(
                "Field {name} of {model} cannot group a report",
                "group by a stored field that is not long text (an id field for a link)",
                name=name,
                model=model.name,
            )
        out.append(fd)
    return out


def aggregate_fields(
    model: Model, aggregates: tuple[tuple[str, str], ...]
) -> list[tuple[str, Field]]:
    out = []
    for function, name in aggregates:
        fd = known_field(model, name)
        if not fd.stored or fd.type == "bool" or fd.kind.storage not in NUMERIC_STORAGE:
            raise BadRequest(
                "Field {name} of {model} is not a number or money field",
                "count, sum, avg, min and max take number and money fields",
                name=name,
                model=model.name,
            )
        out.append((function, fd))
    return out


def is_numeric(fd: Field) -> bool:
    return fd.stored and fd.type != "bool" and fd.kind.storage in NUMERIC_STORAGE


def _names(value: Any, what: str) -> tuple[str, ...]:
    if not isinstance(value, list) or not all(isinstance(v, str) and v for v in value):
        raise BadRequest("{what} must be a list of field names", what=what)
    return tuple(dict.fromkeys(value))


def _aggregates(value: Any) -> tuple[tuple[str, str], ...]:
    if not isinstance(value, list):
        value = [value]
    out: list[tuple[str, str]] = []
    for item in value:
        if (
            not isinstance(item, dict)
            or not isinstance(item.get("field"), str)
            or not isinstance(item.get("function"), str)
        ):
            raise BadRequest(
                "aggregates must be a list of objects with field and function",
                'e.g. [{"field": "amount", "function": "sum"}]',
            )
        if item["function"] not in FUNCTIONS:
            raise BadRequest(
                "Unknown aggregate function {function!r}",
                "functions: {functions}",
                function=item["function"],
                functions=", ".join(FUNCTIONS),
            )
        pair = (item["function"], item["field"])
        if pair not in out:
            out.append(pair)
    return tuple(out)
