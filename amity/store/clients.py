"""SQL for registered API clients (api_clients)."""

from __future__ import annotations

from typing import Any

import orjson
import sqlalchemy as sa
from sqlalchemy.engine import Connection

from amity.store.tables import Tables

LIST_COLUMNS = ("redirect_uris", "grants", "scopes", "owner_types")


class ClientStore:
    """Inserts, reads and revokes rows of api_clients; list columns are JSON text."""

    def __init__(self, tables: Tables) -> None:
        self.clients = tables.system("api_clients")

    def add(self, conn: Connection, row: dict[str, Any]) -> None:
        values = dict(row)
        for name in LIST_COLUMNS:
            values[name] = orjson.dumps(list(row[name])).decode()
        conn.execute(sa.insert(self.clients).values(**values))

    def get(self, conn: Connection, client_id: str) -> dict[str, Any] | None:
        """An active (unrevoked) client by its client_id."""
        c = self.clients.c
        row = (
            conn.execute(
                sa.select(self.clients).where(c.client_id == client_id, c.revoked == sa.false())
            )
            .mappings()
            .first()
        )
        return decode(dict(row)) if row else None

    def list(self, conn: Connection) -> list[dict[str, Any]]:
        """Active clients, oldest first."""
        c = self.clients.c
        stmt = sa.select(self.clients).where(c.revoked == sa.false()).order_by(c.date_created, c.id)
        return [decode(dict(r)) for r in conn.execute(stmt).mappings()]

    def revoke(self, conn: Connection, client_id: str) -> bool:
        c = self.clients.c
        result = conn.execute(
            sa.update(self.clients)
            .where(c.client_id == client_id, c.revoked == sa.false())
            .values(revoked=True)
        )
        return bool(result.rowcount)


def decode(row: dict[str, Any]) -> dict[str, Any]:
    for name in LIST_COLUMNS:
        row[name] = orjson.loads(row[name])
    return row
