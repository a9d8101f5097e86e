"""SQL for the records each user opened last (amity/core/recent.py)."""

from __future__ import annotations

from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.engine import Connection

from amity.store.tables import Tables


class RecentStore:
    """One row per user and record, with when the user last opened it."""

    def __init__(self, tables: Tables) -> None:
        self.table = tables.system("recent_views")

    def record(
        self, conn: Connection, user_id: str, model: str, record_id: str, at: datetime, keep: int
    ) -> None:
        """Note the view (again: it moves to the top); only the latest `keep` stay."""
        t = self.table
        conn.execute(
            sa.delete(t).where(
                t.c.user_id == user_id, t.c.model == model, t.c.record_id == record_id
            )
        )
        conn.execute(
            sa.insert(t).values(user_id=user_id, model=model, record_id=record_id, viewed_at=at)
        )
        old = conn.execute(
            sa.select(t.c.model, t.c.record_id)
            .where(t.c.user_id == user_id)
            .order_by(t.c.viewed_at.desc(), t.c.record_id)
            .offset(keep)
        ).all()
        for row in old:
            conn.execute(
                sa.delete(t).where(
                    t.c.user_id == user_id, t.c.model == row.model, t.c.record_id == row.record_id
                )
            )

    def latest(self, conn: Connection, user_id: str, limit: int) -> list[tuple[str, str]]:
        """(model, record id) of the user's latest views, the newest first."""
        t = self.table
        rows = conn.execute(
            sa.select(t.c.model, t.c.record_id)
            .where(t.c.user_id == user_id)
            .order_by(t.c.viewed_at.desc(), t.c.record_id)
            .limit(limit)
        )
        return [(row.model, row.record_id) for row in rows]
