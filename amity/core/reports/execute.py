"""Running a report: its query with the rights of the user who runs it, the rows archived
in batches as they stream from the database (memory stays flat on a million rows)."""

from __future__ import annotations

from collections.abc import Generator, Iterator, Sequence
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

from amity.core.actor import Actor
from amity.core.fields import select_fields, to_json
from amity.core.filters import filter_conditions, parse_order
from amity.core.records import ListQuery, Records
from amity.core.reports.spec import ReportSpec, aggregate_fields, group_fields, is_numeric
from amity.schema.model import Field, Model
from amity.store.conditions import Condition

BATCH = 2000  # rows rendered and archived per write
Row = tuple[str | None, dict[str, Any]]  # (source record id or None for a group, values)
Layout = list[tuple[str, bool]]  # the run's columns and whether each is a number


def layout_of(model: Model, spec: ReportSpec) -> Layout:
    """The columns of a run's rows, in order, each with whether it holds numbers."""
    if spec.groups:
        out = [(fd.name, is_numeric(fd)) for fd in group_fields(model, spec.groups)]
        return out + [(label, True) for label in spec.aggregate_labels()]
    columns = spec.columns or tuple(model.list_fields)
    names = dict.fromkeys(("id", *columns))
    return [(name, is_numeric(model.fields[name])) for name in names]


def report_rows(
    records: Records,
    actor: Actor,
    model: Model,
    spec: ReportSpec,
    extra: Sequence[Condition] = (),
) -> Generator[list[Row], None, None]:
    """The run's rows in batches: what `actor` may read, as /data would render it.
    `extra`: further conditions (a list's "favorites only")."""
    records.policy.check(actor, model, "list")
    filters = filter_conditions(
        model,
        actor,
        filters=spec.filters or None,
        fiscal_start_month=records.settings.fiscal_year_start_month,
    ) + list(extra)
    conds = records.conditions(actor, model, ListQuery(conditions=filters))
    if spec.groups:
        yield from _groups(records, model, spec, conds)
        return
    fields = select_fields(model, spec.columns or None, all_by_default=False)
    columns = [name for name, _ in layout_of(model, spec)]
    stmt = records.query.list_statement(model, fields, conds, parse_order(model, spec.order))
    with records.db.read() as conn:
        result = conn.execution_options(stream_results=True, yield_per=BATCH).execute(stmt)
        for part in result.mappings().partitions(BATCH):
            rendered = records.render_rows(conn, model, fields, [dict(r) for r in part])
            records.hide_names(conn, actor, fields, rendered)
            yield [(r["id"], {name: r.get(name) for name in columns}) for r in rendered]


def _groups(
    records: Records, model: Model, spec: ReportSpec, conds: list[Any]
) -> Iterator[list[Row]]:
    groups = group_fields(model, spec.groups)
    aggregates = aggregate_fields(model, spec.aggregates)
    stmt = records.query.group_statement(model, groups, aggregates, conds)
    with records.db.read() as conn:
        result = conn.execution_options(stream_results=True, yield_per=BATCH).execute(stmt)
        for part in result.mappings().partitions(BATCH):
            yield [(None, group_row(groups, aggregates, dict(row))) for row in part]


def group_row(
    groups: list[Field], aggregates: list[tuple[str, Field]], row: dict[str, Any]
) -> dict[str, Any]:
    """One group as the API shows it: the group values, count, and each aggregate (money
    as exact decimal strings, as /data shows money)."""
    out: dict[str, Any] = {fd.name: to_json(fd, row[fd.name]) for fd in groups}
    out["count"] = int(row["count"])
    for function, fd in aggregates:
        label = f"{function}_{fd.name}"
        if function == "count":
            out[label] = int(row[label])
        elif function == "avg":
            out[label] = average(fd, row[f"sum_{fd.name}"], int(row[f"count_{fd.name}"]))
        else:
            out[label] = to_json(fd, whole(fd, row[label]))
    return out


def whole(fd: Field, value: Any) -> Any:
    """PostgreSQL sums integers as NUMERIC: back to an int for an integer field."""
    return int(value) if value is not None and fd.kind.storage == "integer" else value


def average(fd: Field, total: Any, count: int) -> Any:
    """sum / count: exact and rounded half up to the field's places for money (an integer
    field: two places), a float for a float field; None without values."""
    if not count or total is None:
        return None
    if fd.kind.storage == "float":
        return float(total) / count
    scale = fd.scale if fd.kind.storage == "scaled" else 0
    places = fd.scale if fd.kind.storage == "scaled" else 2
    exact = Decimal(int(total)).scaleb(-scale) / Decimal(count)
    return f"{exact.quantize(Decimal(1).scaleb(-places), rounding=ROUND_HALF_UP):.{places}f}"
