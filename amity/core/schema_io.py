"""A configuration as a file: custom models, custom fields, picklist dependencies and
stored layouts are exported as one JSON document and imported into another install (`amity schema
export|import`, GET/POST /admin/schema). Importing is idempotent: what exists is changed to
match, what is missing is added, nothing is removed; each change goes through the same
services (and so the same checks and change history) as a change made by hand.
"""

from __future__ import annotations

from typing import Any

import orjson

from amity.core.actor import Actor, ensure_admin
from amity.core.custommodels import CustomModels
from amity.core.layouts import VIEWS, Layouts
from amity.core.picklists import PicklistDependencies
from amity.errors import BadRequest
from amity.store.engine import Database
from amity.store.history import HistoryStore

FORMAT = "amity-schema"
VERSION = 1
HISTORY_MODELS = ("CustomModel", "CustomField", "FieldAudit", "PicklistDependency", "Layout")
MODEL_KEYS = ("name", "label", "module", "activities", "portal")
LINK_KEYS = ("name", "kind", "target", "reverse", "label", "reverse_label")


class SchemaFiles:
    def __init__(
        self, db: Database, models: CustomModels, picklists: PicklistDependencies, layouts: Layouts
    ) -> None:
        self.db = db
        self.models = models
        self.fields = models.fields
        self.picklists = picklists
        self.layouts = layouts

    def export(self, actor: Actor) -> dict[str, Any]:
        """The whole configuration of this install."""
        ensure_admin(actor, "the schema")
        registry = self.db.registry
        models = [
            {k: m[k] for k in MODEL_KEYS}
            | {"links": [{k: lk[k] for k in LINK_KEYS} for lk in m["links"]]}
            for m in self.models.list(actor)
        ]
        fields = []
        for model in sorted(registry.models):
            for fd in self.fields.list(actor, model):
                fields.append(
                    {
                        k: fd[k]
                        for k in (
                            "model",
                            "name",
                            "type",
                            "label",
                            "required",
                            "indexed",
                            "unique",
                            "auto_number",
                            "audited",
                            "personal",
                        )
                    }
                    | (
                        {
                            "options": [
                                {"label": o["label"], "retired": o["retired"]}
                                for o in fd["options"]
                            ]
                        }
                        if "options" in fd
                        else {}
                    )
                )
        audited = [  # built-in fields an admin switched out of (or back into) the audit
            {"model": model, "field": name, "audited": fd.audited}
            for model in sorted(registry.models)
            for name, fd in registry.models[model].fields.items()
            if not fd.custom and (model, name) in self.fields.sync.audited
        ]
        dependencies = []
        layouts = []
        for model in sorted(registry.models):
            for target, dep in self.picklists.describe(actor, model).items():
                dependencies.append({"model": model, "field": target, **dep})
            for view in VIEWS:
                for name, layout in self.layouts.stored(model, view).items():
                    layouts.append(
                        {"model": model, "view": view, "name": name, "definition": layout}
                    )
        return {
            "format": FORMAT,
            "version": VERSION,
            "custom_models": models,
            "custom_fields": fields,
            "audited_fields": audited,
            "dependencies": dependencies,
            "layouts": layouts,
        }

    def import_(self, actor: Actor, document: Any) -> list[str]:
        """Apply an exported document; returns what was done, one line per change."""
        ensure_admin(actor, "the schema")
        if not isinstance(document, dict) or document.get("format") != FORMAT:
            raise BadRequest(
                "Not an {format} document", "make one with amity schema export", format=FORMAT
            )
        if document.get("version") != VERSION:
            raise BadRequest(
                "Unsupported {format} version {version!r}",
                format=FORMAT,
                version=document.get("version"),
            )
        done = self._models(actor, list_of(document, "custom_models"))
        for spec in list_of(document, "custom_fields"):
            done += self._field(actor, spec)
        for spec in list_of(document, "audited_fields"):
            done += self._audited(actor, spec)
        for spec in list_of(document, "dependencies"):
            model, field = spec.get("model"), spec.get("field")
            if self.picklists.describe(actor, str(model)).get(str(field)) != {
                "source": spec.get("source"),
                "map": spec.get("map"),
            }:
                self.picklists.put(actor, str(model), str(field), spec)
                done.append(f"dependency {model}.{field} on {spec.get('source')}")
        for spec in list_of(document, "layouts"):
            model, view, name = spec.get("model"), spec.get("view"), spec.get("name")
            if self.layouts.stored(str(model), str(view)).get(str(name)) != spec.get("definition"):
                self.layouts.put(actor, str(model), str(view), str(name), spec.get("definition"))
                done.append(f"layout {model}/{view}/{name}")
        return done

    def _models(self, actor: Actor, specs: list[dict[str, Any]]) -> list[str]:
        """Missing models first (without links, which may point at one another, and so
        without a portal, which names a link), then their missing links, then what changed
        (label, activities, portal)."""
        done: list[str] = []
        existing = {m["name"]: m for m in self.models.list(actor)}
        for spec in specs:
            if spec.get("name") not in existing:
                created = self.models.create(
                    actor, {k: spec[k] for k in MODEL_KEYS if k in spec and k != "portal"}
                )
                existing[created["name"]] = created
                done.append(f"custom model {created['name']} added")
        for spec in specs:
            name = str(spec.get("name"))
            have = existing[name]
            linked = {lk["name"] for lk in have["links"]}
            for link in list_of(spec, "links"):
                if link.get("name") not in linked:
                    self.models.add_link(actor, name, link)
                    done.append(f"link {name}.{link.get('name')} to {link.get('target')}")
            change: dict[str, Any] = {
                k: spec[k]
                for k in ("label", "activities", "portal")
                if k in spec and spec[k] != have[k]
            }
            if change:
                self.models.change(actor, name, change)
                done.append(f"custom model {name} changed: {', '.join(sorted(change))}")
        return done

    def _field(self, actor: Actor, spec: dict[str, Any]) -> list[str]:
        model, name = str(spec.get("model")), spec.get("name")
        existing = {f["name"]: f for f in self.fields.list(actor, model)}
        options = spec.get("options")
        if name not in existing:
            body: dict[str, Any] = {
                k: spec[k]
                for k in (
                    "name",
                    "type",
                    "label",
                    "required",
                    "indexed",
                    "unique",
                    "auto_number",
                    "audited",
                    "personal",
                )
                if k in spec
            }
            if options is not None:
                body["options"] = [o["label"] if isinstance(o, dict) else o for o in options]
            self.fields.add(actor, model, body)
            retired = [
                i for i, o in enumerate(options or []) if isinstance(o, dict) and o.get("retired")
            ]
            if retired:
                current = self.fields.get(actor, model, str(name))["options"]
                self.fields.change(
                    actor,
                    model,
                    str(name),
                    {"options": [dict(o, retired=i in retired) for i, o in enumerate(current)]},
                )
            return [f"custom field {model}.{name} added"]
        have = existing[name]
        if have["type"].lower() != str(spec.get("type", "")).lower():
            raise BadRequest(
                "{model}.{name} is a {type} here, not {spec}",
                "a custom field's type cannot change",
                model=model,
                name=name,
                type=have["type"],
                spec=spec.get("type"),
            )
        change: dict[str, Any] = {
            k: spec[k]
            for k in ("label", "required", "indexed", "unique", "audited")
            if k in spec and spec[k] != have[k]
        }
        if options is not None:
            wanted = [
                (o["label"], bool(o.get("retired"))) if isinstance(o, dict) else (o, False)
                for o in options
            ]
            current = [(o["label"], o["retired"]) for o in have.get("options", [])]
            if wanted != current:
                by_label = {o["label"]: o for o in have.get("options", [])}
                change["options"] = [
                    dict(by_label[label], retired=retired)
                    if label in by_label
                    else {"label": label, "retired": retired}
                    for label, retired in wanted
                ] + [
                    dict(o, retired=True)
                    for o in have.get("options", [])
                    if o["label"] not in {label for label, _ in wanted}
                ]
        if not change:
            return []
        self.fields.change(actor, model, str(name), change)
        return [f"custom field {model}.{name} changed: {', '.join(sorted(change))}"]

    def _audited(self, actor: Actor, spec: dict[str, Any]) -> list[str]:
        """A built-in field's audit switch, set when it differs."""
        model, name, audited = spec.get("model"), spec.get("field"), spec.get("audited")
        if not isinstance(audited, bool):
            raise BadRequest(
                "audited of {model}.{name} must be true or false", model=model, name=name
            )
        fd = self.db.registry.model(str(model)).fields.get(str(name))
        if fd is not None and fd.audited == audited:
            return []
        self.fields.set_audited(actor, str(model), str(name), audited)
        return [f"field {model}.{name} audited: {'on' if audited else 'off'}"]

    def history(self, actor: Actor, offset: int, limit: int) -> tuple[list[dict[str, Any]], int]:
        """Metadata changes, newest first: who changed what, when."""
        ensure_admin(actor, "the schema")
        with self.db.read() as conn:
            rows, total = HistoryStore(self.db.tables).events(conn, HISTORY_MODELS, offset, limit)
        return [history_row(row) for row in rows], total


def history_row(row: dict[str, Any]) -> dict[str, Any]:
    return {
        "id": row["id"],
        "object": row["model"],
        "object_id": row["record_id"],
        "kind": row["kind"],
        "changes": orjson.loads(row["changes"]),
        "user_id": row["actor_id"],
        "source": row["source"],
        "date": row["date_created"].strftime("%Y-%m-%d %H:%M:%S"),
    }


def list_of(document: dict[str, Any], key: str) -> list[dict[str, Any]]:
    value = document.get(key, [])
    if not isinstance(value, list) or not all(isinstance(v, dict) for v in value):
        raise BadRequest("{key} must be a list of objects", key=key)
    return value
