"""Stable integer numbers for records, global across models (as Vtiger's crmid): for
the API dialects whose wire speaks integer ids. A number is given lazily, the first time
a record is shown, in one batch for a page of records, and maps back to (model, id)."""

from __future__ import annotations

from collections.abc import Sequence

from amity.lru import LruCache
from amity.store.engine import Database
from amity.store.record_numbers import RecordNumberStore

CACHE_SIZE = 100_000  # numbers remembered per process (a number never changes)


class RecordNumbers:
    """Numbers of records: `numbers` gives and reads them, `record` maps one back."""

    def __init__(self, db: Database) -> None:
        self.db = db
        self.store = RecordNumberStore(db.tables, db.dialect)
        self._numbers: LruCache[tuple[str, str], int] = LruCache(CACHE_SIZE)
        self._records: LruCache[int, tuple[str, str]] = LruCache(CACHE_SIZE)

    def numbers(self, model: str, record_ids: Sequence[str]) -> dict[str, int]:
        """Each record id's number (given now to those without one: a write only then)."""
        found: dict[str, int] = {}
        for rid in record_ids:
            number = self._numbers.get((model, rid))
            if number is not None:
                found[rid] = number
        unknown = [rid for rid in record_ids if rid not in found]
        if unknown:
            with self.db.read() as conn:
                fetched = self.store.known(conn, model, unknown)
            missing = [rid for rid in unknown if rid not in fetched]
            if missing:
                with self.db.write() as conn:
                    fetched.update(self.store.assign(conn, model, missing))
            for rid, number in fetched.items():
                self._remember(model, rid, number)
            found.update(fetched)
        return found

    def _remember(self, model: str, record_id: str, number: int) -> None:
        self._numbers[(model, record_id)] = number
        self._records[number] = (model, record_id)

    def number(self, model: str, record_id: str) -> int:
        return self.numbers(model, [record_id])[record_id]

    def record(self, number: int) -> tuple[str, str] | None:
        """(model, record id) behind a number; None when no record has it."""
        known = self._records.get(number)
        if known is not None:
            return known
        with self.db.read() as conn:
            found = self.store.lookup(conn, number)
        if found is not None:
            self._remember(found[0], found[1], number)
        return found
