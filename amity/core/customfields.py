"""Custom fields: administrators add, change and remove fields of any model at run time.

Adding a field adds a real, nullable column (ALTER TABLE, instant on SQLite and
PostgreSQL), the definition row and a new metadata version in one transaction; its index,
when asked for, is built afterwards (CONCURRENTLY on PostgreSQL). Removing a field hides
it: the definition is marked removed and the column stays with its values, so requests
still running on the old metadata (here or in other worker processes) never fail, and the
name cannot be used again. Every change records who made it and when on the definition
row, and is queued in the outbox as a `CustomField` event (for audit and webhooks).
"""

from __future__ import annotations

import uuid
from collections.abc import Callable, Mapping
from dataclasses import replace
from typing import Any

from sqlalchemy.exc import IntegrityError

from amity.core.actor import Actor, ensure_admin
from amity.core.clock import utcnow, utcnow_precise
from amity.core.ids import new_id
from amity.core.metadata import MetadataSync, emit_metadata_change
from amity.core.records import Records
from amity.errors import BadRequest, Conflict, NotFound
from amity.schema.custom import (
    UNINDEXABLE,
    UNIQUE_TYPES,
    CustomFieldDef,
    changed_options,
    check_flag,
    check_label,
    check_name,
    check_type,
    new_options,
)
from amity.schema.model import Model
from amity.schema.types import OPTION_TYPES
from amity.store.autonumber import number_existing, start_numbering, stop_numbering

ADD_KEYS = (
    "name",
    "type",
    "label",
    "required",
    "indexed",
    "unique",
    "auto_number",
    "options",
    "audited",
    "personal",
)
CHANGE_KEYS = ("label", "required", "indexed", "unique", "options", "audited", "personal")
BUILTIN_KEYS = ("audited",)  # what an admin may change of a built-in field
EVENT_MODEL = "CustomField"
AUDIT_EVENT_MODEL = "FieldAudit"  # a field's `audited` switched (built-in or custom)


