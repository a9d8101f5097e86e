"""SQL for picklist dependencies: one row per (model, dependent field)."""

from __future__ import annotations

from datetime import datetime
from typing import Any

import orjson
import sqlalchemy as sa
from sqlalchemy.engine import Connection

from amity.store.tables import Tables


class DependencyStore:
    def __init__(self, tables: Tables) -> None:
        self.table = tables.system("picklist_dependencies")

    def all(self, conn: Connection) -> list[dict[str, Any]]:
        t = self.table
        rows = conn.execute(sa.select(t).order_by(t.c.model, t.c.target_field)).mappings()
        return [dict(row, mapping=orjson.loads(row["mapping"])) for row in rows]

    def put(
        self,
        conn: Connection,
        model: str,
        target: str,
        source: str,
        mapping: dict[str, list[Any]],
        user_id: str,
        at: datetime,
    ) -> None:
        self.remove(conn, model, target)
        conn.execute(
            sa.insert(self.table).values(
                model=model,
                target_field=target,
                source_field=source,
                mapping=orjson.dumps(mapping).decode(),
                modified_by=user_id,
                date_modified=at,
            )
        )

    def remove(self, conn: Connection, model: str, target: str) -> bool:
        t = self.table
        result = conn.execute(sa.delete(t).where(t.c.model == model, t.c.target_field == target))
        return bool(result.rowcount)
