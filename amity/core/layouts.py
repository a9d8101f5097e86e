"""Layouts are metadata: list, detail, popup and sub-panel layouts of every model.

Each model gets built-in defaults derived from its fields and links (the `Standard` layout
of each view); an admin may store changed or extra layouts, and a user's list view choices
(layout, filters, paging, order) are kept per user and model.
"""

from __future__ import annotations

import re
import uuid
from typing import Any

from amity.core.actor import Actor, ensure_admin
from amity.core.clock import utcnow
from amity.core.filters import parse_order
from amity.core.metadata import emit_metadata_change
from amity.core.records import MAX_LIMIT, Records
from amity.errors import BadRequest, Forbidden, NotFound
from amity.schema.model import Field, Model
from amity.store.layouts import LayoutStore

EVENT_MODEL = "Layout"
CHOICE_MODEL = "ListViewChoice"  # a user's list view choices (record id: user and model)
VIEWS = ("list", "detail", "popup", "sub_panels")
DEFAULT = "Standard"
_NAME = re.compile(r"^[A-Za-z0-9_][A-Za-z0-9_ -]{0,59}$")
AUDIT_FIELDS = (
    "date_entered",
    "date_modified",
    "created_by_user",
    "modified_user",
    "assigned_user",
)
MAX_COLUMNS = 100


def default_layout(model: Model, view: str) -> dict[str, Any]:
    """The built-in `Standard` layout of a view, from the model's metadata."""
    if view in ("list", "popup"):
        columns = [name for name in model.list_fields if name in model.fields]
        filters = [
            name
            for name, flt in model.filters.items()
            if flt.kind in ("unified_search", "enum", "ref", "owner")
        ][:6]
        return {
            "name": DEFAULT,
            "label": DEFAULT,
            "columns": columns,
            "filters": filters,
            "order_by": model.default_order,
        }
    if view == "detail":
        return {"name": DEFAULT, "label": DEFAULT, "sections": detail_sections(model)}
    return {
        "name": DEFAULT,
        "label": DEFAULT,
        "panels": [
            {"name": link.name, "bean_name": link.target, "label": link.label or link.name}
            for link in model.links.values()
        ],
    }


def detail_sections(model: Model) -> list[dict[str, Any]]:
    def shown(fd: Field) -> bool:
        return (
            not fd.system
            and fd.name not in ("deleted", "id")
            and not fd.name.endswith("_id")
            and fd.name not in AUDIT_FIELDS
        )

    fields = [n for n, fd in model.fields.items() if shown(fd)]
    addresses = [n for n in fields if "_address_" in n]
    texts = [n for n in fields if model.fields[n].kind.storage == "text" and n not in addresses]
    overview = [n for n in fields if n not in addresses and n not in texts]
    audit = [n for n in AUDIT_FIELDS if n in model.fields]
    sections = [{"id": "overview", "label": "Overview", "fields": overview}]
    if addresses:  # street, city, ... of each address together, below the overview
        sections.append({"id": "addresses", "label": "Addresses", "fields": addresses})
    if texts:
        sections.append({"id": "details", "label": "Details", "fields": texts})
    sections.append({"id": "other", "label": "Other", "fields": audit})
    return sections


