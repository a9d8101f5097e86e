"""SQL of a GDPR erasure: each function removes the values of some fields of one record from
one store, on the caller's transaction (amity/core/erasure.py calls them in turn)."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

import orjson
import sqlalchemy as sa
from sqlalchemy.engine import Connection

from amity.store.engine import Database

ERASED_CHANGE = {"erased": True}
"""What an event shows for an erased field in place of [before, after]."""
EMPTY_ANSWER = b"{}"
"""The stored Idempotency-Key answer that replaces one that held an erased value."""
FREED = datetime(1970, 1, 1)
"""The `stored_at` of a blob an erasure freed: its bytes go once the erasure has committed
(an upload of the same bytes in between sets it to now, and keeps them); should that step
fail, the files sweep takes the blob as a long unused one."""


MIN_SEARCHED = 3
"""Values shorter than this are not looked for as bytes anywhere in a stored body: "Dr",
"1" or "m" occur in most bodies, and every stored answer of every user would be dropped.
In JSON they are still found exactly, by field name (Traces.cleaned)."""


@dataclass(frozen=True)
class Traces:
    """What an erasure looks for in stored bodies (answers, delivery logs): the erased
    fields of one record and every value they held."""

    record_id: str
    fields: frozenset[str]
    values: frozenset[str]

    def cleaned(self, body: bytes, *, of_record: bool) -> bytes | None:
        """`body` without the erased values, or None when it must go whole. In a JSON
        body (its shape kept) each erased field that holds one of the values is null,
        whatever the value's length, when the body is about the record (`of_record`, or
        the record's id is in it), and so is every string that contains a value long
        enough to search for (a reference's name, a message). A body that is no JSON, or
        still holds such a value (in a key), goes whole when the value is in its bytes."""
        try:
            doc = orjson.loads(body)
        except orjson.JSONDecodeError:
            doc = None
        if isinstance(doc, dict | list):
            by_field = of_record or mentions(doc, self.record_id)
            nulled = self._nulled(doc, by_field, self.searched_text)
            if nulled != doc:
                body = orjson.dumps(nulled)
        if any(value.encode() in body for value in self.searched_text):
            return None
        return body

    @property
    def searched_text(self) -> tuple[str, ...]:
        """The values looked for anywhere, in JSON or not: those long enough."""
        return tuple(v for v in sorted(self.values) if len(v) >= MIN_SEARCHED)

    def _nulled(self, doc: Any, by_field: bool, searched: tuple[str, ...]) -> Any:
        if isinstance(doc, list):
            return [self._nulled(item, by_field, searched) for item in doc]
        if isinstance(doc, str):
            return None if any(value in doc for value in searched) else doc
        if not isinstance(doc, dict):
            return doc
        return {
            k: None
            if by_field and k in self.fields and self._holds(v)
            else self._nulled(v, by_field, searched)
            for k, v in doc.items()
        }

    def _holds(self, value: Any) -> bool:
        if isinstance(value, bool) or not isinstance(value, str | int | float):
            return False
        return str(value) in self.values


def mentions(doc: Any, text: str) -> bool:
    """Whether `text` is one of the strings of a JSON document (a key or a value)."""
    if isinstance(doc, str):
        return doc == text
    if isinstance(doc, list):
        return any(mentions(item, text) for item in doc)
    if isinstance(doc, dict):
        return any(k == text or mentions(v, text) for k, v in doc.items())
    return False


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

    def clear_webhook_events(self, conn: Connection, model: str, traces: Traces) -> None:
        """The record's webhook snapshots lose the erased fields' values (a replay sends
        them empty); the delivery log's answers and errors of its events lose them too
        (Traces.cleaned: nulled in JSON, dropped where a value is still found)."""
        events = self.tables.system("webhook_events")
        rows = conn.execute(
            sa.select(events.c.id, events.c.record, events.c.previous).where(
                events.c.model == model, events.c.record_id == traces.record_id
            )
        ).all()
        for row in rows:
            record, previous = orjson.loads(row.record), orjson.loads(row.previous)
            conn.execute(
                sa.update(events)
                .where(events.c.id == row.id)
                .values(
                    record=orjson.dumps(emptied(record, traces.fields)).decode(),
                    previous=orjson.dumps(emptied(previous, traces.fields)).decode(),
                )
            )
        event_ids = [row.id for row in rows]
        if not event_ids:
            return
        deliveries = self.tables.system("webhook_deliveries")
        messages = self.tables.system("webhook_messages")
        for table, column in (
            (deliveries, "response"),
            (deliveries, "error"),
            (messages, "last_error"),
        ):
            self._clean_column(conn, table, column, table.c.event_id.in_(event_ids), traces)

    def clear_idempotent_answers(self, conn: Connection, traces: Traces) -> None:
        """Stored Idempotency-Key answers about the record lose the erased values (the
        fields are null in a JSON answer); one that still holds a value replays as {}."""
        keys = self.tables.system("idempotency_keys")
        rows = conn.execute(
            sa.select(keys.c.owner, keys.c.key, keys.c.body).where(keys.c.body.is_not(None))
        )
        for row in rows.all():
            body = bytes(row.body)
            cleaned = traces.cleaned(body, of_record=False)
            if cleaned != body:
                conn.execute(
                    sa.update(keys)
                    .where(keys.c.owner == row.owner, keys.c.key == row.key)
                    .values(body=EMPTY_ANSWER if cleaned is None else cleaned)
                )

    def _clean_column(
        self,
        conn: Connection,
        table: sa.Table,
        column: str,
        where: sa.ColumnElement[bool],
        traces: Traces,
    ) -> None:
        """The text of `column` in the rows of `where` (about the record) cleaned of the
        erased values; NULL where one is still found."""
        key = table.primary_key.columns.values()[0]
        rows = conn.execute(
            sa.select(key, table.c[column]).where(where, table.c[column].is_not(None))
        )
        for row_key, text in rows.all():
            cleaned = traces.cleaned(text.encode(), of_record=True)
            if cleaned is None or cleaned.decode() != text:
                conn.execute(
                    sa.update(table)
                    .where(key == row_key)
                    .values({column: None if cleaned is None else cleaned.decode()})
                )

    def take_files(
        self, conn: Connection, model: str, record_id: str, fields: Sequence[str]
    ) -> list[str]:
        """Delete the files in these fields of the record and mark the blobs no other file
        uses as FREED; their SHA-256, whose bytes the caller removes after the commit
        (take_freed_blobs), so that a rollback leaves every file readable."""
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
            conn.execute(sa.update(blobs).where(blobs.c.sha256.in_(unused)).values(stored_at=FREED))
        return unused

    def take_freed_blobs(self, conn: Connection, hashes: Sequence[str]) -> list[str]:
        """Of these blobs, those still FREED and used by no file: their rows are deleted
        (on PostgreSQL held until the caller commits, so an upload of the same bytes waits
        for the bytes to be gone); the caller removes the bytes in the same transaction."""
        files, blobs = self.tables.system("files"), self.tables.system("file_blobs")
        freed = sa.select(blobs.c.sha256).where(
            blobs.c.sha256.in_(hashes),
            blobs.c.stored_at == FREED,
            ~sa.exists().where(files.c.sha256 == blobs.c.sha256),
        )
        if self.db.dialect == "postgresql":
            freed = freed.with_for_update(skip_locked=True)  # one the sweep holds, it removes
        found = [row[0] for row in conn.execute(freed)]
        if found:
            conn.execute(sa.delete(blobs).where(blobs.c.sha256.in_(found)))
        return found


def emptied(values: Any, fields: Iterable[str]) -> Any:
    """A JSON object with these keys set to null (anything else as it is)."""
    if not isinstance(values, dict):
        return values
    names = set(fields)
    return {k: None if k in names else v for k, v in values.items()}
