"""Related records: list, add and remove through a model's links."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from amity.core.actor import Actor
from amity.core.clock import utcnow
from amity.core.ids import new_id
from amity.core.records import ListQuery, Page, Records, storable_id
from amity.core.validate import parse_value, required_fields
from amity.errors import BadRequest, NotFound
from amity.schema.model import Link, Model
from amity.store.query import Scope


class Relations:
    """Link operations on top of the records service (same policy, same transactions)."""

    def __init__(self, records: Records) -> None:
        self.records = records
        self.registry = records.registry
        self.writer = records.writer

    def _parent(self, model_name: str, link_name: str) -> tuple[Model, Link]:
        model = self.records.model(model_name)
        return model, self.registry.link(model, link_name)

    def target(self, model_name: str, link_name: str) -> str:
        """The model whose records the link lists; 404 for an unknown model or link."""
        return self._parent(model_name, link_name)[1].target

    def list_related(
        self, actor: Actor, model_name: str, record_id: str, link_name: str, q: ListQuery
    ) -> Page:
        """Records linked to one record, listed like /data/{model}."""
        model, link = self._parent(model_name, link_name)
        self.records.get(actor, model.name, record_id, fields=["id"])  # 404 if hidden
        return self.records.list_records(actor, link.target, q, Scope(model, link, record_id))

    def list_linked(self, actor: Actor, model_name: str, link_name: str, q: ListQuery) -> Page:
        """Every record linked through `link` to any live record of the model."""
        model, link = self._parent(model_name, link_name)
        self.records.policy.check(actor, model, "list")
        return self.records.list_records(actor, link.target, q, Scope(model, link, None))

    def add_related(
        self,
        actor: Actor,
        model_name: str,
        record_id: str,
        link_name: str,
        ids: Any,
        with_data: Any,
    ) -> None:
        """Link records by id; records_with_data also stores extra join fields."""
        model, link = self._parent(model_name, link_name)
        items = _items(link, ids, with_data)
        if not items:
            raise BadRequest("Nothing to link", "pass records: [ids] or records_with_data")
        with self.records.db.write() as conn:
            self._add(conn, actor, model, link, record_id, items)

    def add_related_many(
        self, actor: Actor, model_name: str, link_name: str, entries: Sequence[tuple[str, Any, Any]]
    ) -> None:
        """add_related for several records, as (record id, ids, with_data), in one
        transaction (all or none); for bulk loads."""
        model, link = self._parent(model_name, link_name)
        parsed = [
            (record_id, _items(link, ids, with_data)) for record_id, ids, with_data in entries
        ]
        with self.records.db.write() as conn:
            for record_id, items in parsed:
                if items:
                    self._add(conn, actor, model, link, record_id, items)

    def _add(
        self,
        conn: Any,
        actor: Actor,
        model: Model,
        link: Link,
        record_id: str,
        items: list[tuple[str, dict[str, Any]]],
    ) -> None:
        target = self.records.model(link.target)
        parent = self.records.visible_row(conn, actor, model, record_id, lock=True)
        if parent is None:
            raise NotFound("Not found", "No {model} with id {id}", model=model.name, id=record_id)
        self.records.policy.check(actor, model, "relate", parent)
        now = utcnow()
        for target_id, extra in items:
            row = self.records.visible_row(conn, actor, target, target_id)
            if row is None:
                raise NotFound(
                    "Not found",
                    "No {target} with id {target_id}",
                    target=target.name,
                    target_id=target_id,
                )
            if link.kind != "many_to_many":  # linking writes the target's own field
                assert link.target_column
                self.records.policy.check(
                    actor, target, "edit", row, {link.target_column: record_id}
                )
            self._link(conn, link, model, record_id, target_id, extra, now, actor.user_id)
        self.writer.emit(
            conn,
            actor,
            model=model.name,
            record_id=record_id,
            kind="link",
            changes={link.name: [None, [i for i, _ in items]]},
            at=now,
        )

    def _link(
        self,
        conn: Any,
        link: Link,
        model: Model,
        record_id: str,
        target_id: str,
        extra: dict[str, Any],
        now: Any,
        actor_id: str,
    ) -> None:
        if link.kind == "many_to_many":
            assert link.self_column and link.target_column
            existing = self.writer.join_row(conn, link, record_id, target_id)
            if existing is None:
                self.writer.add_join(
                    conn,
                    link,
                    {
                        "id": new_id(),
                        link.self_column: record_id,
                        link.target_column: target_id,
                        "date_modified": now,
                        **join_defaults(link),
                        **extra,
                    },
                )
            elif extra:
                self.writer.update_join(conn, link, existing["id"], {**extra, "date_modified": now})
            return
        target = self.records.model(link.target)
        assert link.target_column
        values: dict[str, Any] = {
            link.target_column: record_id,
            "date_modified": now,
            "modified_user_id": actor_id,
        }
        if link.kind == "parent":
            values["parent_type"] = model.name
        self.writer.update(conn, target, target_id, values)

    def remove_related(
        self, actor: Actor, model_name: str, record_id: str, link_name: str, target_id: str
    ) -> None:
        """Unlink one record; 404 when it was not linked."""
        model, link = self._parent(model_name, link_name)
        target = self.records.model(link.target)
        with self.records.db.write() as conn:
            parent = self.records.visible_row(conn, actor, model, record_id, lock=True)
            if parent is None:
                raise NotFound(
                    "Not found", "No {model} with id {id}", model=model.name, id=record_id
                )
            self.records.policy.check(actor, model, "relate", parent)
            now = utcnow()
            if link.kind == "many_to_many":
                hidden = (
                    storable_id(target_id)
                    and self.records.visible_row(conn, actor, target, target_id) is None
                    and self.writer.current(conn, target, target_id) is not None
                )  # live, but not the actor's to see
                removed = (
                    storable_id(target_id)
                    and not hidden
                    and self.writer.remove_join(conn, link, record_id, target_id) > 0
                )
            else:
                row = self.records.visible_row(conn, actor, target, target_id)
                assert link.target_column
                removed = (
                    row is not None
                    and row.get(link.target_column) == record_id
                    and (link.kind != "parent" or row.get("parent_type") == model.name)
                )
                if removed and row is not None:
                    self.records.policy.check(
                        actor, target, "edit", row, {link.target_column: None}
                    )
                if removed and link.target_column in {f.name for f in required_fields(target)}:
                    raise BadRequest(
                        "Field {target_column} of {target} is required",
                        "link the {target} to another {model} instead",
                        target_column=link.target_column,
                        target=target.name,
                        model=model.name,
                    )
                if removed:
                    values: dict[str, Any] = {
                        link.target_column: None,
                        "date_modified": now,
                        "modified_user_id": actor.user_id,
                    }
                    if link.kind == "parent":
                        values["parent_type"] = None
                    self.writer.update(conn, target, target_id, values)
            if not removed:
                raise NotFound(
                    "Not found",
                    "{target} {target_id} is not linked to this {model}",
                    target=target.name,
                    target_id=target_id,
                    model=model.name,
                )
            self.writer.emit(
                conn,
                actor,
                model=model.name,
                record_id=record_id,
                kind="unlink",
                changes={link.name: [[target_id], None]},
                at=now,
            )


def join_defaults(link: Link) -> dict[str, Any]:
    """The declared defaults of a link's join fields (an assembly part counts once), for a
    new join row whose request left them out."""
    return {fd.name: fd.default for fd in link.join_fields if fd.default is not None}


def _items(link: Link, ids: Any, with_data: Any) -> list[tuple[str, dict[str, Any]]]:
    """(id, join values) pairs from `records` and `records_with_data`, checked."""
    out: dict[str, dict[str, Any]] = {}
    if ids is not None:
        if not isinstance(ids, list) or not all(isinstance(i, str) and i for i in ids):
            raise BadRequest("records must be a list of record ids")
        for i in ids:
            out[i] = {}
    if with_data is not None:
        if not isinstance(with_data, list) or not all(isinstance(d, dict) for d in with_data):
            raise BadRequest("records_with_data must be a list of objects with an id")
        join_fields = {fd.name: fd for fd in link.join_fields}
        for item in with_data:
            rid = item.get("id")
            if not isinstance(rid, str) or not rid:
                raise BadRequest("each records_with_data item needs an id")
            extra: dict[str, Any] = {}
            for key, value in item.items():
                if key == "id":
                    continue
                if key not in join_fields:
                    known = ", ".join(join_fields) or "none"
                    raise BadRequest(
                        "Unknown link field {key} for link {link}",
                        "fields this link stores: {known}",
                        key=key,
                        link=link.name,
                        known=known,
                    )
                extra[key] = parse_value(join_fields[key], value)
            out[rid] = extra
    return list(out.items())