class Layouts:
    """Reads layouts (stored or default), lets admins change them, keeps users' choices."""

    def __init__(self, records: Records) -> None:
        self.records = records
        self.db = records.db
        self.store = LayoutStore(records.db.tables)

    def model(self, actor: Actor, name: str) -> Model:
        """The model, if the actor may see its records (as /meta/fields asks)."""
        model = self.records.model(name)
        self.records.policy.check(actor, model, "list")
        return model

    def layouts(self, actor: Actor, model_name: str, view: str) -> dict[str, dict[str, Any]]:
        """name -> layout for a view: the default, then what admins stored (which wins)."""
        model = self.model(actor, model_name)
        if view not in VIEWS:
            raise NotFound(
                "No layout view {view!r}", "views: {views}", view=view, views=", ".join(VIEWS)
            )
        with self.db.read() as conn:
            stored = self.store.stored(conn, model.name, view)
        out = {DEFAULT: default_layout(model, view)}
        for name, definition in stored.items():
            out[name] = {"name": name, **definition}
        return out

    def stored(self, model_name: str, view: str) -> dict[str, dict[str, Any]]:
        """What admins stored for a model's view (no defaults), for export."""
        with self.db.read() as conn:
            return self.store.stored(conn, model_name, view)

    def layout(self, actor: Actor, model_name: str, view: str, name: str | None) -> dict[str, Any]:
        all_layouts = self.layouts(actor, model_name, view)
        chosen = all_layouts.get(name or DEFAULT)
        if chosen is None:
            raise NotFound(
                "No {view} layout {name!r} for {model_name}",
                "layouts: {all_layouts}",
                view=view,
                name=name,
                model_name=model_name,
                all_layouts=", ".join(all_layouts),
            )
        return chosen

    # -- admins -----------------------------------------------------------------------
    def put(
        self, actor: Actor, model_name: str, view: str, name: str, definition: Any
    ) -> dict[str, Any]:
        """Store a layout (an admin's change of `Standard`, or a new one)."""
        ensure_admin(actor, "layouts")
        model = self.model(actor, model_name)
        if view not in VIEWS:
            raise NotFound(
                "No layout view {view!r}", "views: {views}", view=view, views=", ".join(VIEWS)
            )
        if not isinstance(name, str) or not _NAME.match(name):
            raise BadRequest("A layout name is 1-60 letters, digits, spaces, - or _")
        clean = check_definition(model, view, definition, self.records)
        with self.db.write() as conn:
            self.store.put(conn, model.name, view, name, clean, actor.user_id, utcnow())
            self._emit(conn, actor, model.name, view, name, "update", {"layout": [None, clean]})
        return {"name": name, **clean}

    def _emit(
        self,
        conn: Any,
        actor: Actor,
        model: str,
        view: str,
        name: str,
        kind: str,
        changes: dict[str, Any],
    ) -> None:
        """Layout changes go into the change history like other metadata changes."""
        record_id = str(uuid.uuid5(uuid.NAMESPACE_URL, f"amity:layout:{model}:{view}:{name}"))
        emit_metadata_change(
            self.records.writer,
            conn,
            actor,
            EVENT_MODEL,
            record_id,
            kind,
            {"layout": f"{model}/{view}/{name}", **changes},
        )

    def reset(self, actor: Actor, model_name: str, view: str, name: str) -> None:
        """Remove a stored layout (`Standard` goes back to the built-in default)."""
        ensure_admin(actor, "layouts")
        model = self.model(actor, model_name)
        with self.db.write() as conn:
            removed = self.store.remove(conn, model.name, view, name)
            if removed:
                self._emit(conn, actor, model.name, view, name, "delete", {})
        if not removed:
            raise NotFound(
                "No stored {view} layout {name!r} for {model}",
                view=view,
                name=name,
                model=model.name,
            )

    def admin_layouts(self, actor: Actor, model_name: str, view: str) -> dict[str, dict[str, Any]]:
        """Every layout of a view, for the administrators who change them."""
        ensure_admin(actor, "layouts")
        return self.layouts(actor, model_name, view)

    # -- each user's list view --------------------------------------------------------
    def list_choice(self, actor: Actor, model_name: str) -> dict[str, Any]:
        """The user's stored choices ({} for none; portal contacts have none)."""
        model = self.model(actor, model_name)
        if actor.is_contact:
            return {}
        with self.db.read() as conn:
            return self.store.choice(conn, actor.user_id, model.name)

    def set_list_choice(
        self, actor: Actor, model_name: str, params: dict[str, Any]
    ) -> dict[str, Any]:
        """Keep the user's list view choices: layout, filter_layout, filter_values,
        offset, limit, order_by (each checked against the model)."""
        model = self.model(actor, model_name)
        if actor.is_contact:  # its user_id is the contact's user, whose choices they are
            raise Forbidden("Portal contacts have no list view choices to keep")
        choice = self.list_choice(actor, model_name)
        before = dict(choice)
        if "layout" in params:
            layout = params["layout"]
            if not isinstance(layout, str) or layout not in self.layouts(actor, model.name, "list"):
                raise BadRequest(
                    "No list layout {layout!r} for {model}", layout=layout, model=model.name
                )
            choice["layout"] = layout
        if "filter_layout" in params:
            if not isinstance(params["filter_layout"], str) or len(params["filter_layout"]) > 60:
                raise BadRequest("filter_layout must be a layout name")
            choice["filter_layout"] = params["filter_layout"]
        if "filter_values" in params:
            choice["filter_values"] = check_filter_values(model, params["filter_values"])
        for name, low, high in (("offset", 0, 10**9), ("limit", 1, MAX_LIMIT)):
            if name in params:
                choice[name] = check_int(name, params[name], low, high)
        if "order_by" in params:
            order = params["order_by"]
            parse_order(model, order if isinstance(order, str) else None)
            if order is not None and not isinstance(order, str):
                raise BadRequest("order_by must be a string such as 'name desc'")
            choice["order_by"] = order
        now = utcnow()
        with self.db.write() as conn:
            self.store.put_choice(conn, actor.user_id, model.name, choice, now)
            record_id = str(
                uuid.uuid5(uuid.NAMESPACE_URL, f"amity:list-choice:{actor.user_id}:{model.name}")
            )
            self.records.writer.emit(
                conn,
                actor,
                model=CHOICE_MODEL,
                record_id=record_id,
                kind="update",
                changes={"model": model.name, "choice": [before or None, choice]},
                at=now,
            )
        return choice


