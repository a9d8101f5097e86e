"""SQL of a GDPR erasure: each function removes the values of some fields of one record from
one store, on the caller's transaction (amity/core/erasure.py calls them in turn)."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import Any

import orjson
import sqlalchemy as sa
from sqlalchemy.engine import Connection

from amity.store.engine import Database

ERASED_CHANGE = {"erased": True}
"""What an event shows for an erased field in place of [before, after]."""
EMPTY_ANSWER = b"{}"
"""The stored Idempotency-Key answer that replaces one that held an erased value."""


def holds_any(text: str | bytes | None, values: Sequence[str]) -> bool:
    """Whether `text` contains one of `values` (compared as UTF-8 bytes)."""
    if not text or not values:
        return False
    data = text.encode() if isinstance(text, str) else bytes(text)
    return any(value.encode() in data for value in values)


class ErasureStore:
    """The tables that keep copies of record values, and how each is cleared."""

    def __init__(self, db: Database) -> None:
        self.db = db
        self.tables = db.tables

    def checkpoint(self) -> None:
        """SQLite: copy the WAL into the database and empty it, so that the old page
        images (holding the erased values) leave the WAL file; best effort."""
        if not self.db.is_sqlite:
            return
        with self.db.engine.connect() as conn:
            conn.exec_driver_sql("PRAGMA wal_checkpoint(TRUNCATE)")

    # -- what the erasure looks at first -----------------------------------------------
    def audited_values(
        self, conn: Connection, model: str, record_id: str, fields: Sequence[str]
    ) -> list[str]:
        """Every value the audit keeps of these fields of the record."""
        t = self.tables.system("audit_log")
        rows = conn.execute(
            sa.select(
                t.c.before_value_string,
                t.c.after_value_string,
                t.c.before_value_text,
                t.c.after_value_text,
            ).where(t.c.parent == model, t.c.parent_id == record_id, t.c.field_name.in_(fields))
        )
        return [str(value) for row in rows for value in row if value not in (None, "")]

    def event_values(
        self, conn: Connection, model: str, record_id: str, fields: Sequence[str]
    ) -> list[str]:
        """Every value the record's kept events show for these fields."""
        out: list[str] = []
        for _, changes in self._events(conn, model, record_id):
            for name in fields:
                change = changes.get(name)
                if isinstance(change, list):
                    out += [str(v) for v in change if v not in (None, "")]
        return out

    # -- the participants' SQL ---------------------------------------------------------
    def clear_audit(
        self, conn: Connection, model: str, record_id: str, fields: Sequence[str]
    ) -> None:
        """The record's audit rows of these fields keep who and when, not the values."""
        t = self.tables.system("audit_log")
        conn.execute(
            sa.update(t)
            .where(t.c.parent == model, t.c.parent_id == record_id, t.c.field_name.in_(fields))
            .values(
                before_value_string=None,
                after_value_string=None,
                before_value_text=None,
                after_value_text=None,
                erased=True,
            )
        )

    def clear_events(
        self, conn: Connection, model: str, record_id: str, fields: Sequence[str]
    ) -> None:
        """The record's kept events (change feed) show these fields as erased."""
        outbox = self.tables.system("outbox")
        for event_id, changes in self._events(conn, model, record_id):
            if any(name in changes for name in fields):
                cleared = {k: ERASED_CHANGE if k in fields else v for k, v in changes.items()}
                conn.execute(
                    sa.update(outbox)
                    .where(outbox.c.id == event_id)
                    .values(changes=orjson.dumps(cleared).decode())
                )

    def _events(self, conn: Connection, model: str, record_id: str) -> list[tuple[int, Any]]:
        outbox = self.tables.system("outbox")
        rows = conn.execute(
            sa.select(outbox.c.id, outbox.c.changes).where(
                outbox.c.model == model, outbox.c.record_id == record_id
            )
        )
        out = []
        for row in rows:
            changes = orjson.loads(row.changes)
            if isinstance(changes, dict):
                out.append((row.id, changes))
        return out

    def clear_webhook_events(
        self,
        conn: Connection,
        model: str,
        record_id: str,
        fields: Sequence[str],
        values: Sequence[str],
    ) -> None:
        """The record's webhook snapshots lose these fields' values (a replay sends them
        empty); delivery answers and errors that repeat a value are dropped."""
        events = self.tables.system("webhook_events")
        rows = conn.execute(
            sa.select(events.c.id, events.c.record, events.c.previous).where(
                events.c.model == model, events.c.record_id == record_id
            )
        ).all()
        for row in rows:
            record, previous = orjson.loads(row.record), orjson.loads(row.previous)
            conn.execute(
                sa.update(events)
                .where(events.c.id == row.id)
                .values(
                    record=orjson.dumps(emptied(record, fields)).decode(),
                    previous=orjson.dumps(emptied(previous, fields)).decode(),
                )
            )
        event_ids = [row.id for row in rows]
        if not event_ids or not values:
            return
        deliveries = self.tables.system("webhook_deliveries")
        self._clear_matching(
            conn, deliveries, "response", deliveries.c.event_id.in_(event_ids), values
        )
        self._clear_matching(
            conn, deliveries, "error", deliveries.c.event_id.in_(event_ids), values
        )
        messages = self.tables.system("webhook_messages")
        self._clear_matching(
            conn, messages, "last_error", messages.c.event_id.in_(event_ids), values
        )

    def clear_idempotent_answers(self, conn: Connection, values: Sequence[str]) -> None:
        """Stored Idempotency-Key answers that repeat an erased value replay as {}."""
        if not values:
            return
        keys = self.tables.system("idempotency_keys")
        rows = conn.execute(
            sa.select(keys.c.owner, keys.c.key, keys.c.body).where(keys.c.body.is_not(None))
        )
        for row in rows.all():
            if holds_any(row.body, values):
                conn.execute(
                    sa.update(keys)
                    .where(keys.c.owner == row.owner, keys.c.key == row.key)
                    .values(body=EMPTY_ANSWER)
                )

    def _clear_matching(
        self,
        conn: Connection,
        table: sa.Table,
        column: str,
        where: sa.ColumnElement[bool],
        values: Sequence[str],
    ) -> None:
        """NULL `column` in the rows (of `where`) whose text holds one of `values`."""
        key = table.primary_key.columns.values()[0]
        rows = conn.execute(
            sa.select(key, table.c[column]).where(where, table.c[column].is_not(None))
        )
        doomed = [row[0] for row in rows if holds_any(row[1], values)]
        if doomed:
            conn.execute(sa.update(table).where(key.in_(doomed)).values({column: None}))

    def take_files(
        self, conn: Connection, model: str, record_id: str, fields: Sequence[str]
    ) -> list[str]:
        """Delete the files in these fields of the record, and the rows of their blobs that
        no other file uses; the SHA-256 of those blobs, whose bytes the caller removes."""
        files, blobs = self.tables.system("files"), self.tables.system("file_blobs")
        where = sa.and_(
            files.c.model == model, files.c.record_id == record_id, files.c.field.in_(fields)
        )
        hashes = sorted(
            {row.sha256 for row in conn.execute(sa.select(files.c.sha256).where(where))}
        )
        if not hashes:
            return []
        conn.execute(sa.delete(files).where(where))
        still_used = {
            row.sha256
            for row in conn.execute(sa.select(files.c.sha256).where(files.c.sha256.in_(hashes)))
        }
        unused = [h for h in hashes if h not in still_used]
        if unused:
            conn.execute(sa.delete(blobs).where(blobs.c.sha256.in_(unused)))
        return unused


def emptied(values: Any, fields: Iterable[str]) -> Any:
    """A JSON object with these keys set to null (anything else as it is)."""
    if not isinstance(values, dict):
        return values
    names = set(fields)
    return {k: None if k in names else v for k, v in values.items()}
