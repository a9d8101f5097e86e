"""Access keys: one per user, random, stored hashed; a rotation retires the old key; an
existing database gets the table from `migrate`."""

from __future__ import annotations

import sqlalchemy as sa

from amity.core.services import Services
from amity.store.migrate import migrate


def test_keys_are_hashed_and_rotate(services: Services) -> None:
    keys = services.access_keys
    first = keys.rotate("u1")
    assert first.isalnum() and len(first) == 24
    assert keys.user_id(first) == "u1"
    second = keys.rotate("u1")
    assert keys.user_id(first) is None and keys.user_id(second) == "u1"
    other = keys.rotate("u2")
    assert keys.user_id(other) == "u2" and keys.user_id("") is None
    with services.db.read() as conn:
        stored = [row[0] for row in conn.execute(sa.select(keys.table.c.key_hash))]
    assert len(stored) == 2 and second not in stored and other not in stored


def test_migrate_adds_the_table_to_an_older_database(services: Services) -> None:
    with services.db.write() as conn:
        conn.execute(sa.text("DROP TABLE access_keys"))
    done = migrate(services.db)
    assert "created table access_keys" in done
    assert services.access_keys.user_id(services.access_keys.rotate("u1")) == "u1"