def check_int(name: str, value: Any, low: int, high: int) -> int:
    """A whole JSON number, or a string of ASCII digits, from low to high."""
    if (isinstance(value, str) and re.fullmatch(r"-?[0-9]{1,18}", value.strip())) or (
        isinstance(value, float) and value.is_integer()
    ):
        value = int(value)
    if isinstance(value, bool) or not isinstance(value, int):
        raise BadRequest("{name} must be an integer", name=name)
    if not low <= value <= high:
        raise BadRequest("{name} must be between {low} and {high}", name=name, low=low, high=high)
    return value


def check_filter_values(model: Model, values: Any) -> dict[str, Any]:
    if not isinstance(values, dict):
        raise BadRequest("filter_values must be an object of filter name -> value")
    for name, value in values.items():
        if name not in model.filters:
            raise BadRequest(
                "Unknown filter {name} in model {model}",
                "see /meta/fields/{model}",
                name=name,
                model=model.name,
            )
        if not isinstance(value, (str, int, float, bool, list, dict)) and value is not None:
            raise BadRequest("filter {name} has an invalid value", name=name)
    return values


def check_definition(model: Model, view: str, definition: Any, records: Records) -> dict[str, Any]:
    """A layout body checked against the model: known fields, filters and links only."""
    if not isinstance(definition, dict):
        raise BadRequest("A layout is a JSON object")
    label = definition.get("label", "")
    if not isinstance(label, str) or len(label) > 100:
        raise BadRequest("label must be a text of at most 100 characters")
    out: dict[str, Any] = {"label": label}
    if view in ("list", "popup"):
        out["columns"] = names_of(definition.get("columns"), model.fields, "columns", model)
        out["filters"] = names_of(
            definition.get("filters", []), model.filters, "filters", model, allow_empty=True
        )
        order = definition.get("order_by") or model.default_order
        parse_order(model, order if isinstance(order, str) else None)
        out["order_by"] = order
    elif view == "detail":
        sections = definition.get("sections")
        if not isinstance(sections, list) or not sections or len(sections) > 50:
            raise BadRequest("sections must be a list of {id, label, fields}")
        out["sections"] = []
        for section in sections:
            if not isinstance(section, dict) or not isinstance(section.get("id"), str):
                raise BadRequest("each section needs an id, a label and fields")
            out["sections"].append(
                {
                    "id": section["id"][:60],
                    "label": str(section.get("label", ""))[:100],
                    "fields": names_of(section.get("fields"), model.fields, "fields", model),
                }
            )
    else:
        panels = definition.get("panels")
        names = names_of(
            [p.get("name") if isinstance(p, dict) else p for p in panels]
            if isinstance(panels, list)
            else None,
            model.links,
            "panels",
            model,
            allow_empty=True,
        )
        out["panels"] = [
            {"name": n, "bean_name": model.links[n].target, "label": model.links[n].label or n}
            for n in names
        ]
    return out


def names_of(
    value: Any, known: dict[str, Any], what: str, model: Model, allow_empty: bool = False
) -> list[str]:
    if not isinstance(value, list) or (not value and not allow_empty) or len(value) > MAX_COLUMNS:
        raise BadRequest("{what} must be a list of names of {model}", what=what, model=model.name)
    for name in value:
        if not isinstance(name, str) or name not in known:
            raise BadRequest(
                "Unknown {kind} {name!r} in model {model}",
                "see /meta/fields/{model}",
                kind=what[:-1],
                name=name,
                model=model.name,
            )
    return list(value)
