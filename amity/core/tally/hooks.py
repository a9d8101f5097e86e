"""What every write of a tally document keeps in step, through /data as through /tally:
`full_number` is the prefix and the number together (so `filter_text=INV-42` finds the
invoice), and the parts are assigned to whom the document is (so "owned" rights on the
document cover its lines)."""

from __future__ import annotations

from typing import Any

from sqlalchemy.engine import Connection

from amity.core.actor import Actor
from amity.core.records import Changes, Records
from amity.schema.builtin.tally import KINDS_BY_NAME, PART_SUFFIXES
from amity.schema.model import Model


def full_number(prefix: str | None, number: int | None) -> str | None:
    """ "INV-" and 42 -> "INV-42"; no number, no full number."""
    return None if number is None else f"{prefix or ''}{number}"


class TallyDocumentHook:
    """A write hook: `full_number` from `prefix` and the number; parts follow the
    document's assignment."""

    def __init__(self, records: Records) -> None:
        self.records = records
        records.write_hooks.append(self)

    def before_write(
        self,
        conn: Connection,
        actor: Actor,
        model: Model,
        record_id: str,
        values: dict[str, Any],
        before: dict[str, Any] | None,
    ) -> Changes:
        kind = KINDS_BY_NAME.get(model.name)
        if kind is None or model.fields.get("full_number") is None:
            return {}
        field = kind.number_field
        if before is not None and "prefix" not in values and field not in values:
            return {}
        old = before or {}
        prefix = values["prefix"] if "prefix" in values else old.get("prefix")
        number = values[field] if field in values else old.get(field)
        wanted = full_number(prefix, number)
        if wanted != old.get("full_number"):
            values["full_number"] = wanted
        return {}

    def after_write(
        self,
        conn: Connection,
        actor: Actor,
        model: Model,
        record_id: str,
        values: dict[str, Any],
        before: dict[str, Any] | None,
    ) -> Changes:
        kind = KINDS_BY_NAME.get(model.name)
        if kind is None or before is None or "assigned_user_id" not in values:
            return {}
        assigned = values["assigned_user_id"]
        if assigned == before.get("assigned_user_id"):
            return {}
        for suffix in PART_SUFFIXES:
            part = self.records.model(kind.part(suffix))
            column = "parent_id" if suffix == "LineGroup" else kind.parent_column
            self.records.writer.update_where(
                conn, part, column, record_id, {"assigned_user_id": assigned}
            )
        return {}
