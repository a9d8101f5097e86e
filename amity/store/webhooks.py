"""SQL for webhooks: definitions, event snapshots, messages and the delivery log."""

from __future__ import annotations

from datetime import datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import Connection

from amity.store.engine import Database

PENDING, DELIVERED, FAILED, SKIPPED = "pending", "delivered", "failed", "skipped"
SENDING = "sending"  # a test event, sent by the request that made it


MESSAGE_STATES = (PENDING, SENDING, DELIVERED, FAILED, SKIPPED)


class WebhookStore:
    """The rows of webhooks and of what they deliver, on the caller's connection."""

    def __init__(self, db: Database) -> None:
        self.db = db
        tables = db.tables
        self.hooks = tables.system("webhooks")
        self.events = tables.system("webhook_events")
        self.messages = tables.system("webhook_messages")
        self.deliveries = tables.system("webhook_deliveries")
        self._insert_event = db.prepare(
            sa.insert(self.events).values({c.name: sa.bindparam(c.name) for c in self.events.c})
        )
        m = self.messages
        self._update_message = db.prepare(
            sa.update(m)
            .where(m.c.id == sa.bindparam("message_id"))
            .values(
                {
                    name: sa.bindparam(name)
                    for name in ("state", "attempts", "next_attempt_at", "last_error")
                }
                | {"date_modified": sa.bindparam("now")}
            )
        )
        self._insert_message = db.prepare(
            sa.insert(self.messages).values(
                {c.name: sa.bindparam(c.name) for c in self.messages.c if c.name != "id"}
            )
        )

    # -- webhooks ---------------------------------------------------------------------
    def get(self, conn: Connection, webhook_id: str) -> dict[str, Any] | None:
        row = conn.execute(sa.select(self.hooks).where(self.hooks.c.id == webhook_id)).first()
        return dict(row._mapping) if row else None

    def page(
        self, conn: Connection, owner: str | None, offset: int, limit: int
    ) -> tuple[list[dict[str, Any]], int]:
        """Webhooks oldest first (of one owner, or all)."""
        where = [] if owner is None else [self.hooks.c.assigned_user_id == owner]
        rows = conn.execute(
            sa.select(self.hooks)
            .where(*where)
            .order_by(self.hooks.c.date_entered, self.hooks.c.id)
            .offset(offset)
            .limit(limit)
        )
        total = conn.execute(sa.select(sa.func.count()).select_from(self.hooks).where(*where))
        return [dict(r._mapping) for r in rows], int(total.scalar_one())

    def active(self, conn: Connection) -> list[dict[str, Any]]:
        """Every webhook that is switched on (what writes select from)."""
        stmt = sa.select(self.hooks).where(self.hooks.c.disabled == sa.false())
        return [dict(r._mapping) for r in conn.execute(stmt)]

    def insert(self, conn: Connection, values: dict[str, Any]) -> None:
        conn.execute(sa.insert(self.hooks).values(values))

    def update(self, conn: Connection, webhook_id: str, values: dict[str, Any]) -> None:
        conn.execute(sa.update(self.hooks).where(self.hooks.c.id == webhook_id).values(values))

    def delete(self, conn: Connection, webhook_id: str) -> None:
        """The webhook with its messages and log (the event snapshots go with the sweep)."""
        for table in (self.deliveries, self.messages):
            conn.execute(sa.delete(table).where(table.c.webhook_id == webhook_id))
        conn.execute(sa.delete(self.hooks).where(self.hooks.c.id == webhook_id))

    def owned_by(self, conn: Connection, user_id: str) -> list[str]:
        stmt = sa.select(self.hooks.c.id).where(self.hooks.c.assigned_user_id == user_id)
        return [r.id for r in conn.execute(stmt)]

    # -- what writes leave ----------------------------------------------------------------
    def add_event(self, conn: Connection, values: dict[str, Any]) -> None:
        self.db.execute(conn, self._insert_event, values)

    def add_messages(self, conn: Connection, rows: list[dict[str, Any]]) -> None:
        self.db.execute_many(conn, self._insert_message, rows)

    def unfanned(self, conn: Connection, limit: int) -> list[dict[str, Any]]:
        """Events not yet fanned out to their webhooks, oldest first."""
        e = self.events
        stmt = sa.select(e).where(e.c.fanned == sa.false()).order_by(e.c.seq).limit(limit)
        return [dict(r._mapping) for r in conn.execute(stmt)]

    def has_unfanned(self, conn: Connection) -> bool:
        e = self.events
        stmt = sa.select(e.c.id).where(e.c.fanned == sa.false()).limit(1)
        return conn.execute(stmt).first() is not None

    def fanned(self, conn: Connection, kept: list[str], dropped: list[str]) -> None:
        """Mark events fanned out; drop those that gave no message."""
        e = self.events
        if kept:
            conn.execute(sa.update(e).where(e.c.id.in_(kept)).values(fanned=True, hooks=None))
        if dropped:
            conn.execute(sa.delete(e).where(e.c.id.in_(dropped)))

    # -- delivering -----------------------------------------------------------------------
    def pending(
        self,
        conn: Connection,
        webhook_id: str,
        limit: int,
        event_id: str | None = None,
        state: str = PENDING,
    ) -> list[dict[str, Any]]:
        """The webhook's pending messages (or those in `state`; of one event), oldest
        first, with their events' snapshots."""
        m, e = self.messages, self.events
        stmt = (
            sa.select(
                m.c.id,
                m.c.event_id,
                m.c.record_id,
                m.c.attempts,
                m.c.next_attempt_at,
                e.c.kind,
                e.c.model,
                e.c.record,
                e.c.previous,
                e.c.actor,
                e.c.occurred_at,
            )
            .join(e, e.c.id == m.c.event_id)
            .where(
                m.c.webhook_id == webhook_id,
                m.c.state == state,
                *([] if event_id is None else [m.c.event_id == event_id]),
            )
            .order_by(m.c.id)
            .limit(limit)
        )
        return [dict(r._mapping) for r in conn.execute(stmt)]

    def due_webhooks(self, conn: Connection, now: datetime) -> list[str]:
        """Webhooks with a pending message that is due (for the periodic wake-up)."""
        m = self.messages
        stmt = (
            sa.select(m.c.webhook_id)
            .where(m.c.state == PENDING, m.c.next_attempt_at <= now)
            .distinct()
        )
        return [r.webhook_id for r in conn.execute(stmt)]

    def set_message(self, conn: Connection, message_id: int, values: dict[str, Any]) -> None:
        conn.execute(
            sa.update(self.messages).where(self.messages.c.id == message_id).values(values)
        )

    def settle(self, conn: Connection, rows: list[dict[str, Any]]) -> None:
        """Record how attempts went: each row has message_id, state, attempts,
        next_attempt_at, last_error and now (one driver call for them all)."""
        if rows:
            self.db.execute_many(conn, self._update_message, rows)

    def log(self, conn: Connection, rows: list[dict[str, Any]]) -> None:
        if rows:
            conn.execute(sa.insert(self.deliveries), rows)

    def fail_pending(self, conn: Connection, webhook_id: str, reason: str, now: datetime) -> None:
        m = self.messages
        conn.execute(
            sa.update(m)
            .where(m.c.webhook_id == webhook_id, m.c.state == PENDING)
            .values(state=FAILED, last_error=reason[:500], date_modified=now)
        )

    def requeue_failed(
        self, conn: Connection, webhook_id: str, since: datetime, now: datetime
    ) -> int:
        """Failed messages of events since `since` become pending again; how many."""
        m = self.messages
        result = conn.execute(
            sa.update(m)
            .where(m.c.webhook_id == webhook_id, m.c.state == FAILED, m.c.date_created >= since)
            .values(state=PENDING, next_attempt_at=now, date_modified=now)
        )
        return int(result.rowcount)

    def message(self, conn: Connection, message_id: int) -> dict[str, Any] | None:
        row = conn.execute(sa.select(self.messages).where(self.messages.c.id == message_id)).first()
        return dict(row._mapping) if row else None

    # -- the log ------------------------------------------------------------------------
    def delivery(
        self, conn: Connection, webhook_id: str, delivery_id: str
    ) -> dict[str, Any] | None:
        d = self.deliveries
        stmt = sa.select(d).where(d.c.id == delivery_id, d.c.webhook_id == webhook_id)
        row = conn.execute(stmt).first()
        return dict(row._mapping) if row else None

    def delivery_page(
        self, conn: Connection, webhook_id: str, offset: int, limit: int
    ) -> tuple[list[dict[str, Any]], int]:
        """Attempts newest first."""
        d = self.deliveries
        where = d.c.webhook_id == webhook_id
        rows = conn.execute(
            sa.select(d)
            .where(where)
            .order_by(d.c.date_created.desc(), d.c.id.desc())
            .offset(offset)
            .limit(limit)
        )
        total = conn.execute(sa.select(sa.func.count()).select_from(d).where(where))
        return [dict(r._mapping) for r in rows], int(total.scalar_one())

    # -- retention ----------------------------------------------------------------------
    def message_counts(self, conn: Connection) -> dict[str, int]:
        """Messages per state (pending, sending, delivered, failed, skipped), from the
        index that starts with the state."""
        m = self.messages
        counts = dict.fromkeys(MESSAGE_STATES, 0)
        for state, n in conn.execute(sa.select(m.c.state, sa.func.count()).group_by(m.c.state)):
            counts[str(state)] = int(n)
        return counts

    def purge(self, conn: Connection, before: datetime) -> int:
        """Attempts, finished messages and unreferenced snapshots older than `before`."""
        d, m, e = self.deliveries, self.messages, self.events
        gone = conn.execute(sa.delete(d).where(d.c.date_created < before)).rowcount
        gone += conn.execute(
            sa.delete(m).where(m.c.state != PENDING, m.c.date_modified < before)
        ).rowcount
        unreferenced = ~sa.exists().where(m.c.event_id == e.c.id)
        gone += conn.execute(sa.delete(e).where(e.c.occurred_at < before, unreferenced)).rowcount
        return int(gone)
