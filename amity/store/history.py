"""SQL for reading the change history (the outbox) of given kinds of objects."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import Connection

from amity.store.tables import Tables


class HistoryStore:
    def __init__(self, tables: Tables) -> None:
        self.outbox = tables.system("outbox")

    def events(
        self, conn: Connection, models: Sequence[str], offset: int, limit: int
    ) -> tuple[list[dict[str, Any]], int]:
        """Events of these models, newest first, and how many there are."""
        where = self.outbox.c.model.in_(list(models))
        total = (
            conn.execute(sa.select(sa.func.count()).select_from(self.outbox).where(where)).scalar()
            or 0
        )
        rows = conn.execute(
            sa.select(self.outbox)
            .where(where)
            .order_by(self.outbox.c.id.desc())
            .offset(offset)
            .limit(limit)
        )
        return [dict(row) for row in rows.mappings()], int(total)
