"""Favorites: a user's starred records."""

from __future__ import annotations

from amity.core.actor import Actor
from amity.core.clock import utcnow
from amity.core.recent import Entry, readable_entries
from amity.core.records import Records
from amity.errors import NotFound
from amity.store import conditions as c


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


def favorites_condition(records: Records, actor: Actor, model_name: str) -> c.Condition:
    """Only the actor's favorites of the model (a list's "favorites only")."""
    ids: tuple[str, ...] = ()
    if not actor.is_contact:
        with records.db.read() as conn:
            pairs = records.accounts.favorites_of(conn, actor.user_id, model_name)
        ids = tuple(record_id for _, record_id in pairs)
    return c.Equals("id", ids)


def favorite_records(records: Records, actor: Actor, limit: int = 10) -> list[Entry]:
    """The actor's favorites of every model that they may still read, the newest first."""
    if actor.is_contact:
        return []
    with records.db.read() as conn:
        pairs = records.accounts.favorites_of(conn, actor.user_id, limit=limit * 3)
    return readable_entries(records, actor, pairs)[:limit]


def is_favorite(records: Records, actor: Actor, model_name: str, record_id: str) -> bool:
    """Whether the record is one of the actor's favorites."""
    if actor.is_contact:
        return False
    with records.db.read() as conn:
        return records.accounts.is_favorite(conn, actor.user_id, model_name, record_id)
