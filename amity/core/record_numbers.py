"""Stable integer numbers for records, global across models (as Vtiger's crmid): for
the API dialects whose wire speaks integer ids. A number is given lazily, the first time
a record is shown, in one batch for a page of records, and maps back to (model, id)."""

from __future__ import annotations

from collections.abc import Sequence

from amity.store.engine import Database
from amity.store.record_numbers import RecordNumberStore


class RecordNumbers:
    """Numbers of records: `numbers` gives and reads them, `record` maps one back."""

    def __init__(self, db: Database) -> None:
        self.db = db
        self.store = RecordNumberStore(db.tables, db.dialect)

    def numbers(self, model: str, record_ids: Sequence[str]) -> dict[str, int]:
        """Each record id's number (given now to those without one)."""
        if not record_ids:
            return {}
        with self.db.write() as conn:
            return self.store.assign(conn, model, record_ids)

    def number(self, model: str, record_id: str) -> int:
        return self.numbers(model, [record_id])[record_id]

    def record(self, number: int) -> tuple[str, str] | None:
        """(model, record id) behind a number; None when no record has it."""
        with self.db.read() as conn:
            return self.store.lookup(conn, number)