class CustomFields:
    """The admin operations on custom fields; every one needs an administrator."""

    def __init__(self, records: Records, sync: MetadataSync) -> None:
        self.records = records
        self.sync = sync
        self.store = sync.store
        self.db = records.db

    def _model(self, model_name: str) -> Model:
        self.sync.refresh()
        return self.records.model(model_name)

    def list(self, actor: Actor, model_name: str) -> list[dict[str, Any]]:
        """The live custom fields of a model, oldest first."""
        ensure_admin(actor, "custom fields")
        model = self._model(model_name)
        return [
            self._json(model, d)
            for d in self.sync.definitions
            if d.model == model.name and not d.removed
        ]

    def get(self, actor: Actor, model_name: str, name: str) -> dict[str, Any]:
        ensure_admin(actor, "custom fields")
        model = self._model(model_name)
        return self._json(model, self._live(model, name))

    def _json(self, model: Model, d: CustomFieldDef) -> dict[str, Any]:
        """The definition as the admin API shows it, with whether the field is audited."""
        current = self.records.model(model.name).fields.get(d.name)
        return {**d.as_json(), "audited": current.audited if current else True}

    def _live(self, model: Model, name: str) -> CustomFieldDef:
        for d in self.sync.definitions:
            if d.model == model.name and d.name == name and not d.removed:
                return d
        raise NotFound(
            "No custom field {name} in model {model}",
            "list the custom fields of {model} to see them",
            name=name,
            model=model.name,
        )

    def add(self, actor: Actor, model_name: str, body: Mapping[str, Any]) -> dict[str, Any]:
        """Add a custom field; the column exists and every process can use the field once
        this returns (others within AMITY_METADATA_CHECK_SECONDS, or at their first
        request that names it)."""
        ensure_admin(actor, "custom fields")
        model = self._model(model_name)
        d = self.definition(actor, model, body)
        audited = check_flag(body, "audited", True)

        def define(conn: Any) -> None:
            self.store.insert(conn, d)
            if not audited:
                self.sync.audit_store.set_override(
                    conn, model.name, d.name, False, actor.user_id, d.date_modified or utcnow()
                )
            emit_metadata_change(
                self.records.writer,
                conn,
                actor,
                EVENT_MODEL,
                d.id,
                "create",
                {k: [None, v] for k, v in d.as_json().items()},
                d.date_modified,
            )
            self.store.bump_version(conn)

        def write() -> None:
            with self.db.write() as conn:
                if self.store.has_column(conn, model, d.name):
                    raise Conflict(
                        "Table {table} already has a column {field}",
                        "choose another name",
                        table=model.table,
                        field=d.name,
                    )
                self.store.add_column(conn, model, d.field())
                if d.auto_number:
                    start_numbering(
                        conn, model.table, d.field(), d.sequence, self.db.tables.system("sequences")
                    )
                else:
                    define(conn)

        self.store.retry_ddl(write)
        if d.auto_number:
            self._number_then_define(model, d, define)
        if d.indexed:
            self.store.create_index(model, d.field())
        if d.unique:  # the new column holds no values yet (or distinct numbers)
            self.store.create_unique_index(model, d.field())
        self.sync.refresh()
        return self._json(model, d)

    def _number_then_define(
        self, model: Model, d: CustomFieldDef, define: Callable[[Any], None]
    ) -> None:
        """Number the existing records once the column and its trigger are committed (on
        PostgreSQL ALTER TABLE's exclusive lock is gone by then: reads and writes go on,
        and records written meanwhile are numbered by the trigger), then make the field
        live. Should that fail, the unused column and its trigger go again."""
        try:
            with self.db.write() as conn:
                number_existing(conn, model.table, d.field())
                define(conn)
        except Exception:
            with self.db.write() as conn:
                stop_numbering(conn, model.table, d.name)
                self.store.drop_column(conn, model, d.field())
            raise

    def definition(self, actor: Actor, model: Model, body: Mapping[str, Any]) -> CustomFieldDef:
        """A new field's definition from an admin's body, checked (nothing is written)."""
        known_keys(body, ADD_KEYS)
        name = check_name(model, body.get("name"))
        if any(d.model == model.name and d.name == name for d in self.sync.definitions):
            raise Conflict(
                "The name {name} was used by a removed field of {model}",
                "its column keeps the old values; choose another name",
                name=name,
                model=model.name,
            )
        if any(d.name == model.name and name in d.removed_link_names for d in self.sync.models):
            raise Conflict(
                "The name {name} was used by a removed link of {model}",
                "its column or table keeps the old values; choose another name",
                name=name,
                model=model.name,
            )
        type_name = check_type(body.get("type"))
        indexed = check_flag(body, "indexed", False)
        if indexed and type_name in UNINDEXABLE:
            raise BadRequest("A {type_name} field cannot be indexed", type_name=type_name)
        unique = check_flag(body, "unique", False)
        if unique:
            check_unique_type(type_name)
        auto_number = check_flag(body, "auto_number", False)
        required = check_flag(body, "required", False)
        if auto_number and (type_name != "Number" or required):
            raise BadRequest(
                "auto_number is for Number fields that are not required",
                "the server numbers new records left without a value",
            )
        now = utcnow_precise()
        default_label = (name if model.custom else name[:-2]).replace("_", " ").capitalize()
        return CustomFieldDef(
            id=new_id(),
            model=model.name,
            name=name,
            type=type_name,
            label=check_label(body.get("label"), default_label),
            required=required,
            indexed=indexed,
            unique=unique,
            auto_number=auto_number,
            options=new_options(type_name, body.get("options")),
            personal=check_flag(body, "personal", False),
            created_by=actor.user_id,
            date_created=now,
            modified_by=actor.user_id,
            date_modified=now.replace(microsecond=0),
        )

    def change(
        self, actor: Actor, model_name: str, name: str, body: Mapping[str, Any]
    ) -> dict[str, Any]:
        """Change label, required, indexed, unique, options, personal or audited (never the
        type, the name or auto_number); of a built-in field, only audited."""
        ensure_admin(actor, "custom fields")
        if not isinstance(body, Mapping):
            raise BadRequest("The body must be a JSON object")
        model = self._model(model_name)
        builtin = model.fields.get(name)
        if builtin is not None and not builtin.custom:
            known_keys(body, BUILTIN_KEYS)
            self.set_audited(actor, model.name, name, check_flag(body, "audited", builtin.audited))
            return builtin_json(self.records.model(model.name), name)
        if "audited" in body:
            audited = check_flag(body, "audited", True)
            rest = {k: v for k, v in body.items() if k != "audited"}
            record = (
                self.change(actor, model_name, name, rest)
                if rest
                else self.get(actor, model_name, name)
            )
            self.set_audited(actor, model.name, name, audited)
            return {**record, "audited": audited}
        if "type" in body or "name" in body or "auto_number" in body:
            raise BadRequest(
                "The name, type and auto_number of a custom field cannot change",
                "add a new field instead",
            )
        known_keys(body, CHANGE_KEYS)
        old = self._live(model, name)
        new = replace(
            old,
            label=check_label(body.get("label"), old.label),
            required=check_flag(body, "required", old.required),
            indexed=check_flag(body, "indexed", old.indexed),
            unique=check_flag(body, "unique", old.unique),
            personal=check_flag(body, "personal", old.personal),
            modified_by=actor.user_id,
            date_modified=utcnow(),
        )
        if "options" in body:
            if old.type not in OPTION_TYPES:
                raise BadRequest("A {type} field has no options", type=old.type)
            new = replace(new, options=changed_options(old.options, body["options"]))
        if new.required and new.auto_number:
            raise BadRequest(
                "An auto_number field cannot be required",
                "the server numbers new records left without a value",
            )
        if new.indexed and not old.indexed:
            if new.type in UNINDEXABLE:
                raise BadRequest("A {type} field cannot be indexed", type=new.type)
            self.store.create_index(model, new.field())
        if new.unique and not old.unique:
            self._make_unique(model, new)
        self._save(actor, old, new)
        if old.indexed and not new.indexed:
            self.store.drop_index(model, old.field())
        if old.unique and not new.unique:
            self.store.drop_index(model, old.field(), unique=True)
        self.sync.refresh()
        return self._json(model, new)

    def set_audited(self, actor: Actor, model_name: str, name: str, audited: bool) -> None:
        """Switch whether changes of a field (built-in or custom) go into the audit; every
        process follows with its next metadata check. System fields are never audited."""
        ensure_admin(actor, "custom fields")
        model = self._model(model_name)
        fd = model.fields.get(name)
        if fd is None:
            raise NotFound(
                "No field {name} in model {model}",
                "list the fields of {model} to see the valid names",
                name=name,
                model=model.name,
            )
        if fd.system:
            raise BadRequest(
                "Field {name} is maintained by Amity and never audited",
                "creates and deletes appear in the audit as rows of their own",
                name=name,
            )
        if fd.audited == audited:
            return
        now = utcnow()
        with self.db.write() as conn:
            self.sync.audit_store.set_override(conn, model.name, name, audited, actor.user_id, now)
            emit_metadata_change(
                self.records.writer,
                conn,
                actor,
                AUDIT_EVENT_MODEL,
                str(uuid.uuid5(uuid.NAMESPACE_URL, f"amity:field:{model.name}.{name}")),
                "update",
                {"field": f"{model.name}.{name}", "audited": [fd.audited, audited]},
                now,
            )
            self.store.bump_version(conn)
        self.sync.refresh()

    def _make_unique(self, model: Model, d: CustomFieldDef) -> None:
        """Build the unique index; 409 naming a value two live records share."""
        check_unique_type(d.type)
        shared = self.store.duplicate_value(model, d.field())
        try:
            if shared is None:
                self.store.create_unique_index(model, d.field())
        except IntegrityError:  # a record written meanwhile repeats a value
            shared = self.store.duplicate_value(model, d.field())
        if shared is not None:
            raise Conflict(
                "Several {model} records have {field} {shared!r}",
                "give them distinct values (or none) before making {field} unique",
                model=model.name,
                field=d.name,
                shared=shared,
            )

    def remove(self, actor: Actor, model_name: str, name: str) -> None:
        """Hide a custom field; its column and values stay (see the module docstring)."""
        ensure_admin(actor, "custom fields")
        model = self._model(model_name)
        old = self._live(model, name)
        self._save(
            actor,
            old,
            replace(old, removed=True, modified_by=actor.user_id, date_modified=utcnow()),
        )
        if old.unique:  # the hidden column no longer holds values to keep apart
            self.store.drop_index(model, old.field(), unique=True)
        if old.auto_number:
            with self.db.write() as conn:
                stop_numbering(conn, model.table, old.name)
        self.sync.refresh()

    def _save(self, actor: Actor, old: CustomFieldDef, new: CustomFieldDef) -> None:
        before, after = old.as_json(), new.as_json()
        changes = {
            k: [before.get(k), after.get(k)]
            for k in {*before, *after}
            if before.get(k) != after.get(k)
        }
        with self.db.write() as conn:
            self.store.update(conn, new)
            emit_metadata_change(
                self.records.writer,
                conn,
                actor,
                EVENT_MODEL,
                new.id,
                "delete" if new.removed else "update",
                changes,
                new.date_modified,
            )
            self.store.bump_version(conn)


def check_unique_type(type_name: str) -> None:
    if type_name not in UNIQUE_TYPES:
        raise BadRequest(
            "A {type_name} field cannot be unique",
            "unique fields: {unique_types}",
            type_name=type_name,
            unique_types=", ".join(sorted(UNIQUE_TYPES)),
        )


def known_keys(body: Mapping[str, Any], keys: tuple[str, ...]) -> None:
    if not isinstance(body, Mapping):
        raise BadRequest("The body must be a JSON object")
    unknown = sorted(set(body) - set(keys))
    if unknown:
        raise BadRequest(
            "Unknown key {value!r}", "known: {keys}", value=unknown[0], keys=", ".join(keys)
        )


def builtin_json(model: Model, name: str) -> dict[str, Any]:
    """A built-in field as the admin API shows it after a change."""
    fd = model.fields[name]
    return {"model": model.name, "name": name, "type": fd.type, "audited": fd.audited}
