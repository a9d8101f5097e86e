"""Which webhooks a write triggers: chosen in the write's transaction, filtered just after.

A sink of the writer (store/writes.py): for an event of a record model with switched-on
webhooks of its model and type, the record as the write left it (a snapshot, never
re-read later) is kept with those webhooks' ids, and the fan-out job is deferred, all in
the write's own transaction: a write that rolls back delivers nothing, a committed one is
never lost, and the request pays for one row whatever the number of webhooks. The
fan-out job (one at a time, oldest event first) checks each webhook's filters against the
snapshot and the values before the write, gives each match a message and defers that
webhook's drain. Whether the webhook's owner may read the record is checked when
delivering (delivery.py).
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import orjson
from sqlalchemy.engine import Connection

from amity.core.clock import utcnow_precise
from amity.core.fields import select_fields
from amity.core.records import Records
from amity.core.webhooks.filters import WebhookFilter, load_filter, matches
from amity.errors import AmityError
from amity.store.engine import Database
from amity.store.webhooks import PENDING, WebhookStore

WEBHOOK_MODEL = "Webhook"
"""The model name of webhook events in the outbox (a configuration object)."""
TRIGGERS = {
    "create": ("create", "create_update"),
    "update": ("update", "create_update"),
    "delete": ("delete",),
}
"""The webhook types an event kind triggers."""
FAN_OUT_BATCH = 500
log = logging.getLogger("amity.webhooks")


@dataclass(frozen=True)
class ActiveHook:
    """A switched-on webhook as the writers select them."""

    id: str
    type: str
    model: str
    filter: WebhookFilter | None  # None: the stored filter no longer fits the model


class Selection:
    """The writer sink that turns events into webhook messages."""

    def __init__(
        self,
        records: Records,
        store: WebhookStore,
        wake: Callable[[Connection, list[str]], None],
        wake_fan_out: Callable[[Connection], None],
    ) -> None:
        self.records = records
        self.db: Database = records.db
        self.registry = records.registry
        self.store = store
        self.wake = wake
        self.wake_fan_out = wake_fan_out
        self.fiscal_start_month = records.settings.fiscal_year_start_month
        self._active: dict[str, list[ActiveHook]] | None = None
        self._lock = threading.Lock()
        self.db.listeners.append(self._changed)

    def _changed(self, model: str, record_id: str) -> None:
        if model in (WEBHOOK_MODEL, "*") or model.startswith("Custom"):
            self._active = None

    def forget(self) -> None:
        self._active = None

    def active(self, conn: Connection) -> dict[str, list[ActiveHook]]:
        """Switched-on webhooks by model (kept until a webhook or the metadata changes)."""
        active = self._active
        if active is None:
            with self._lock:
                active = {}
                for row in self.store.active(conn):
                    active.setdefault(row["model"], []).append(self._hook(row))
                self._active = active
        return active

    def _hook(self, row: dict[str, Any]) -> ActiveHook:
        model = self.registry.models.get(row["model"])
        flt: WebhookFilter | None = None
        if model is not None:
            try:
                flt = load_filter(model, orjson.loads(row["filters"]))
            except AmityError:
                log.warning("webhook %s: its filters no longer fit %s", row["id"], row["model"])
        return ActiveHook(row["id"], row["type"], row["model"], flt)

    # -- the sink -------------------------------------------------------------------
    def sink(self, conn: Connection, event: dict[str, Any]) -> None:
        """Keep the record as this write left it, with the webhooks of its model and type,
        and defer the fan-out (the filters are checked there, off the request path)."""
        kinds = TRIGGERS.get(event["kind"])
        if kinds is None:
            return
        hooks = [h.id for h in self.active(conn).get(event["model"], ()) if h.type in kinds]
        if not hooks:
            return
        model = self.registry.models.get(event["model"])
        if model is None:
            return
        fields = select_fields(model, None, all_by_default=True)
        row = self.records.query.snapshot_row(self.db, conn, model, fields, event["record_id"])
        if row is None:
            return
        record = self.records.render_rows(conn, model, fields, [row])[0]
        changes: dict[str, Any] = event["changes"]
        previous = {name: change[0] for name, change in changes.items() if isinstance(change, list)}
        self.store.add_event(
            conn,
            {
                "id": str(event["id"]),
                "seq": event["id"],
                "kind": event["kind"],
                "model": model.name,
                "record_id": event["record_id"],
                "record": orjson.dumps(record, default=str).decode(),
                "previous": orjson.dumps(previous, default=str).decode(),
                "actor": orjson.dumps(
                    {
                        "user_id": event["actor_id"],
                        "credential": event["credential"],
                        "client_id": event["client_id"],
                        "source": event["source"],
                    }
                ).decode(),
                "occurred_at": event["date_created"],
                "hooks": orjson.dumps(hooks).decode(),
                "fanned": False,
            },
        )
        self.wake_fan_out(conn)

    # -- the fan-out ------------------------------------------------------------------
    def fan_out(self) -> int:
        """Give every webhook whose filters match a kept event one message, oldest event
        first, and defer their drains; how many messages."""
        total = 0
        while True:
            with self.db.write() as conn:
                events = self.store.unfanned(conn, FAN_OUT_BATCH)
                if not events:
                    return total
                by_id = {h.id: h for hooks in self.active(conn).values() for h in hooks}
                now = utcnow_precise()
                messages: list[dict[str, Any]] = []
                kept: list[str] = []
                dropped: list[str] = []
                for event in events:
                    chosen = [
                        hook
                        for hook_id in orjson.loads(event["hooks"] or "[]")
                        if (hook := by_id.get(hook_id)) is not None and self._matches(hook, event)
                    ]
                    (kept if chosen else dropped).append(event["id"])
                    messages += [
                        {
                            "webhook_id": hook.id,
                            "event_id": event["id"],
                            "record_id": event["record_id"],
                            "state": PENDING,
                            "attempts": 0,
                            "next_attempt_at": now,
                            "last_error": None,
                            "date_created": now,
                            "date_modified": now,
                        }
                        for hook in chosen
                    ]
                if messages:
                    self.store.add_messages(conn, messages)
                self.store.fanned(conn, kept, dropped)
                self.wake(conn, sorted({m["webhook_id"] for m in messages}))
                total += len(messages)

    def _matches(self, hook: ActiveHook, event: dict[str, Any]) -> bool:
        if hook.filter is None:
            return False
        after = orjson.loads(event["record"])
        previous = orjson.loads(event["previous"])
        return matches(
            hook.filter,
            after,
            {**after, **previous},
            list(previous),
            today=event["occurred_at"].date(),
            fiscal_start_month=self.fiscal_start_month,
        )
