"""Lists read their rows from indexes, not by walking the whole table in order.

SQLite plans without statistics (Amity keeps none; and they could not tell how empty a
link column is): given the choice, it walks a sort index past every row to skip sorting a
few. At a million contacts that made a contact's direct reports take a second and a
`filter_text` search three. These tests read the plans SQLite picks: for every related
list of every built-in model, and for the search of every model that has one."""

from __future__ import annotations

from typing import Any

import pytest
import sqlalchemy as sa

from amity.core.actor import CLI
from amity.core.filters import filter_conditions
from amity.core.services import Services
from amity.schema.model import Link, Model
from amity.store.conditions import OrderKey
from amity.store.query import Scope


def captured_selects(services: Services, run: Any) -> list[tuple[str, Any]]:
    """The SELECT statements (with parameters) that `run()` sends to the database."""
    seen: list[tuple[str, Any]] = []

    def note(conn: Any, cursor: Any, statement: str, params: Any, context: Any, many: Any) -> None:
        if statement.lstrip().upper().startswith("SELECT"):
            seen.append((statement, params))

    sa.event.listen(services.db.engine, "before_cursor_execute", note)
    try:
        run()
    finally:
        sa.event.remove(services.db.engine, "before_cursor_execute", note)
    return seen


def plan_of(services: Services, statement: str, params: Any) -> list[str]:
    with services.db.engine.connect() as conn:
        rows = conn.exec_driver_sql("EXPLAIN QUERY PLAN " + statement, params).all()
    return [str(row[-1]) for row in rows]


def list_statement(services: Services, model: Model, link: Link) -> tuple[str, Any]:
    """The statement of a page of one record's related list, as list_records sends it."""
    query = services.records.query
    target = services.records.registry.models[link.target]
    fields = [target.fields["id"], *(target.fields[n] for n in target.list_fields)]

    def run() -> None:
        with services.db.read() as conn:
            query.select_rows(
                conn,
                target,
                fields,
                order=[OrderKey(target.default_order)],
                limit=6,
                scope=Scope(model, link, "some-record"),
            )

    (page,) = captured_selects(services, run)
    return page


def expected_start(services: Services, link: Link) -> str:
    """What the first step of the plan must constrain: the join table's or the target's
    link column equal to the record's id."""
    if link.kind == "many_to_many":
        return f"{link.self_column}=?"
    return f"{'parent_id' if link.kind == 'parent' else link.target_column}=?"


def test_every_related_list_of_one_record_starts_from_its_link(services: Services) -> None:
    if services.db.tables.dialect != "sqlite":
        pytest.skip("the plans read here are SQLite's; PostgreSQL keeps statistics")
    wrong = []
    for model in services.records.registry.models.values():
        if not model.links:
            continue
        for link in model.links.values():
            if link.target not in services.records.registry.models:
                continue
            statement, params = list_statement(services, model, link)
            plan = plan_of(services, statement, params)
            if expected_start(services, link) not in plan[0]:
                wrong.append((model.name, link.name, plan))
    assert wrong == []


def test_a_search_over_several_fields_reads_each_fields_index(services: Services) -> None:
    if services.db.tables.dialect != "sqlite":
        pytest.skip("the plans read here are SQLite's; PostgreSQL keeps statistics")
    query = services.records.query
    wrong = []
    for name in ("Contact", "Account", "Lead", "Opportunity", "aCase"):
        model = services.records.registry.models[name]
        conditions = filter_conditions(model, CLI, search="Quin")

        def run(model: Model = model, conditions: Any = conditions) -> None:
            with services.db.read() as conn:
                query.select_rows(
                    conn,
                    model,
                    [model.fields["id"]],
                    conditions=conditions,
                    order=[OrderKey(model.default_order)],
                    limit=20,
                )
                query.count_rows(conn, model, conditions=conditions)

        for statement, params in captured_selects(services, run):
            plan = plan_of(services, statement, params)
            searched = [step for step in plan if step.startswith("SEARCH")]
            if not searched or any("deleted=? AND <expr>" not in step for step in searched):
                wrong.append((name, plan))
    assert wrong == []
