"""Writes: rows in, rows changed, kept counts and the outbox, all on the caller's transaction."""

from __future__ import annotations

import random
from collections.abc import Callable
from datetime import datetime
from typing import Any, Protocol

import orjson
import sqlalchemy as sa
from sqlalchemy.dialects.postgresql import insert as postgresql_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.engine import Connection

from amity.schema.model import Link, Model
from amity.store.engine import Database, Prepared
from amity.store.tables import COUNT_SHARDS, VERSION

EVENT_COLUMNS = (
    "model",
    "record_id",
    "kind",
    "changes",
    "actor_id",
    "credential",
    "credential_id",
    "client_id",
    "source",
    "request_id",
    "date_created",
)
SECRET_CHANGE = {"changed": True}
"""The change recorded for a password or secret: that it changed, never its value."""


class Origin(Protocol):
    """Who made a change and through what (core.actor.Actor is one)."""

    @property
    def user_id(self) -> str | None: ...
    @property
    def credential(self) -> str: ...
    @property
    def credential_id(self) -> str | None: ...
    @property
    def client_id(self) -> str | None: ...
    @property
    def source(self) -> str: ...
    @property
    def request_id(self) -> str | None: ...


class Writer:
    """Row-level writes for one database; every method runs on the given connection."""

    def __init__(self, db: Database) -> None:
        self.db = db
        self.tables = tables = db.tables
        # each process keeps its own count row, so workers' writers rarely meet on one
        self.shard = 0 if tables.dialect == "sqlite" else random.randrange(COUNT_SHARDS)
        self._inserts: dict[str, tuple[sa.Table, Prepared]] = {}
        counts = tables.system("record_counts")
        self._count_update = db.prepare(
            sa.update(counts)
            .where(counts.c.model == sa.bindparam("model"), counts.c.shard == sa.bindparam("shard"))
            .values(n=counts.c.n + sa.bindparam("delta"))
        )
        outbox = tables.system("outbox")
        tx = (
            sa.literal(0)
            if tables.dialect == "sqlite"
            else sa.text("pg_current_xact_id()::text::bigint")
        )
        self._emit = db.prepare(
            sa.insert(outbox)
            .values({"tx": tx, **{name: sa.bindparam(name) for name in EVENT_COLUMNS}})
            .returning(outbox.c.id)
        )
        # more writes an event makes in its transaction (audit rows, webhook messages),
        # given the event row (with its id)
        self.sinks: list[Callable[[Connection, dict[str, Any]], None]] = []

    def insert(self, conn: Connection, model: Model, values: dict[str, Any]) -> None:
        """Insert one row at version 1 (every column bound, so one prepared statement per
        model)."""
        table = self.tables.model(model)
        cached = self._inserts.get(model.name)
        if cached is None or cached[0] is not table:  # new tables: a custom field changed
            stmt = sa.insert(table).values(
                {
                    c.name: sa.literal(1) if c.name == VERSION else sa.bindparam(c.name)
                    for c in table.c
                }
            )
            cached = self._inserts[model.name] = (table, self.db.prepare(stmt))
        self.db.execute(conn, cached[1], values)
        self.adjust_count(conn, model, 1)

    def current(
        self, conn: Connection, model: Model, record_id: str, *, lock: bool = False
    ) -> dict[str, Any] | None:
        """The stored values of a live record, or None."""
        table = self.tables.model(model)
        stmt = sa.select(table).where(table.c.id == record_id, table.c.deleted == sa.false())
        if lock and self.tables.dialect != "sqlite":
            stmt = stmt.with_for_update()
        row = conn.execute(stmt).mappings().first()
        return dict(row) if row else None

    def exists_any(self, conn: Connection, model: Model, record_id: str) -> bool:
        """Whether a row with this id exists at all, deleted or not."""
        table = self.tables.model(model)
        stmt = sa.select(table.c.id).where(table.c.id == record_id)
        return conn.execute(stmt).first() is not None

    def live_ids(self, conn: Connection, model: Model, ids: list[str]) -> set[str]:
        table = self.tables.model(model)
        stmt = sa.select(table.c.id).where(table.c.id.in_(ids), table.c.deleted == sa.false())
        return {row.id for row in conn.execute(stmt)}

    def update(
        self, conn: Connection, model: Model, record_id: str, values: dict[str, Any]
    ) -> None:
        """Change a row's values; its version goes up by one."""
        table = self.tables.model(model)
        version = table.c[VERSION]
        conn.execute(
            sa.update(table).where(table.c.id == record_id).values({**values, VERSION: version + 1})
        )

    def update_where(
        self, conn: Connection, model: Model, column: str, value: Any, values: dict[str, Any]
    ) -> int:
        """Change the values of every row whose `column` holds `value` (a document's
        parts); their versions go up by one. Returns how many rows."""
        table = self.tables.model(model)
        version = table.c[VERSION]
        result = conn.execute(
            sa.update(table)
            .where(table.c[column] == value)
            .values({**values, VERSION: version + 1})
        )
        return int(result.rowcount or 0)

    def soft_delete(
        self, conn: Connection, model: Model, record_id: str, values: dict[str, Any]
    ) -> None:
        self.update(conn, model, record_id, {**values, "deleted": True})
        self.adjust_count(conn, model, -1)

    def adjust_count(self, conn: Connection, model: Model, delta: int) -> None:
        """Keep the model's live-record count, on one of several rows to spread contention."""
        self.db.execute(
            conn, self._count_update, {"model": model.name, "shard": self.shard, "delta": delta}
        )

    def next_value(self, conn: Connection, name: str) -> int:
        """The next number of a named sequence (case numbers, invoice numbers): one
        statement that creates or bumps the row, so concurrent writers never share one."""
        seq = self.tables.system("sequences")
        insert = (
            sqlite_insert(seq)
            if conn.dialect.name == "sqlite"
            else postgresql_insert(seq)  # the only other database Amity runs on
        )
        stmt = (
            insert.values(name=name, value=1)
            .on_conflict_do_update(index_elements=[seq.c.name], set_={"value": seq.c.value + 1})
            .returning(seq.c.value)
        )
        return int(conn.execute(stmt).scalar_one())

    def emit(
        self,
        conn: Connection,
        origin: Origin,
        *,
        model: str,
        record_id: str,
        kind: str,
        changes: dict[str, Any],
        at: datetime,
    ) -> None:
        """Write a change event to the outbox, in the same transaction as the change:
        `changes` maps each changed field to [before, after] (SECRET_CHANGE for a secret).
        Once the transaction has committed, the listeners (caches) of this process and of
        the others (through the invalidation bus) hear of it."""
        event: dict[str, Any] = {
            "model": model,
            "record_id": record_id,
            "kind": kind,
            "changes": orjson.dumps(changes, default=str).decode(),
            "actor_id": origin.user_id,
            "credential": origin.credential,
            "credential_id": origin.credential_id,
            "client_id": origin.client_id,
            "source": origin.source,
            "request_id": origin.request_id,
            "date_created": at,
        }
        event_id = self.db.execute(conn, self._emit, event)
        if self.sinks:
            event["id"] = event_id
            event["changes"] = changes
            for sink in self.sinks:
                sink(conn, event)
        self.db.changed(model, record_id)

    # -- links ------------------------------------------------------------------------
    def join_row(
        self, conn: Connection, link: Link, self_id: str, target_id: str
    ) -> dict[str, Any] | None:
        jt = self.tables.join(link)
        assert link.self_column and link.target_column
        row = (
            conn.execute(
                sa.select(jt).where(
                    jt.c[link.self_column] == self_id, jt.c[link.target_column] == target_id
                )
            )
            .mappings()
            .first()
        )
        return dict(row) if row else None

    def add_join(self, conn: Connection, link: Link, values: dict[str, Any]) -> None:
        conn.execute(sa.insert(self.tables.join(link)).values(values))

    def update_join(
        self, conn: Connection, link: Link, row_id: str, values: dict[str, Any]
    ) -> None:
        jt = self.tables.join(link)
        conn.execute(sa.update(jt).where(jt.c.id == row_id).values(values))

    def remove_join(self, conn: Connection, link: Link, self_id: str, target_id: str) -> int:
        jt = self.tables.join(link)
        assert link.self_column and link.target_column
        result = conn.execute(
            sa.delete(jt).where(
                jt.c[link.self_column] == self_id, jt.c[link.target_column] == target_id
            )
        )
        return int(result.rowcount)
