"""services.webhooks: the 1CRM /webhooks API (definitions, secrets, the delivery log).

Every user manages their own webhooks (assigned_user_id); administrators see and manage
all. A webhook is checked when saved: its type, its model (which its owner must be able
to read), its filters against the model's metadata (filters.py) and its URL against the
target policy (targets.py, again when connecting). Writes select webhooks in their own
transaction (selection.py); the jobs engine delivers (delivery.py).
"""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

import orjson
from sqlalchemy.engine import Connection

from amity.config import Settings
from amity.core.actor import Actor, ensure_admin
from amity.core.clock import utcnow, utcnow_precise
from amity.core.ids import new_id
from amity.core.jobs import Jobs
from amity.core.jobs.tasks import JOB_ACTOR
from amity.core.records import Records, check_paging
from amity.core.webhooks.delivery import (
    DELIVER_TASK,
    FAN_OUT_KEY,
    FAN_OUT_TASK,
    Deliverer,
    Sent,
)
from amity.core.webhooks.filters import filter_json, parse_filter
from amity.core.webhooks.secrets import SecretBox, new_secret
from amity.core.webhooks.selection import WEBHOOK_MODEL, Selection
from amity.core.webhooks.targets import TargetPolicy
from amity.errors import BadRequest, Forbidden, NotFound
from amity.schema.model import Model
from amity.schema.types import InvalidValue, parse_datetime
from amity.store.webhooks import PENDING, SENDING, WebhookStore
from amity.store.writes import SECRET_CHANGE

TYPES = ("create", "update", "create_update", "delete")
PAYLOADS = ("record", "event")
DEFAULT_FILTERS: dict[str, Any] = {
    "glue": "or",
    "conditions": [
        {"field": "deleted", "filter": "is_false", "value": "0", "when": "current_value"}
    ],
}
"""What 1CRM's published schema gives a webhook created without filters."""
ROTATION_OVERLAP = timedelta(hours=24)
LOG_RETENTION = timedelta(days=30)
EDITABLE = ("type", "url", "model", "filters", "payload", "assigned_user_id", "disabled")


class CheckedUrl(str):
    """A webhook URL the target policy has checked (by `prepare`, outside any write:
    the check resolves the host name)."""


