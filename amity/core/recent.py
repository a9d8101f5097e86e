"""Recently viewed records: each user's short list of the records they opened last
(the dashboard's detail pages note a view; the home page lists them)."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from amity.core.actor import Actor
from amity.core.clock import utcnow
from amity.core.records import ListQuery, Records
from amity.errors import AmityError
from amity.store import conditions as c
from amity.store.recent import RecentStore

KEEP = 20  # views kept per user; older ones are dropped as new ones come


@dataclass(frozen=True)
class Entry:
    """A record in a user's list: its model, id and name."""

    model: str
    id: str
    name: str


def record_view(records: Records, actor: Actor, model_name: str, record_id: str) -> None:
    """Note that the actor opened the record (a portal contact keeps no list)."""
    if actor.is_contact or not actor.user_id:
        return
    store = RecentStore(records.db.tables)
    with records.db.write() as conn:
        store.record(conn, actor.user_id, model_name, record_id, utcnow(), KEEP)


def is_latest_view(records: Records, actor: Actor, model_name: str, record_id: str) -> bool:
    """Whether the record is already the one the actor opened last (a view of it again
    changes nothing, so needs no write)."""
    if actor.is_contact or not actor.user_id:
        return True
    store = RecentStore(records.db.tables)
    with records.db.read() as conn:
        return store.latest(conn, actor.user_id, 1) == [(model_name, record_id)]


def recent_records(records: Records, actor: Actor, limit: int = 10) -> list[Entry]:
    """The records the actor opened last, the newest first; only those the actor may still
    read (a record since deleted or no longer theirs to see is left out)."""
    if actor.is_contact or not actor.user_id:
        return []
    store = RecentStore(records.db.tables)
    with records.db.read() as conn:
        pairs = store.latest(conn, actor.user_id, KEEP)
    return readable_entries(records, actor, pairs)[:limit]


def readable_entries(
    records: Records, actor: Actor, pairs: Sequence[tuple[str, str]]
) -> list[Entry]:
    """The (model, id) pairs the actor may read, in the order given, with their names;
    read through the records service, so with the actor's rights."""
    by_model: dict[str, list[str]] = {}
    for model, record_id in pairs:
        by_model.setdefault(model, []).append(record_id)
    names: dict[tuple[str, str], str] = {}
    for model, ids in by_model.items():
        if model not in records.registry.models:
            continue
        try:
            page = records.list_records(
                actor,
                model,
                ListQuery(
                    fields=["name"],
                    conditions=[c.Equals("id", tuple(ids))],
                    limit=len(ids),
                    count=False,
                ),
            )
        except AmityError:  # a model the actor may no longer list
            continue
        for row in page.records:
            names[(model, str(row["id"]))] = str(row.get("name") or row["id"])
    return [Entry(m, i, names[(m, i)]) for m, i in pairs if (m, i) in names]
