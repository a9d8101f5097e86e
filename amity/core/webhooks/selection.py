"""Which webhooks a write triggers, decided in the write's own transaction.

A sink of the writer (store/writes.py): for an event of a record model, the switched-on
webhooks of that model and type whose filters match the change get one message each, and
the record as the write left it is kept beside them (a snapshot, never re-read later).
Each such webhook's delivery job is deferred in the same transaction, so a write that
rolls back delivers nothing and a committed one is never lost. Whether the webhook's owner
may read the record is checked when delivering (delivery.py).
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import orjson
from sqlalchemy.engine import Connection

from amity.core.clock import today, utcnow_precise
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
    ) -> None:
        self.records = records
        self.db: Database = records.db
        self.registry = records.registry
        self.store = store
        self.wake = wake
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
        kinds = TRIGGERS.get(event["kind"])
        if kinds is None:
            return
        hooks = [h for h in self.active(conn).get(event["model"], ()) if h.type in kinds]
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
        changed = [name for name, change in changes.items() if isinstance(change, list)]
        before = dict(record)
        for name in changed:
            before[name] = changes[name][0]
        chosen = [
            h
            for h in hooks
            if h.filter is not None
            and matches(
                h.filter,
                record,
                before,
                changed,
                today=today(),
                fiscal_start_month=self.fiscal_start_month,
            )
        ]
        if not chosen:
            return
        event_id = str(event["id"])
        now = utcnow_precise()
        self.store.add_event(
            conn,
            {
                "id": event_id,
                "kind": event["kind"],
                "model": model.name,
                "record_id": event["record_id"],
                "record": orjson.dumps(record, default=str).decode(),
                "previous": orjson.dumps(
                    {name: before[name] for name in changed}, default=str
                ).decode(),
                "actor": orjson.dumps(
                    {
                        "user_id": event["actor_id"],
                        "credential": event["credential"],
                        "client_id": event["client_id"],
                        "source": event["source"],
                    }
                ).decode(),
                "occurred_at": event["date_created"],
            },
        )
        self.store.add_messages(
            conn,
            [
                {
                    "webhook_id": h.id,
                    "event_id": event_id,
                    "record_id": event["record_id"],
                    "state": PENDING,
                    "attempts": 0,
                    "next_attempt_at": now,
                    "last_error": None,
                    "date_created": now,
                    "date_modified": now,
                }
                for h in chosen
            ],
        )
        self.wake(conn, [h.id for h in chosen])
