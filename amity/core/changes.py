"""The change feed: every committed event once, oldest first, after an opaque cursor.

A cursor names the position (store/events.py) of the last event a page passed and that
event's time. Events of records are kept AMITY_CHANGES_RETENTION_DAYS (0: for good); a
cursor older than that may have missed purged events and answers 410. Configuration
events (custom fields and models, layouts, roles ...: anything that is not a record of a
model) are never purged.

Access: administrators see every event; a user sees the events of records it may read,
live or soft-deleted (a deleted record keeps its owner), and no configuration events;
portal credentials may not read the feed. Events a caller may not read are skipped, but
the cursor moves past them, so a page never hides a later event it could read.
"""

from __future__ import annotations

import base64
import binascii
import calendar
import re
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

import orjson

from amity.config import Settings
from amity.core.actor import Actor
from amity.core.clock import utcnow
from amity.core.records import Records
from amity.core.schema_io import HISTORY_MODELS
from amity.errors import BadRequest, Forbidden, Gone
from amity.store.events import EventStore, Position

DEFAULT_LIMIT = 100
MAX_LIMIT = 1000
SCAN_FACTOR = 10  # rows read per request at most: SCAN_FACTOR x limit
_CURSOR = re.compile(r"1\.([0-9]{1,20})\.([0-9]{1,20})\.([0-9]{1,12})")


@dataclass(frozen=True)
class Cursor:
    """Where a reader stands: after event (tx, id), written at `at`."""

    tx: int
    id: int
    at: datetime

    @property
    def position(self) -> Position:
        return (self.tx, self.id)

    def encode(self) -> str:
        raw = f"1.{self.tx}.{self.id}.{calendar.timegm(self.at.timetuple())}"
        return base64.urlsafe_b64encode(raw.encode()).decode().rstrip("=")

    @classmethod
    def decode(cls, text: str) -> Cursor:
        """The cursor of a `next` string; 400 for anything else."""
        try:
            padded = text + "=" * (-len(text) % 4)
            raw = base64.b64decode(padded, altchars=b"-_", validate=True).decode("ascii")
        except (binascii.Error, UnicodeDecodeError, ValueError):
            raw = ""
        match = _CURSOR.fullmatch(raw)
        if match is None or len(text) > 100:
            raise BadRequest(
                "after is not a cursor of this change feed",
                "pass the `next` of an earlier answer, or leave after out to start at the oldest",
            )
        tx, event_id, seconds = (int(part) for part in match.groups())
        try:
            at = datetime.fromtimestamp(seconds, UTC).replace(tzinfo=None)
        except (OverflowError, OSError, ValueError):
            raise BadRequest(
                "after is not a cursor of this change feed",
                "pass the `next` of an earlier answer, or leave after out to start at the oldest",
            ) from None
        return cls(tx, event_id, at)


@dataclass(frozen=True)
class ChangePage:
    """Events (outbox rows, changes parsed), the cursor after them, and whether more
    events may follow right away."""

    events: list[dict[str, Any]]
    next: str
    has_more: bool


class Changes:
    """Reads the change feed for an actor, and purges what the retention lets go."""

    def __init__(self, records: Records, settings: Settings) -> None:
        self.records = records
        self.db = records.db
        self.registry = records.registry
        self.store = EventStore(records.db, records.query)
        self.retention_days = settings.changes_retention_days

    def page(
        self,
        actor: Actor,
        after: str | None = None,
        limit: int = DEFAULT_LIMIT,
        models: Sequence[str] | None = None,
    ) -> ChangePage:
        """The events after `after` (None: from the oldest kept one) the actor may read."""
        if actor.is_contact:
            raise Forbidden(
                "Portal credentials may not read the change feed",
                "use a user's token or an OAuth client acting for a user",
            )
        if not 1 <= limit <= MAX_LIMIT:
            raise BadRequest(
                "limit must be between 1 and {max_limit}, got {limit}",
                max_limit=MAX_LIMIT,
                limit=limit,
            )
        cursor = Cursor.decode(after) if after is not None else None
        if cursor is not None and self.expired(cursor.at):
            raise Gone(
                "The cursor is older than the change feed keeps events ({days} days)",
                "resynchronise: read the records again from /data, then follow the change "
                "feed from its start (without after)",
                days=self.retention_days,
            )
        with self.db.read() as conn:
            if models is not None:
                self.check_models(conn, models)
            return self._page(conn, actor, cursor, limit, models)

    def _page(
        self,
        conn: Any,
        actor: Actor,
        cursor: Cursor | None,
        limit: int,
        models: Sequence[str] | None,
    ) -> ChangePage:
        horizon = self.store.horizon()
        budget = limit if actor.is_admin else SCAN_FACTOR * limit
        events: list[dict[str, Any]] = []
        scanned = 0
        while True:
            want = min(limit - len(events), budget - scanned)
            rows = self.store.after(cursor.position if cursor else None, horizon, want + 1, models)
            batch = rows[:want]
            readable = self.readable(conn, actor, batch)
            for row in batch:
                scanned += 1
                cursor = Cursor(row["tx"], row["id"], row["date_created"])
                if (row["model"], row["record_id"]) in readable:
                    events.append(row)
            more = len(rows) > want
            if not more or len(events) >= limit or scanned >= budget:
                break
        for event in events:
            event["changes"] = orjson.loads(event["changes"])
        return ChangePage(events, cursor.encode() if cursor else self.start(), more)

    def start(self) -> str:
        """The cursor before every event (given while the feed is still empty)."""
        return Cursor(0, 0, utcnow()).encode()

    def readable(self, conn: Any, actor: Actor, rows: list[dict[str, Any]]) -> set[tuple[str, str]]:
        """The (model, record id) of those rows whose events the actor may read."""
        if actor.is_admin:
            return {(row["model"], row["record_id"]) for row in rows}
        wanted: dict[str, set[str]] = {}
        for row in rows:
            wanted.setdefault(row["model"], set()).add(row["record_id"])
        allowed: dict[str, set[str]] = {}
        for name, ids in wanted.items():
            model = self.registry.models.get(name)
            if model is None:  # a configuration event: administrators only
                allowed[name] = set()
                continue
            try:
                conditions = self.records.policy.read_conditions(actor, model)
            except Forbidden:
                allowed[name] = set()
                continue
            allowed[name] = (
                self.store.readable_ids(conn, name, ids, conditions) if conditions else ids
            )
        return {(name, record_id) for name, ids in allowed.items() for record_id in ids}

    def check_models(self, conn: Any, models: Sequence[str]) -> None:
        """400 for a name that is neither a model nor a kind of configuration object."""
        for name in models:
            if name in self.registry.models or name in HISTORY_MODELS:
                continue
            if not self.store.has_model(conn, name):
                raise BadRequest(
                    "Unknown model {model!r} in models[]",
                    "name a model or a kind of configuration object",
                    model=name,
                )

    def expired(self, at: datetime, now: datetime | None = None) -> bool:
        if self.retention_days <= 0:
            return False
        return at < (now or utcnow()) - timedelta(days=self.retention_days)

    def purge(self, now: datetime) -> int:
        """Delete the record events older than the retention (configuration events stay);
        how many went. Safe to run twice, and alongside readers and writers."""
        if self.retention_days <= 0:
            return 0
        before = now - timedelta(days=self.retention_days)
        models = sorted(self.registry.models)
        total = 0
        while True:
            with self.db.write() as conn:
                gone = self.store.purge(conn, models, before)
            total += gone
            if gone == 0:
                return total
