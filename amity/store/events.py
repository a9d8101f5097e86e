"""SQL of the change feed: outbox events in commit order, after a position, and their purge.

A position is (tx, id). On PostgreSQL `tx` is the writing transaction's id and ids are
handed out before commit, so a transaction that took a low id may commit after one that
took a higher id. The feed reads only events whose transaction is below the xmin of the
current snapshot: every transaction below it has ended, so no event can still appear
there, and (tx, id) order is final for everything read. On SQLite `tx` is 0 and writers
take turns, so id order is commit order.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from datetime import datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import Connection

from amity.store.conditions import Condition
from amity.store.engine import Database
from amity.store.query import QueryBuilder

Position = tuple[int, int]  # (tx, id)
PURGE_CHUNK = 10_000  # events deleted per statement


class EventStore:
    def __init__(self, db: Database, query: QueryBuilder) -> None:
        self.db = db
        self.tables = tables = db.tables
        self.query = query
        self.outbox = tables.system("outbox")
        self.postgresql = tables.dialect == "postgresql"
        c = self.outbox.c
        self._horizon = db.prepare(
            sa.select(sa.text("pg_snapshot_xmin(pg_current_snapshot())::text::bigint AS h"))
        )
        limit = sa.bindparam("limit", type_=sa.Integer)
        if self.postgresql:  # hot path: compiled once, raw driver rows
            base = sa.select(self.outbox).where(c.tx < sa.bindparam("horizon", type_=sa.BigInteger))
            after = sa.tuple_(c.tx, c.id) > sa.tuple_(
                sa.bindparam("tx", type_=sa.BigInteger), sa.bindparam("id", type_=sa.BigInteger)
            )
            order: tuple[Any, ...] = (c.tx, c.id)
        else:  # tx is always 0: the id alone orders, on the primary key
            base = sa.select(self.outbox)
            after = c.id > sa.bindparam("id", type_=sa.BigInteger)
            order = (c.id,)
        self._first = db.prepare(base.order_by(*order).limit(limit))
        self._after = db.prepare(base.where(after).order_by(*order).limit(limit))

    def horizon(self) -> int:
        """Events with tx below this have all committed or rolled back for good."""
        if not self.postgresql:
            return 1  # every SQLite event has tx 0
        return int(self.db.fetch(self._horizon, {})[0]["h"])

    def after(
        self,
        position: Position | None,
        horizon: int,
        limit: int,
        models: Sequence[str] | None = None,
    ) -> list[dict[str, Any]]:
        """Up to `limit` events after `position` (None: from the oldest), in (tx, id) order;
        date_created as a datetime, changes as stored (JSON text)."""
        if models is None:
            params: dict[str, Any] = {"limit": limit, "horizon": horizon}
            if position is not None:
                params.update(tx=position[0], id=position[1])
            rows = self.db.fetch(self._first if position is None else self._after, params)
        else:
            rows = self._filtered(position, horizon, limit, models)
        for row in rows:
            if isinstance(row["date_created"], str):  # SQLite's raw text
                row["date_created"] = datetime.fromisoformat(row["date_created"])
        return rows

    def _filtered(
        self, position: Position | None, horizon: int, limit: int, models: Sequence[str]
    ) -> list[dict[str, Any]]:
        c = self.outbox.c
        stmt = sa.select(self.outbox).where(c.model.in_(list(models)))
        if self.postgresql:
            stmt = stmt.where(c.tx < horizon).order_by(c.tx, c.id)
            if position is not None:
                stmt = stmt.where(sa.tuple_(c.tx, c.id) > sa.tuple_(*position))
        else:
            stmt = stmt.order_by(c.id)
            if position is not None:
                stmt = stmt.where(c.id > position[1])
        with self.db.read() as conn:
            return [dict(row) for row in conn.execute(stmt.limit(limit)).mappings()]

    def has_model(self, conn: Connection, model: str) -> bool:
        """Whether any kept event is of this model."""
        stmt = sa.select(self.outbox.c.id).where(self.outbox.c.model == model).limit(1)
        return conn.execute(stmt).first() is not None

    def readable_ids(
        self,
        conn: Connection,
        model_name: str,
        ids: Iterable[str],
        conditions: Sequence[Condition],
    ) -> set[str]:
        """Those of `ids` whose rows, live or soft-deleted, meet `conditions`."""
        model = self.query.registry.model(model_name)
        table = self.tables.model(model)
        wanted = sorted(set(ids))
        clauses = [self.query.where(model, table, cond) for cond in conditions]
        stmt = sa.select(table.c.id).where(table.c.id.in_(wanted), *clauses)
        return {row.id for row in conn.execute(stmt)}

    def purge(self, conn: Connection, models: Sequence[str], before: datetime) -> int:
        """Delete up to PURGE_CHUNK events of `models` written before `before`; the newest
        event always stays (SQLite would hand its id out again)."""
        c = self.outbox.c
        newest = sa.select(sa.func.max(c.id)).scalar_subquery()
        doomed = (
            sa.select(c.id)
            .where(c.date_created < before, c.model.in_(list(models)), c.id < newest)
            .order_by(c.id)
            .limit(PURGE_CHUNK)
        )
        result = conn.execute(sa.delete(self.outbox).where(c.id.in_(doomed)))
        return int(result.rowcount or 0)
