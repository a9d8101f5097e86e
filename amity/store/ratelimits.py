"""SQL for per-user and per-client rate limits (overrides of AMITY_RATE_LIMIT)."""

from __future__ import annotations

from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.engine import Connection

from amity.store.tables import Tables


class RateLimitStore:
    """One row per (kind, subject): kind is 'user' (a user id) or 'client' (a client_id)."""

    def __init__(self, tables: Tables) -> None:
        self.table = tables.system("rate_limits")

    def all(self, conn: Connection) -> list[tuple[str, str, str]]:
        t = self.table
        rows = conn.execute(
            sa.select(t.c.kind, t.c.subject_id, t.c.rate).order_by(t.c.kind, t.c.subject_id)
        )
        return [(kind, subject, rate) for kind, subject, rate in rows]

    def rate(self, conn: Connection, kind: str, subject_id: str) -> str | None:
        t = self.table
        stmt = sa.select(t.c.rate).where(t.c.kind == kind, t.c.subject_id == subject_id)
        value = conn.execute(stmt).scalar()
        return None if value is None else str(value)

    def put(self, conn: Connection, kind: str, subject_id: str, rate: str, at: datetime) -> None:
        self.remove(conn, kind, subject_id)
        conn.execute(
            sa.insert(self.table).values(
                kind=kind, subject_id=subject_id, rate=rate, date_modified=at
            )
        )

    def remove(self, conn: Connection, kind: str, subject_id: str) -> bool:
        t = self.table
        result = conn.execute(sa.delete(t).where(t.c.kind == kind, t.c.subject_id == subject_id))
        return bool(result.rowcount)