class Webhooks:
    """Webhook definitions and what they delivered, for their owners and admins."""

    def __init__(self, records: Records, jobs: Jobs, settings: Settings) -> None:
        self.records = records
        self.db = records.db
        self.registry = records.registry
        self.jobs = jobs
        self.writer = records.writer
        self.store = WebhookStore(records.db)
        self.box = SecretBox(settings)
        self.targets = TargetPolicy.from_settings(settings)
        self.selection = Selection(records, self.store, self.wake, self.wake_fan_out)
        self.deliverer = Deliverer(self)
        records.writer.sinks.append(self.selection.sink)

    # -- reading ------------------------------------------------------------------------
    def page(
        self, actor: Actor, offset: int = 0, limit: int = 20, *, mine: bool | None = None
    ) -> tuple[list[dict[str, Any]], int]:
        """A page of the actor's webhooks (an admin's: all), oldest first. mine=True: only
        those the actor owns, also for an admin; mine=False: every user's (admins only)."""
        self._check_user(actor)
        if mine is False:
            ensure_admin(actor, "every user's webhooks")
        check_paging(offset, limit)
        owner = actor.user_id if mine or not actor.is_admin else None
        with self.db.read() as conn:
            return self.store.page(conn, owner, offset, limit)

    def get(self, actor: Actor, webhook_id: str) -> dict[str, Any]:
        self._check_user(actor)
        with self.db.read() as conn:
            return self._own(conn, actor, webhook_id)

    def deliveries(
        self, actor: Actor, webhook_id: str, offset: int = 0, limit: int = 20
    ) -> tuple[list[dict[str, Any]], int]:
        """The webhook's delivery attempts, newest first (kept 30 days)."""
        self._check_user(actor)
        check_paging(offset, limit)
        with self.db.read() as conn:
            self._own(conn, actor, webhook_id)
            return self.store.delivery_page(conn, webhook_id, offset, limit)

    # -- writing ------------------------------------------------------------------------
    def prepare(self, data: Any) -> Any:
        """The body with its URL checked (a blocking DNS lookup: call it from a worker
        thread before the write, so the writer never waits on DNS)."""
        if isinstance(data, dict) and isinstance(data.get("url"), str):
            return {**data, "url": CheckedUrl(self.targets.check_url(data["url"]))}
        return data

    def create(self, actor: Actor, data: Any) -> tuple[dict[str, Any], str]:
        """A new webhook and its signing secret (shown this once)."""
        self._check_user(actor)
        data = _object(data)
        for name in ("type", "url", "model"):
            if data.get(name) in (None, ""):
                raise BadRequest("{field} is required", "give type, url and model", field=name)
        unknown = sorted(set(data) - set(EDITABLE))
        if unknown:
            raise BadRequest(
                "Unknown webhook field {field}",
                "webhooks have type, url, model, filters, payload, assigned_user_id, disabled",
                field=unknown[0],
            )
        now = utcnow()
        secret = new_secret()
        values: dict[str, Any] = {
            "id": new_id(),
            "payload": "record",
            "assigned_user_id": actor.user_id,
            "disabled": False,
            "disabled_reason": None,
            "failing_since": None,
            "secret": self.box.seal(secret),
            "previous_secret": None,
            "previous_secret_until": None,
            "created_by": actor.user_id,
            "date_entered": now,
            "date_modified": now,
        }
        with self.db.write() as conn:
            values.update(self._checked(conn, actor, data, values, creating=True))
            self.store.insert(conn, values)
            self._emit(
                conn, actor, values["id"], "create", {**_shown(values), "secret": SECRET_CHANGE}
            )
            return self._row(conn, values["id"]), secret

    def update(self, actor: Actor, webhook_id: str, data: Any) -> dict[str, Any]:
        """Change some of type, url, model, filters, payload, assigned_user_id, disabled."""
        self._check_user(actor)
        data = _object(data)
        unknown = sorted(set(data) - set(EDITABLE) - {"id"})
        if unknown:
            raise BadRequest(
                "Unknown webhook field {field}",
                "webhooks have type, url, model, filters, payload, assigned_user_id, disabled",
                field=unknown[0],
            )
        data.pop("id", None)
        with self.db.write() as conn:
            before = self._own(conn, actor, webhook_id)
            values = self._checked(conn, actor, data, before, creating=False)
            now = utcnow()
            if "disabled" in values:
                if values["disabled"] and not before["disabled"]:
                    values["disabled_reason"] = f"switched off by {actor.user_name}"
                    self.store.fail_pending(conn, webhook_id, "the webhook was switched off", now)
                elif not values["disabled"]:
                    values.update(disabled_reason=None, failing_since=None)
            changes = {
                k: [_shown(before).get(k), v]
                for k, v in _shown(values).items()
                if before.get(k) != v
            }
            values["date_modified"] = now
            self.store.update(conn, webhook_id, values)
            self._emit(conn, actor, webhook_id, "update", changes)
            return self._row(conn, webhook_id)

    def delete(self, actor: Actor, webhook_id: str) -> dict[str, Any]:
        """Remove the webhook with its pending messages and its log."""
        self._check_user(actor)
        with self.db.write() as conn:
            row = self._own(conn, actor, webhook_id)
            self.store.delete(conn, webhook_id)
            self._emit(conn, actor, webhook_id, "delete", {"deleted": [False, True]})
            return row

    def rotate_secret(self, actor: Actor, webhook_id: str) -> tuple[dict[str, Any], str]:
        """A new secret; for 24 hours deliveries are signed with the old one too."""
        self._check_user(actor)
        secret = new_secret()
        with self.db.write() as conn:
            row = self._own(conn, actor, webhook_id, secrets=True)
            now = utcnow()
            self.store.update(
                conn,
                webhook_id,
                {
                    "secret": self.box.seal(secret),
                    "previous_secret": row["secret"],
                    "previous_secret_until": now + ROTATION_OVERLAP,
                    "date_modified": now,
                },
            )
            self._emit(conn, actor, webhook_id, "update", {"secret": SECRET_CHANGE})
            return self._row(conn, webhook_id), secret

    def recover(self, actor: Actor, webhook_id: str, since: Any) -> tuple[dict[str, Any], int]:
        """Switch the webhook on again and resend what failed since `since` (UTC)."""
        self._check_user(actor)
        if not isinstance(since, str):
            raise BadRequest("since is required", "since: Y-m-d H:i:s (UTC)")
        try:
            moment = parse_datetime(since)
        except InvalidValue:
            raise BadRequest(
                "since must be a date and time as Y-m-d H:i:s, got {value!r}", value=since
            ) from None
        with self.db.write() as conn:
            before = self._own(conn, actor, webhook_id)
            now = utcnow_precise()
            count = self.store.requeue_failed(conn, webhook_id, moment, now)
            self.store.update(
                conn,
                webhook_id,
                {
                    "disabled": False,
                    "disabled_reason": None,
                    "failing_since": None,
                    "date_modified": utcnow(),
                },
            )
            changes = {"disabled": [before["disabled"], False]} if before["disabled"] else {}
            self._emit(conn, actor, webhook_id, "update", {**changes, "recovered": [None, count]})
            self.wake(conn, [webhook_id])
            return self._row(conn, webhook_id), count

    def replay(self, actor: Actor, webhook_id: str, delivery_id: str) -> str:
        """Send the message of a logged attempt again (same webhook-id); its event id."""
        self._check_user(actor)
        with self.db.write() as conn:
            self._own(conn, actor, webhook_id)
            delivery = self.store.delivery(conn, webhook_id, delivery_id)
            if delivery is None:
                raise NotFound(
                    "No delivery {id} of this webhook",
                    "list the deliveries of webhook {webhook} to see them",
                    id=delivery_id,
                    webhook=webhook_id,
                )
            now = utcnow_precise()
            self.store.set_message(
                conn,
                delivery["message_id"],
                {
                    "state": PENDING,
                    "next_attempt_at": now,
                    "last_error": None,
                    "date_modified": now,
                },
            )
            self.wake(conn, [webhook_id])
            return str(delivery["event_id"])

    async def test(self, actor: Actor, webhook_id: str) -> dict[str, Any]:
        """Send a test event now; the logged attempt."""
        self._check_user(actor)
        now = utcnow_precise()
        event_id = "test_" + new_id()
        with self.db.write() as conn:
            hook = self._own(conn, actor, webhook_id)
            body = {
                "type": "test",
                "webhook_id": webhook_id,
                "model": hook["model"],
                "occurred_at": f"{now:%Y-%m-%d %H:%M:%S}",
            }
            event = {
                "id": event_id,
                "kind": "test",
                "model": hook["model"],
                "record_id": None,
                "record": orjson.dumps(body).decode(),
                "previous": "{}",
                "actor": orjson.dumps({"user_id": actor.user_id}).decode(),
                "occurred_at": now,
                "hooks": None,
                "fanned": True,
                "seq": 0,
            }
            self.store.add_event(conn, event)
            self.store.add_messages(
                conn,
                [
                    {
                        "webhook_id": webhook_id,
                        "event_id": event_id,
                        "record_id": None,
                        "state": SENDING,  # sent here; no drain job takes it
                        "attempts": 0,
                        "next_attempt_at": now,
                        "last_error": None,
                        "date_created": now,
                        "date_modified": now,
                    }
                ],
            )
        with self.db.read() as conn:
            message = self.store.pending(conn, webhook_id, 1, event_id, state=SENDING)[0]
            fresh = self.store.get(conn, webhook_id)
        if fresh is None:  # removed meanwhile
            raise NotFound(
                "No webhook with id {id}", "list your webhooks to see them", id=webhook_id
            )
        sent: Sent = await self.deliverer.send_one(fresh, message)
        with self.db.read() as conn:
            rows, _ = self.store.delivery_page(conn, webhook_id, 0, 20)
        for row in rows:
            if row["message_id"] == sent.message["id"]:
                return row
        raise NotFound("No webhook with id {id}", "list your webhooks to see them", id=webhook_id)

    # -- delivery support -----------------------------------------------------------------
    def wake(self, conn: Connection, webhook_ids: list[str]) -> None:
        """Defer the webhooks' drain jobs in the caller's transaction, but for those whose
        drain waits to run already (it will see the new messages)."""
        keys = {f"webhook:{webhook_id}": webhook_id for webhook_id in webhook_ids}
        waiting = self.jobs.waiting_keys(conn, list(keys))
        for key, webhook_id in keys.items():
            if key not in waiting:
                self.jobs.defer(
                    conn, DELIVER_TASK, {"webhook_id": webhook_id}, lock=key, waiting_key=key
                )

    def wake_fan_out(self, conn: Connection) -> None:
        """Defer the fan-out job in the caller's transaction (unless one waits to run)."""
        if not self.jobs.waiting_keys(conn, [FAN_OUT_KEY]):
            self.jobs.defer(conn, FAN_OUT_TASK, lock=FAN_OUT_KEY, waiting_key=FAN_OUT_KEY)

    def wake_due(self) -> int:
        """Defer the drains of webhooks with due messages, and the fan-out if events wait
        for it (after a lost wake-up); how many drains."""
        with self.db.write() as conn:
            due = self.store.due_webhooks(conn, self.deliverer.now())
            self.wake(conn, due)
            if self.store.has_unfanned(conn):
                self.wake_fan_out(conn)
        return len(due)

    def signing_secrets(self, hook: dict[str, Any], now: datetime) -> list[str]:
        """The secrets that sign a delivery now: the current one, and the previous one
        during the 24 hours after a rotation."""
        keys = [self.box.open(hook["secret"])]
        until = hook["previous_secret_until"]
        if hook["previous_secret"] and until is not None and now < until:
            keys.append(self.box.open(hook["previous_secret"]))
        return [k for k in keys if k]

    def owner_actor(self, user_id: str, conn: Connection | None = None) -> Actor | None:
        """The webhook owner as an actor (deliveries read as they would); None when the
        user is gone or inactive."""
        if conn is None:
            with self.db.read() as reading:
                user = self.records.accounts.user_by_id(reading, user_id)
        else:
            user = self.records.accounts.user_by_id(conn, user_id)
        if user is None or user.get("status") != "Active":
            return None
        return Actor(
            user_id=user["id"],
            user_name=user["user_name"],
            is_admin=bool(user["is_admin"]),
            credential="webhook",
            source="job",
        )

    def switch_off(
        self, conn: Connection, hook: dict[str, Any], reason: str, now: datetime
    ) -> None:
        """Switch a webhook off (410, days of failures) and say why."""
        self.store.update(
            conn,
            hook["id"],
            {
                "disabled": True,
                "disabled_reason": reason[:500],
                "date_modified": now.replace(microsecond=0),
            },
        )
        self.store.fail_pending(conn, hook["id"], reason, now)
        self._emit(conn, JOB_ACTOR, hook["id"], "update", {"disabled": [False, True]})

    def message_counts(self) -> dict[str, int]:
        """Every webhook's messages per delivery state (for /metrics)."""
        with self.records.db.read() as conn:
            return self.store.message_counts(conn)

    def purge(self, now: datetime) -> int:
        """Drop the delivery log, finished messages and snapshots older than 30 days."""
        with self.db.write() as conn:
            return self.store.purge(conn, now - LOG_RETENTION)

    # -- helpers ------------------------------------------------------------------------
    def _check_user(self, actor: Actor) -> None:
        if actor.is_contact:
            raise Forbidden("Portal contacts may not manage webhooks")

    def _own(
        self, conn: Connection, actor: Actor, webhook_id: str, secrets: bool = False
    ) -> dict[str, Any]:
        row = self.store.get(conn, webhook_id)
        if row is None or not (actor.is_admin or row["assigned_user_id"] == actor.user_id):
            raise NotFound(
                "No webhook with id {id}", "list your webhooks to see them", id=webhook_id
            )
        return row if secrets else _public(row)

    def _row(self, conn: Connection, webhook_id: str) -> dict[str, Any]:
        row = self.store.get(conn, webhook_id)
        assert row is not None
        return _public(row)

    def _emit(
        self, conn: Connection, actor: Any, webhook_id: str, kind: str, changes: dict[str, Any]
    ) -> None:
        self.writer.emit(
            conn,
            actor,
            model=WEBHOOK_MODEL,
            record_id=webhook_id,
            kind=kind,
            changes=changes,
            at=utcnow(),
        )

    def _checked(
        self,
        conn: Connection,
        actor: Actor,
        data: dict[str, Any],
        current: dict[str, Any],
        *,
        creating: bool,
    ) -> dict[str, Any]:
        """The stored values of the given fields, each checked; 400 naming a bad one."""
        out: dict[str, Any] = {}
        for name, choices in (("type", TYPES), ("payload", PAYLOADS)):
            if name in data:
                if data[name] not in choices:
                    raise BadRequest(
                        "{field} must be one of {choices}, got {value!r}",
                        field=name,
                        choices=", ".join(choices),
                        value=data[name],
                    )
                out[name] = data[name]
        if "disabled" in data:
            if not isinstance(data["disabled"], bool):
                raise BadRequest("disabled must be true or false")
            out["disabled"] = data["disabled"]
        if "url" in data:
            if not isinstance(data["url"], str):
                raise BadRequest("url must be a string")
            url = data["url"]
            out["url"] = str(url if isinstance(url, CheckedUrl) else self.targets.check_url(url))
        if "assigned_user_id" in data and data["assigned_user_id"] != current.get(
            "assigned_user_id"
        ):
            owner_id = data["assigned_user_id"]
            if not actor.is_admin:
                raise Forbidden("Only administrators may give a webhook to another user")
            if not isinstance(owner_id, str) or self.owner_actor(owner_id, conn) is None:
                raise BadRequest("assigned_user_id {id!r} is not an active user", id=owner_id)
            out["assigned_user_id"] = owner_id
        owner_id = str(out.get("assigned_user_id", current.get("assigned_user_id")))
        model_name = data.get("model", current.get("model"))
        if "model" in data or "filters" in data or "assigned_user_id" in out or creating:
            model = self._model(conn, owner_id, model_name)
            out["model"] = model.name
            raw = data.get("filters")
            if raw is None and "filters" in current:
                raw = orjson.loads(current["filters"])
            elif raw is None:  # 1CRM's default; a delete webhook would never match it
                kind = out.get("type", current.get("type"))
                raw = {"glue": "and", "conditions": []} if kind == "delete" else DEFAULT_FILTERS
            out["filters"] = orjson.dumps(filter_json(parse_filter(model, raw))).decode()
        return out

    def _model(self, conn: Connection, owner_id: str, name: Any) -> Model:
        if not isinstance(name, str):
            raise BadRequest("model must be a string")
        model = self.registry.model(name)
        owner = self.owner_actor(owner_id, conn)
        if owner is None:
            raise BadRequest("assigned_user_id {id!r} is not an active user", id=owner_id)
        try:
            self.records.policy.check(owner, model, "view")
        except Forbidden:
            raise Forbidden(
                "The webhook's owner may not read {model} records", model=model.name
            ) from None
        return model


def _object(data: Any) -> dict[str, Any]:
    if not isinstance(data, dict):
        raise BadRequest(
            "The body must be a JSON object",
            'e.g. {"type": "create", "url": ..., "model": "Contact"}',
        )
    return dict(data)


def _public(row: dict[str, Any]) -> dict[str, Any]:
    """A webhook row without its sealed secrets."""
    return {k: v for k, v in row.items() if k not in ("secret", "previous_secret")}


def _shown(values: dict[str, Any]) -> dict[str, Any]:
    """The values of a webhook that its events show."""
    keep = ("type", "url", "model", "filters", "payload", "assigned_user_id", "disabled")
    return {k: values[k] for k in keep if k in values}
