"""Custom models: administrators define new record types at run time.

Defining a model creates its table (and the join tables of its many_to_many links), its
definition row, the rows of its typed fields, its record count and a new metadata
version in one transaction; once that commits, every process serves the model through the
whole /data API (others within AMITY_METADATA_CHECK_SECONDS, or at their first request that
names it). Removing a model hides it: the definition is marked removed, the tables stay
with their rows, and the name cannot be used again; restoring it brings it back as it was.
Every change is recorded on the definition row and queued in the outbox as a `CustomModel`
event.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import replace
from datetime import timedelta
from typing import Any

import sqlalchemy as sa
from sqlalchemy.exc import IntegrityError

from amity.core.actor import Actor, ensure_admin
from amity.core.clock import utcnow, utcnow_precise
from amity.core.customfields import CustomFields, known_keys
from amity.core.ids import new_id
from amity.core.metadata import emit_metadata_change
from amity.errors import BadRequest, Conflict, NotFound
from amity.schema.custom import CustomFieldDef, check_flag
from amity.schema.custom_models import (
    ACTIVITY_LINKS,
    MODEL_NAME,
    TABLE_PREFIX,
    CustomModelDef,
    check_link,
    check_model_name,
    check_portal,
    check_text,
    join_table_name,
    short_identifier,
    snake,
)
from amity.store.autonumber import start_numbering
from amity.store.migrate import count_rows

CREATE_KEYS = ("name", "label", "module", "activities", "portal", "fields", "links")
CHANGE_KEYS = ("label", "activities", "portal")
EVENT_MODEL = "CustomModel"


class CustomModels:
    """The admin operations on custom models; every one needs an administrator."""

    def __init__(self, fields: CustomFields) -> None:
        self.fields = fields
        self.sync = fields.sync
        self.store = fields.store
        self.db = fields.db

    def list(self, actor: Actor, include_removed: bool = False) -> list[dict[str, Any]]:
        """The live custom models (and the removed ones, when asked), oldest first."""
        ensure_admin(actor, "custom models")
        self.sync.refresh()
        return [self._describe(d) for d in self.sync.models if include_removed or not d.removed]

    def get(self, actor: Actor, name: str) -> dict[str, Any]:
        ensure_admin(actor, "custom models")
        self.sync.refresh()
        return self._describe(self._live(name))

    def _live(self, name: str) -> CustomModelDef:
        for d in self.sync.models:
            if d.name == name and not d.removed:
                return d
        raise NotFound("No custom model {name}", "list the custom models to see them", name=name)

    def _describe(self, d: CustomModelDef) -> dict[str, Any]:
        return d.as_json() | {
            "fields": [
                f.as_json() for f in self.sync.definitions if f.model == d.name and not f.removed
            ]
        }

    def create(self, actor: Actor, body: Mapping[str, Any]) -> dict[str, Any]:
        """Define a model with its fields and links; usable everywhere once this returns."""
        ensure_admin(actor, "custom models")
        known_keys(body, CREATE_KEYS)
        self.sync.refresh()
        models = self.db.registry.models
        name = check_model_name(body.get("name"), [*models, *(d.name for d in self.sync.models)])
        module = check_text(body, "module", f"{name}s", 60)
        if not MODEL_NAME.match(module) or module in {m.module for m in models.values()}:
            raise BadRequest(
                "Invalid or taken module name {module!r}",
                "module names follow the model name rule and are unique",
                module=module,
            )
        now = utcnow_precise()
        bare = CustomModelDef(
            id=new_id(),
            name=name,
            table=short_identifier(TABLE_PREFIX + snake(name)),
            label=check_text(body, "label", name),
            module=module,
            activities=check_flag(body, "activities", False),
            created_by=actor.user_id,
            date_created=now,
            modified_by=actor.user_id,
            date_modified=now.replace(microsecond=0),
        )
        taken = set(bare.model().fields) | (ACTIVITY_LINKS if bare.activities else set())
        reachable = {**models, name: bare.model()}
        links = tuple(check_link(raw, name, reachable, taken) for raw in _list_of(body, "links"))
        d = replace(bare, links=links)
        d = replace(d, portal=check_portal(body.get("portal"), d))
        model = d.model()
        fields: list[CustomFieldDef] = []
        for position, raw in enumerate(_list_of(body, "fields")):
            fd = self.fields.definition(actor, model, raw)
            if fd.name in taken:
                raise BadRequest(
                    "Model {name} already has a field {field}", name=name, field=fd.name
                )
            taken.add(fd.name)
            # fields are listed oldest first: a microsecond apart keeps the given order
            fields.append(replace(fd, date_created=now + timedelta(microseconds=position)))
        _, tables = self.sync.build([*self.sync.models, d], [*self.sync.definitions, *fields])
        new_tables = [
            tables.models[name],
            *(tables.joins[join_table_name(d, lk)] for lk in links if lk.kind == "many_to_many"),
        ]

        def write() -> None:
            with self.db.write() as conn:
                self.store.create_tables(conn, new_tables)
                self.store.insert_model(conn, d)
                for fd in fields:
                    self.store.insert(conn, fd)
                    if fd.auto_number:  # the table is empty: numbering starts at 1
                        start_numbering(
                            conn,
                            model.table,
                            fd.field(),
                            fd.sequence,
                            self.db.tables.system("sequences"),
                        )
                conn.execute(sa.insert(self.db.tables.system("record_counts")), count_rows(name, 0))
                after = self._describe(d) | {"fields": [fd.as_json() for fd in fields]}
                emit_metadata_change(
                    self.fields.records.writer,
                    conn,
                    actor,
                    EVENT_MODEL,
                    d.id,
                    "create",
                    {k: [None, v] for k, v in after.items()},
                    d.date_modified,
                )
                self.store.bump_version(conn)

        try:
            self.store.retry_ddl(write)
        except IntegrityError:  # another admin defined the same name a moment ago
            raise Conflict("A model {name} was defined meanwhile", name=name) from None
        self.sync.refresh()
        return self._describe(d)

    def change(self, actor: Actor, name: str, body: Mapping[str, Any]) -> dict[str, Any]:
        """Change the label, whether activities may belong to the model's records, or how
        portal contacts reach them (fields change through /admin/fields/{model}; links are
        added through /admin/models/{model}/links and removed through .../links/{name})."""
        ensure_admin(actor, "custom models")
        if not isinstance(body, Mapping) or set(body) & {"name", "module", "fields", "links"}:
            raise BadRequest(
                "Only the label, activities and portal of a custom model change",
                "fields: /admin/fields/{model}; links: /admin/models/{model}/links",
            )
        known_keys(body, CHANGE_KEYS)
        self.sync.refresh()
        old = self._live(name)
        new = replace(
            old,
            label=check_text(body, "label", old.label),
            activities=check_flag(body, "activities", old.activities),
            modified_by=actor.user_id,
            date_modified=utcnow(),
        )
        if "portal" in body:
            new = replace(new, portal=check_portal(body["portal"], old))
        if new.activities and not old.activities:
            model = self.db.registry.model(name)
            clash = sorted(ACTIVITY_LINKS & (set(model.fields) | set(model.links)))
            if clash:
                raise BadRequest(
                    "Model {name} already has a field or link {value}",
                    "activities need the links tasks, calls, meetings, notes",
                    name=name,
                    value=clash[0],
                )
        self._save(actor, old, new, "update")
        return self._describe(new)

    def add_link(self, actor: Actor, name: str, body: Mapping[str, Any]) -> dict[str, Any]:
        """Link an existing custom model to a model: a ref column (many_to_one, indexed
        once the column is there) or a join table (many_to_many)."""
        ensure_admin(actor, "custom models")
        self.sync.refresh()
        old = self._live(name)
        model = self.db.registry.model(name)
        link = check_link(
            body,
            name,
            self.db.registry.models,
            set(model.fields) | set(model.links) | old.removed_link_names,
        )
        new = replace(
            old, links=(*old.links, link), modified_by=actor.user_id, date_modified=utcnow()
        )
        registry, tables = self.sync.build(
            [new if d.id == old.id else d for d in self.sync.models], self.sync.definitions
        )
        updated = registry.model(name)

        def write() -> None:
            with self.db.write() as conn:
                if link.kind == "many_to_many":
                    self.store.create_tables(conn, [tables.joins[join_table_name(new, link)]])
                else:
                    self.store.add_column(conn, updated, updated.fields[f"{link.name}_id"])
                self._write_change(conn, actor, old, new, "update")

        self.store.retry_ddl(write)
        if link.kind == "many_to_one":
            self.store.create_index(updated, updated.fields[f"{link.name}_id"])
        self.sync.refresh()
        return self._describe(new)

    def remove_link(self, actor: Actor, name: str, link_name: str) -> dict[str, Any]:
        """Hide a link on both sides; its ref column or join table keeps the values and
        its name stays taken on the model (the way back on the target is free again)."""
        ensure_admin(actor, "custom models")
        self.sync.refresh()
        old = self._live(name)
        if link_name not in {lk.name for lk in old.live_links}:
            raise NotFound(
                "Model {name} has no link {link_name}",
                "read the custom model {name} to see its links",
                name=name,
                link_name=link_name,
            )
        if old.portal is not None and old.portal.link == link_name:
            raise Conflict(
                "Portal contacts reach {name} through the link {link_name}",
                "first take {link_name} out of the portal settings of {name}",
                name=name,
                link_name=link_name,
            )
        new = replace(
            old,
            links=tuple(
                replace(lk, removed=True) if lk.name == link_name else lk for lk in old.links
            ),
            modified_by=actor.user_id,
            date_modified=utcnow(),
        )
        self._save(actor, old, new, "update")
        return self._describe(new)

    def remove(self, actor: Actor, name: str) -> None:
        """Hide a custom model; its tables and rows stay (see the module docstring)."""
        ensure_admin(actor, "custom models")
        self.sync.refresh()
        old = self._live(name)
        linking = sorted(
            d.name
            for d in self.sync.models
            if not d.removed and d.name != name and any(lk.target == name for lk in d.live_links)
        )
        if linking:
            raise Conflict(
                "Model {value} links to {name}",
                "remove {linking} first",
                value=linking[0],
                name=name,
                linking=", ".join(linking),
            )
        self._save(
            actor,
            old,
            replace(old, removed=True, modified_by=actor.user_id, date_modified=utcnow()),
            "delete",
        )

    def restore(self, actor: Actor, name: str) -> dict[str, Any]:
        """Bring a removed model back with its rows, fields and live links; 409 when what
        it needs is gone or taken meanwhile (a link's target, a way back, its module)."""
        ensure_admin(actor, "custom models")
        self.sync.refresh()
        old = next((d for d in self.sync.models if d.name == name and d.removed), None)
        if old is None:
            raise NotFound(
                "No removed custom model {name}",
                "list the removed custom models to see them",
                name=name,
            )
        models = self.db.registry.models
        if old.module in {m.module for m in models.values()}:
            raise Conflict(
                "The module name {module} was taken meanwhile",
                "remove the model that uses it first",
                module=old.module,
            )
        for lk in old.live_links:
            target = models.get(lk.target)
            if target is None and lk.target != name:
                raise Conflict(
                    "Model {name} links to {target}, which is removed",
                    "restore {target} first",
                    name=name,
                    target=lk.target,
                )
            if target is not None and lk.reverse in {*target.fields, *target.links}:
                raise Conflict(
                    "Model {target} has a field or link {reverse} now, the way back of "
                    "{name}.{link}",
                    "remove {target}.{reverse} first",
                    target=lk.target,
                    reverse=lk.reverse,
                    name=name,
                    link=lk.name,
                )
        new = replace(old, removed=False, modified_by=actor.user_id, date_modified=utcnow())
        self._save(actor, old, new, "update")
        return self._describe(new)

    def _save(self, actor: Actor, old: CustomModelDef, new: CustomModelDef, kind: str) -> None:
        with self.db.write() as conn:
            self._write_change(conn, actor, old, new, kind)
        self.sync.refresh()

    def _write_change(
        self, conn: Any, actor: Actor, old: CustomModelDef, new: CustomModelDef, kind: str
    ) -> None:
        before, after = old.as_json(), new.as_json()
        changes = {
            k: [before.get(k), after.get(k)]
            for k in {*before, *after}
            if before.get(k) != after.get(k)
        }
        self.store.update_model(conn, new)
        emit_metadata_change(
            self.fields.records.writer,
            conn,
            actor,
            EVENT_MODEL,
            new.id,
            kind,
            changes,
            new.date_modified,
        )
        self.store.bump_version(conn)


def _list_of(body: Mapping[str, Any], key: str) -> list[Any]:
    value = body.get(key, [])
    if not isinstance(value, list):
        raise BadRequest("{key} must be a list", key=key)
    return value
