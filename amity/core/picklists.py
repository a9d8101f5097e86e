"""Picklist dependencies (as Vtiger's): the options of one field depend on another's value.

A dependency names a model, a dependent (target) option field and a source option field,
and maps source values to the target values allowed with them. A source value the map does
not name leaves the target free. Writes that break a dependency are a 400 naming both
fields; the map is readable by anyone who may see the model. Built-in enum/multienum
fields use their option values, custom option fields their option ids.

Every process reads the (small) table at most once per AMITY_METADATA_CHECK_SECONDS, and
at once after a change it made; changes are queued as `PicklistDependency` events in the
outbox like other metadata changes.
"""

from __future__ import annotations

import time
import uuid
from typing import Any

from amity.core.actor import Actor, ensure_admin
from amity.core.clock import utcnow
from amity.core.fields import to_json
from amity.core.metadata import emit_metadata_change
from amity.core.records import Records
from amity.errors import BadRequest, NotFound
from amity.schema.model import Field, Model
from amity.store.picklists import DependencyStore

EVENT_MODEL = "PicklistDependency"
SOURCE_TYPES = ("enum", "Select", "Radio")
TARGET_TYPES = ("enum", "multienum", "Select", "Radio", "MultiSelect", "Checkbox")
MAX_ENTRIES = 1000


def option_values(fd: Field) -> list[Any]:
    """The values a field's options are written with (ids for custom option fields)."""
    if fd.choices:
        return [c.id for c in fd.choices]
    return list(fd.options)


def chosen(value: Any) -> list[Any]:
    """A field's JSON value as the list of options it holds."""
    if value is None or value == "":
        return []
    return list(value) if isinstance(value, (list, tuple)) else [value]


class PicklistDependencies:
    """Reads, changes and enforces the dependencies of every model."""

    def __init__(self, records: Records, check_seconds: float) -> None:
        self.records = records
        self.db = records.db
        self.store = DependencyStore(records.db.tables)
        self.check_seconds = check_seconds
        self._by_model: dict[str, list[dict[str, Any]]] = {}
        self._loaded_at = float("-inf")
        records.value_checks.append(self.check)
        records.db.listeners.append(self._changed)

    def _changed(self, model: str, record_id: str) -> None:
        """A dependency changed, here or in another process: read them again."""
        if model in (EVENT_MODEL, "*"):
            self._loaded_at = float("-inf")

    def of_model(self, model: str) -> list[dict[str, Any]]:
        now = time.monotonic()
        if now - self._loaded_at >= self.check_seconds:
            with self.db.read() as conn:
                rows = self.store.all(conn)
            by_model: dict[str, list[dict[str, Any]]] = {}
            for row in rows:
                by_model.setdefault(row["model"], []).append(row)
            self._by_model, self._loaded_at = by_model, now
        return self._by_model.get(model, [])

    # -- reading ----------------------------------------------------------------------
    def describe(self, actor: Actor, model_name: str) -> dict[str, Any]:
        """{target field: {"source": field, "map": {source value: [target values]}}}."""
        model = self.records.model(model_name)
        self.records.policy.check(actor, model, "list")
        return {
            d["target_field"]: {"source": d["source_field"], "map": d["mapping"]}
            for d in self.of_model(model.name)
        }

    # -- admins -----------------------------------------------------------------------
    def put(self, actor: Actor, model_name: str, target: str, body: Any) -> dict[str, Any]:
        """Set the dependency of `target` on body["source"] with body["map"]."""
        ensure_admin(actor, "picklist dependencies")
        model = self.records.model(model_name)
        if not isinstance(body, dict):
            raise BadRequest('Send {"source": FIELD, "map": {SOURCE_VALUE: [TARGET_VALUES]}}')
        target_fd = option_field(model, target, TARGET_TYPES, "dependent")
        source_fd = option_field(model, body.get("source"), SOURCE_TYPES, "source")
        if source_fd.name == target_fd.name:
            raise BadRequest("A field cannot depend on itself")
        mapping = check_mapping(body.get("map"), source_fd, target_fd)
        before = self.describe(actor, model.name).get(target_fd.name)
        with self.db.write() as conn:
            self.store.put(
                conn, model.name, target_fd.name, source_fd.name, mapping, actor.user_id, utcnow()
            )
            emit_metadata_change(
                self.records.writer,
                conn,
                actor,
                EVENT_MODEL,
                event_id(model.name, target_fd.name),
                "update" if before else "create",
                {"dependency": [before, {"source": source_fd.name, "map": mapping}]},
            )
        self._loaded_at = float("-inf")
        return {
            "model": model.name,
            "field": target_fd.name,
            "source": source_fd.name,
            "map": mapping,
        }

    def remove(self, actor: Actor, model_name: str, target: str) -> None:
        ensure_admin(actor, "picklist dependencies")
        model = self.records.model(model_name)
        before = self.describe(actor, model.name).get(target)
        with self.db.write() as conn:
            if not self.store.remove(conn, model.name, target):
                raise NotFound(
                    "{model}.{target} depends on no field", model=model.name, target=target
                )
            emit_metadata_change(
                self.records.writer,
                conn,
                actor,
                EVENT_MODEL,
                event_id(model.name, target),
                "delete",
                {"dependency": [before, None]},
            )
        self._loaded_at = float("-inf")

    # -- enforcing --------------------------------------------------------------------
    def check(self, model: Model, values: dict[str, Any], before: dict[str, Any] | None) -> None:
        """400 when the record after this write breaks a dependency of its model."""
        for dep in self.of_model(model.name):
            target, source = dep["target_field"], dep["source_field"]
            if target not in values and source not in values:
                continue  # neither side changes: an older record stays as it is
            target_fd, source_fd = model.fields.get(target), model.fields.get(source)
            if target_fd is None or source_fd is None:
                continue  # a removed custom field no longer constrains anything
            source_value = json_value(source_fd, values, before)
            allowed = dep["mapping"].get(str(source_value))
            if source_value is None or allowed is None:
                continue
            for value in chosen(json_value(target_fd, values, before)):
                if value not in allowed:
                    raise BadRequest(
                        "{target} cannot be {value!r} when {source} is {source_value!r}",
                        "with {source} {source_value!r}, {target} may be: {options}",
                        target=target,
                        value=value,
                        source=source,
                        source_value=source_value,
                        options=", ".join(repr(v) for v in allowed),
                        model=model.name,
                    )


