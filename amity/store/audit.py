"""SQL of the field-level audit: rows written with the events, read newest first behind
the record's read conditions, purged after the retention; and the `audited` overrides."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import Connection

from amity.schema.model import Model
from amity.store.conditions import Condition
from amity.store.engine import Database
from amity.store.query import QueryBuilder

ROW_COLUMNS = (
    "parent",
    "parent_id",
    "field_name",
    "data_type",
    "before_value_string",
    "after_value_string",
    "before_value_text",
    "after_value_text",
    "erased",
    "source",
    "created_by",
    "date_created",
)


class AuditStore:
    """Reads and writes audit_log and audit_fields rows."""

    def __init__(self, db: Database) -> None:
        self.db = db
        table = db.tables.system("audit_log")
        self._insert = db.prepare(
            sa.insert(table).values({name: sa.bindparam(name) for name in ROW_COLUMNS})
        )

    @property
    def table(self) -> sa.Table:
        return self.db.tables.system("audit_log")

    @property
    def fields_table(self) -> sa.Table:
        return self.db.tables.system("audit_fields")

    def write(self, conn: Connection, rows: list[dict[str, Any]]) -> None:
        """Insert rows (each with every ROW_COLUMNS key) with one prepared statement."""
        if len(rows) == 1:
            self.db.execute(conn, self._insert, rows[0])
        elif rows:
            self.db.execute_many(conn, self._insert, rows)

    def page(
        self,
        conn: Connection,
        query: QueryBuilder,
        model: Model,
        record_id: str | None,
        conditions: Sequence[Condition],
        user_model: Model,
        offset: int,
        limit: int,
    ) -> tuple[list[dict[str, Any]], int]:
        """Rows of `model` (of one record when record_id is given), newest first, whose
        record meets `conditions` (deleted records included), with the writing user's
        name parts; and how many there are."""
        t = self.table
        where: list[sa.ColumnElement[bool]] = [t.c.parent == model.name]
        if record_id is not None:
            where.append(t.c.parent_id == record_id)
        if conditions:
            records = self.db.tables.model(model)
            readable = sa.select(records.c.id).where(
                *(query.where(model, records, cond) for cond in conditions)
            )
            if record_id is not None:
                readable = readable.where(records.c.id == record_id)
            where.append(t.c.parent_id.in_(readable))
        total = conn.execute(sa.select(sa.func.count()).select_from(t).where(*where)).scalar()
        users = self.db.tables.model(user_model)
        rows = conn.execute(
            sa.select(
                t,
                users.c.user_name.label("user_name"),
                users.c.first_name.label("user_first_name"),
                users.c.last_name.label("user_last_name"),
            )
            .select_from(t.outerjoin(users, users.c.id == t.c.created_by))
            .where(*where)
            .order_by(t.c.id.desc())
            .offset(offset)
            .limit(limit)
        )
        return [dict(row) for row in rows.mappings()], int(total or 0)

    def purge(self, conn: Connection, before: datetime) -> int:
        """Delete the rows written before `before`; how many went."""
        t = self.table
        return int(conn.execute(sa.delete(t).where(t.c.date_created < before)).rowcount)

    # -- which fields are audited -----------------------------------------------------
    def overrides(self, conn: Connection) -> dict[tuple[str, str], bool]:
        """(model, field) -> audited, for every field an admin switched."""
        t = self.fields_table
        return {
            (row.model, row.field_name): bool(row.audited)
            for row in conn.execute(sa.select(t.c.model, t.c.field_name, t.c.audited))
        }

    def set_override(
        self,
        conn: Connection,
        model: str,
        field_name: str,
        audited: bool,
        user_id: str | None,
        at: datetime,
    ) -> None:
        t = self.fields_table
        values = {"audited": audited, "modified_by": user_id, "date_modified": at}
        done = conn.execute(
            sa.update(t).where(t.c.model == model, t.c.field_name == field_name).values(values)
        )
        if not done.rowcount:
            conn.execute(sa.insert(t).values(model=model, field_name=field_name, **values))
