"""Keeping a process's metadata current: registry and tables rebuilt when it changes.

Each process builds its registry (built-in and custom models, with their custom fields)
and tables from the database, and remembers the metadata version they came from.
`refresh_if_due` compares that with the database at most every
AMITY_METADATA_CHECK_SECONDS; `refresh` does it at once (after a change made here, or when
a request names a field or model this process does not know). Rebuilt tables replace the
old ones before the new models do, and tables and columns are only ever added, so a
request still holding the old models keeps working.
"""

from __future__ import annotations

import threading
import time
from dataclasses import replace
from datetime import datetime
from typing import Any

from sqlalchemy.engine import Connection

from amity.config import Settings
from amity.core.actor import Actor
from amity.core.clock import utcnow
from amity.schema.custom import CustomFieldDef, hidden_fields, with_custom_fields
from amity.schema.custom_models import CustomModelDef, with_custom_models
from amity.schema.model import Model
from amity.schema.registry import Registry
from amity.store.audit import AuditStore
from amity.store.engine import Database
from amity.store.metadata import MetadataStore
from amity.store.migrate import migrate
from amity.store.tables import Tables, build_tables
from amity.store.writes import Writer

METADATA_MODELS = frozenset({"CustomField", "CustomModel", "*"})
"""Events after which a process rebuilds its registry and tables."""


def emit_metadata_change(
    writer: Writer,
    conn: Connection,
    actor: Actor,
    model: str,
    record_id: str,
    kind: str,
    changes: dict[str, Any],
    at: datetime | None = None,
) -> None:
    """A change of metadata (a custom field or model, a layout, a picklist dependency) into
    the change history, as an event of the pseudo-model `model` (/admin/metadata/history);
    `at` defaults to now."""
    writer.emit(
        conn,
        actor,
        model=model,
        record_id=record_id,
        kind=kind,
        changes=changes,
        at=at or utcnow(),
    )


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
        self.models: list[CustomModelDef] = []
        self.audit_store = AuditStore(db)
        self.audited: dict[tuple[str, str], bool] = {}  # admins' (model, field) -> audited
        self._checked_at = float("-inf")
        self._lock = threading.Lock()
        db.listeners.append(self._changed)

    def _changed(self, model: str, record_id: str) -> None:
        """Custom fields or models changed, here or in another process: check the next
        request (the metadata version is read once, not on the writer's thread)."""
        if model in METADATA_MODELS:
            self._checked_at = float("-inf")

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
            models = self.store.model_definitions(conn)
            definitions = self.store.definitions(conn)
            audited = self.audit_store.overrides(conn)
            self._apply(version, models, definitions, audited)
        return True

    def upgrade_custom_tables(self) -> list[str]:
        """At start, after `refresh`: add what a newer Amity gives every model (columns,
        indexes) to the tables of custom models too; returns what was done."""
        return migrate(self.db) if self.models else []

    def build(
        self,
        models: list[CustomModelDef],
        definitions: list[CustomFieldDef],
        audited: dict[tuple[str, str], bool] | None = None,
    ) -> tuple[Registry, Tables]:
        """The registry and tables these definitions give (checked: a link to a model that
        is not there fails here, before anything goes live); `audited` are the admins'
        audit switches (by default the ones in effect)."""
        registry = Registry(
            with_audited(
                with_custom_fields(with_custom_models(self.base_models, models), definitions),
                self.audited if audited is None else audited,
            )
        )
        removed = [d.model() for d in models if d.removed and d.name not in registry.models]
        removed = with_custom_fields(removed, definitions)
        tables = build_tables(registry, self.db.dialect, hidden_fields(definitions), removed)
        return registry, tables

    def _apply(
        self,
        version: int,
        models: list[CustomModelDef],
        definitions: list[CustomFieldDef],
        audited: dict[tuple[str, str], bool],
    ) -> None:
        if definitions == self.definitions and models == self.models and audited == self.audited:
            self.version = version  # e.g. a process starting with no custom metadata
            return
        registry, tables = self.build(models, definitions, audited)
        self.db.tables.replace_with(tables)  # tables first: they hold every column
        self.db.registry.replace_models(registry.models)
        self.models = models
        self.definitions = definitions
        self.audited = audited
        self.version = version
        self.generation += 1


def with_audited(models: list[Model], audited: dict[tuple[str, str], bool]) -> list[Model]:
    """The models with the admins' audit switches applied to their fields (a switch for a
    field that is gone is ignored; system fields are never audited)."""
    if not audited:
        return models
    out: list[Model] = []
    for model in models:
        changed = {
            name: replace(fd, audited=audited[(model.name, name)])
            for name, fd in model.fields.items()
            if audited.get((model.name, name), fd.audited) != fd.audited
        }
        out.append(replace(model, fields={**model.fields, **changed}) if changed else model)
    return out
