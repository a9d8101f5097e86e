"""SQL for record numbers: one stable integer per (model, record id)."""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.engine import Connection

from amity.store.tables import Tables


class RecordNumberStore:
    """The `record_numbers` table: numbers are given once and never reused."""

    def __init__(self, tables: Tables, dialect: str) -> None:
        self.table = tables.system("record_numbers")
        self.dialect = dialect

    def known(self, conn: Connection, model: str, record_ids: Sequence[str]) -> dict[str, int]:
        """The numbers these records have been given (those without one are left out)."""
        t = self.table
        stmt = sa.select(t.c.record_id, t.c.number).where(
            t.c.model == model, t.c.record_id.in_(list(dict.fromkeys(record_ids)))
        )
        return {rid: int(number) for rid, number in conn.execute(stmt)}

    def assign(self, conn: Connection, model: str, record_ids: Sequence[str]) -> dict[str, int]:
        """The numbers of these records, giving the missing ones theirs in one statement."""
        if not record_ids:
            return {}
        rows = [{"model": model, "record_id": rid} for rid in dict.fromkeys(record_ids)]
        insert = (postgresql if self.dialect == "postgresql" else sqlite).insert(self.table)
        conn.execute(insert.values(rows).on_conflict_do_nothing())
        return self.known(conn, model, record_ids)

    def lookup(self, conn: Connection, number: int) -> tuple[str, str] | None:
        """(model, record id) of a number; None for one never given."""
        t = self.table
        row = conn.execute(sa.select(t.c.model, t.c.record_id).where(t.c.number == number)).first()
        return None if row is None else (str(row[0]), str(row[1]))
