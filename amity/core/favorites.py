"""Favorites: a user's starred records."""

from __future__ import annotations

from amity.core.actor import Actor
from amity.core.clock import utcnow
from amity.core.records import Records
from amity.errors import NotFound


def toggle_favorite(records: Records, actor: Actor, model_name: str, record_id: str) -> int:
    """Add or remove the record from the actor's favorites: 0 if added, 1 if removed;
    one event (kind favorite or unfavorite) of the record."""
    model = records.model(model_name)
    store = records.accounts
    with records.db.write() as conn:
        row = records.visible_row(conn, actor, model, record_id)
        if row is None:
            raise NotFound("Not found", "No {model} with id {id}", model=model.name, id=record_id)
        records.policy.check(actor, model, "favorite", row)
        now = utcnow()
        removing = store.is_favorite(conn, actor.user_id, model.name, record_id)
        if removing:
            store.remove_favorite(conn, actor.user_id, model.name, record_id)
        else:
            store.add_favorite(conn, actor.user_id, model.name, record_id, now)
        records.writer.emit(
            conn,
            actor,
            model=model.name,
            record_id=record_id,
            kind="unfavorite" if removing else "favorite",
            changes={"favorite": [removing, not removing]},  # of the acting user
            at=now,
        )
        return 1 if removing else 0
