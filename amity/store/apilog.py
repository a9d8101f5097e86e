"""SQL for the API call log (api_calls) and for reading a record's change history."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import Connection

from amity.store.engine import Database

CALL_COLUMNS = (
    "time",
    "user_id",
    "user_name",
    "credential",
    "ip",
    "method",
    "path",
    "status",
    "duration_ms",
)


@dataclass(frozen=True)
class CallFilter:
    """Which logged calls to list; None means any."""

    user_name: str | None = None
    method: str | None = None
    status: int | None = None
    since: datetime | None = None
    until: datetime | None = None
    path: str | None = None  # calls whose path starts with this


class ApiLogStore:
    """Inserts, prunes and lists rows of api_calls."""

    def __init__(self, db: Database) -> None:
        self.db = db
        self.calls = db.tables.system("api_calls")
        self.outbox = db.tables.system("outbox")
        self.insert = db.prepare(
            sa.insert(self.calls).values({name: sa.bindparam(name) for name in CALL_COLUMNS})
        )

    def add_calls(self, conn: Connection, rows: list[dict[str, Any]]) -> None:
        if rows:  # many rows a second: the driver's executemany, no per-row SQLAlchemy work
            self.db.execute_many(conn, self.insert, rows)

    def prune(self, conn: Connection, before: datetime) -> int:
        """Delete calls logged before `before`; returns how many."""
        result = conn.execute(sa.delete(self.calls).where(self.calls.c.time < before))
        return int(result.rowcount or 0)

    def list_calls(
        self, conn: Connection, where: CallFilter, offset: int, limit: int
    ) -> tuple[list[dict[str, Any]], int]:
        """A page of calls, newest first, and the number matching."""
        c = self.calls.c
        conditions: list[sa.ColumnElement[bool]] = []
        if where.user_name is not None:
            conditions.append(c.user_name == where.user_name)
        if where.method is not None:
            conditions.append(c.method == where.method)
        if where.status is not None:
            conditions.append(c.status == where.status)
        if where.since is not None:
            conditions.append(c.time >= where.since)
        if where.until is not None:
            conditions.append(c.time <= where.until)
        if where.path is not None:
            conditions.append(c.path.startswith(where.path, autoescape=True))
        total = conn.execute(
            sa.select(sa.func.count()).select_from(self.calls).where(*conditions)
        ).scalar_one()
        stmt = (
            sa.select(self.calls)
            .where(*conditions)
            .order_by(c.time.desc(), c.id.desc())
            .offset(offset)
            .limit(limit)
        )
        return [dict(r) for r in conn.execute(stmt).mappings()], int(total)

    def history(self, conn: Connection, model: str, record_id: str) -> list[dict[str, Any]]:
        """The change events of one record, oldest first: kind, actor, source, time."""
        o = self.outbox.c
        stmt = (
            sa.select(o.kind, o.actor_id, o.source, o.date_created)
            .where(o.model == model, o.record_id == record_id)
            .order_by(o.id)
        )
        return [dict(r) for r in conn.execute(stmt).mappings()]
