"""Field-level audit: who changed which field of a record, from what to what, and from where.

A sink of the writer (store/writes.py) turns each event of a record model into audit rows
in the event's own transaction: an update gives one row per changed field whose metadata
says `audited`; a create one row (field `id`, the new id as after value); a delete one row
(field `deleted`, "0" to "1"); a link or unlink one row (the link's name, the linked ids);
an erasure (core/erasure.py) one row per erased field, `erased` and without values.
Values are stored as the 1CRM wire shows them, as strings; long text fields use the
`_text` pair. Readers see the rows of records they may read (deleted ones included);
rows older than AMITY_AUDIT_RETENTION_DAYS go with `purge`.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from decimal import Decimal
from typing import Any

from sqlalchemy.engine import Connection

from amity.config import Settings
from amity.core.actor import Actor
from amity.core.fields import person_name
from amity.core.records import Page, Records, check_paging, storable_id
from amity.core.useradmin import USER_MODEL
from amity.errors import Forbidden, UnknownModel
from amity.schema.model import Field, Model
from amity.schema.types import TextType
from amity.store.audit import AuditStore
from amity.store.erasure import ERASED_CHANGE

RECORD_KINDS = frozenset({"create", "update", "delete", "link", "unlink"})


class AuditLog:
    """Writes audit rows with the events of record models, lists and purges them."""

    def __init__(self, records: Records, settings: Settings) -> None:
        self.records = records
        self.db = records.db
        self.registry = records.registry
        self.store = AuditStore(records.db)
        self.retention_days = settings.audit_retention_days

    # -- writing ----------------------------------------------------------------------
    def sink(self, conn: Connection, event: dict[str, Any]) -> None:
        """A writer sink: the audit rows of one event, in its transaction."""
        if event["kind"] not in RECORD_KINDS:
            return
        model = self.registry.models.get(event["model"])
        if model is None:  # configuration (custom fields, roles, layouts ...)
            return
        rows = audit_rows(model, event)
        if rows:
            self.store.write(conn, rows)

    # -- reading ----------------------------------------------------------------------
    def list(
        self,
        actor: Actor,
        model_name: str,
        record_id: str | None = None,
        offset: int = 0,
        limit: int = 20,
    ) -> Page:
        """Audit rows of a model's records (or of one record) the actor may read, newest
        first; 404 for a model the actor may not use, 403 for portal contacts."""
        if actor.is_contact:
            raise Forbidden("Portal contacts may not read the audit")
        model = self.registry.model(model_name)
        try:
            self.records.policy.check(actor, model, "list")
            conditions = self.records.policy.read_conditions(actor, model)
        except Forbidden:
            raise UnknownModel(
                "Model {name} not found",
                "list the models to see the ones this server knows",
                name=model_name,
            ) from None
        check_paging(offset, limit)
        if record_id is not None and not storable_id(record_id):
            return Page([], 0)
        with self.db.read() as conn:
            rows, total = self.store.page(
                conn,
                self.records.query,
                model,
                record_id,
                conditions,
                self.registry.model(USER_MODEL),
                offset,
                limit,
            )
        return Page([render_row(row) for row in rows], total)

    # -- retention --------------------------------------------------------------------
    def purge(self, now: datetime) -> int:
        """Delete rows older than AMITY_AUDIT_RETENTION_DAYS (none when it is 0); returns
        how many went. The job engine calls it periodically."""
        if self.retention_days <= 0:
            return 0
        with self.db.write() as conn:
            return self.store.purge(conn, now - timedelta(days=self.retention_days))


def audit_rows(model: Model, event: dict[str, Any]) -> list[dict[str, Any]]:
    """The audit rows of one event of a record of `model`."""
    kind = event["kind"]
    base = {
        "parent": model.name,
        "parent_id": event["record_id"],
        "erased": False,
        "source": event["source"],
        "created_by": event["actor_id"],
        "date_created": event["date_created"],
    }
    if kind == "create":
        return [row(base, "id", "id", None, event["record_id"])]
    if kind == "delete":
        return [row(base, "deleted", "bool", "0", "1")]
    changes: dict[str, Any] = event["changes"]
    if kind in ("link", "unlink"):
        return [
            row(base, name, "link", joined(change[0]), joined(change[1]))
            for name, change in changes.items()
            if isinstance(change, list) and len(change) == 2
        ]
    out = []
    for name, change in changes.items():
        fd = model.fields.get(name)
        erasing = change == ERASED_CHANGE  # an erasure is recorded, audited field or not
        if fd is None or not (fd.audited or erasing):
            continue
        before, after = change if isinstance(change, list) and len(change) == 2 else (None, None)
        out.append(
            row(
                {**base, "erased": True} if erasing else base,
                name,
                fd.kind.wire_type or fd.type,
                wire_string(fd, before),
                wire_string(fd, after),
                text=isinstance(fd.kind, TextType),
            )
        )
    return out


def row(
    base: dict[str, Any],
    field_name: str,
    data_type: str,
    before: str | None,
    after: str | None,
    *,
    text: bool = False,
) -> dict[str, Any]:
    return {
        **base,
        "field_name": field_name,
        "data_type": data_type,
        "before_value_string": None if text else before,
        "after_value_string": None if text else after,
        "before_value_text": before if text else None,
        "after_value_text": after if text else None,
    }


def joined(ids: Any) -> str | None:
    """Linked ids as one comma-separated string."""
    if not ids:
        return None
    return ",".join(str(i) for i in ids) if isinstance(ids, list) else str(ids)


def wire_string(fd: Field, value: Any) -> str | None:
    """An event's JSON value as the 1CRM wire writes it in a string (null stays null):
    booleans 1/0, amounts with their decimal places, lists of options comma-separated."""
    if value is None:
        return None
    if isinstance(value, bool):
        return "1" if value else "0"
    if isinstance(value, list):
        return ",".join(str(v) for v in value)
    if isinstance(value, (int, float)) and fd.kind.storage == "scaled":  # Numeric, or old events
        return f"{Decimal(repr(value)):.{fd.scale}f}"
    return str(value)


def render_row(stored: dict[str, Any]) -> dict[str, Any]:
    """An audit row as /audit answers it."""
    when = stored["date_created"]
    user_name = None
    if stored["user_name"] is not None:
        user_name = (
            person_name(
                {"first_name": stored["user_first_name"], "last_name": stored["user_last_name"]}
            )
            or stored["user_name"]
        )
    return {
        "id": str(stored["id"]),
        "created_by_user": user_name,
        "created_by": stored["created_by"],
        "date_created": when.strftime("%Y-%m-%d %H:%M:%S") if isinstance(when, datetime) else when,
        "parent": stored["parent"],
        "parent_id": stored["parent_id"],
        "field_name": stored["field_name"],
        "data_type": stored["data_type"],
        "before_value_string": stored["before_value_string"],
        "after_value_string": stored["after_value_string"],
        "before_value_text": stored["before_value_text"],
        "after_value_text": stored["after_value_text"],
        "erased": bool(stored["erased"]),
        "source": stored["source"],
    }
