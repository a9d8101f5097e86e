"""Keeping a process's metadata current: registry and tables rebuilt when it changes.

Each process builds its registry (models with their custom fields) and tables from the
database, and remembers the metadata version they came from. `refresh_if_due` compares
that with the database at most every AMITY_METADATA_CHECK_SECONDS; `refresh` does it at
once (after a change made here, or when a request names a field this process does not
know). Rebuilt tables replace the old ones before the new models do, and columns are only
ever added, so a request still holding the old models keeps working.
"""

from __future__ import annotations

import threading
import time

from amity.config import Settings
from amity.schema.custom import CustomFieldDef, hidden_fields, with_custom_fields
from amity.schema.registry import Registry
from amity.store.engine import Database
from amity.store.metadata import MetadataStore
from amity.store.tables import build_tables


class MetadataSync:
    """The metadata version this process runs on, and the rebuild when it moves."""

    def __init__(self, db: Database, settings: Settings) -> None:
        self.db = db
        self.settings = settings
        self.store = MetadataStore(db)
        self.base_models = list(db.registry.models.values())  # built-in, without custom
        self.version: int | None = None
        self.generation = 0  # bumped on every rebuild in this process
        self.definitions: list[CustomFieldDef] = []
        self._checked_at = float("-inf")
        self._lock = threading.Lock()

    def refresh_if_due(self) -> None:
        """Check the version when the last check is older than the interval."""
        now = time.monotonic()
        if now - self._checked_at < self.settings.metadata_check_seconds:
            return
        self._checked_at = now
        self.refresh()

    def refresh(self) -> bool:
        """Rebuild if the database holds another metadata version; True if rebuilt."""
        with self.db.read() as conn:
            if self.store.read_version(conn) == self.version:
                return False
        with self._lock, self.db.read() as conn:
            version = self.store.read_version(conn)
            if version == self.version:
                return False
            definitions = self.store.definitions(conn)
            self._apply(version, definitions)
        return True

    def _apply(self, version: int, definitions: list[CustomFieldDef]) -> None:
        if definitions == self.definitions:  # e.g. a process starting with no custom fields
            self.version = version
            return
        models = with_custom_fields(self.base_models, definitions)
        registry = Registry(models)
        tables = build_tables(registry, self.db.dialect, hidden_fields(definitions))
        self.db.tables.replace_with(tables)  # tables first: they hold every column
        self.db.registry.replace_models(registry.models)
        self.definitions = definitions
        self.version = version
        self.generation += 1