def event_id(model: str, field: str) -> str:
    """A stable 36-character id for a model's field in the change history."""
    return str(uuid.uuid5(uuid.NAMESPACE_URL, f"amity:{model}.{field}"))


def json_value(fd: Field, values: dict[str, Any], before: dict[str, Any] | None) -> Any:
    """The field's value after the write, in JSON form."""
    if fd.name in values:
        return to_json(fd, values[fd.name])
    return to_json(fd, before.get(fd.name)) if before else None


def option_field(model: Model, name: Any, types: tuple[str, ...], role: str) -> Field:
    fd = model.fields.get(name) if isinstance(name, str) else None
    if fd is None:
        raise BadRequest(
            "Unknown {role} field {name!r} in model {model}",
            "list the fields of {model} to see the valid names",
            role=role,
            name=name,
            model=model.name,
        )
    if fd.type not in types:
        raise BadRequest(
            "{model}.{field} ({type}) cannot be a {role} field",
            "{role} fields are of type {types}",
            model=model.name,
            field=fd.name,
            type=fd.type,
            role=role,
            types=", ".join(types),
        )
    return fd


def check_mapping(raw: Any, source: Field, target: Field) -> dict[str, list[Any]]:
    """{source value: [target values]}, every value an option of its field."""
    if not isinstance(raw, dict) or not raw or len(raw) > MAX_ENTRIES:
        raise BadRequest("map must be an object: source value -> list of allowed values")
    sources = {str(v): v for v in option_values(source)}
    targets = option_values(target)
    out: dict[str, list[Any]] = {}
    for key, allowed in raw.items():
        if str(key) not in sources:
            raise BadRequest(
                "{key!r} is not an option of {source}",
                "options: {sources}",
                key=key,
                source=source.name,
                sources=", ".join(sources),
            )
        if not isinstance(allowed, list) or len(allowed) > MAX_ENTRIES:
            raise BadRequest(
                "map[{key!r}] must be a list of {target} options", key=key, target=target.name
            )
        for value in allowed:
            if value not in targets or isinstance(value, bool):
                raise BadRequest(
                    "{value!r} is not an option of {target}",
                    "options: {options}",
                    value=value,
                    target=target.name,
                    options=", ".join(repr(v) for v in targets),
                )
        out[str(key)] = list(dict.fromkeys(allowed))
    return out
