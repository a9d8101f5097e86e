"""SQL for Idempotency-Key claims: one row per credential and key, holding the request's
fingerprint, the state of its first request and, once answered, the stored answer."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.engine import Connection

from amity.store.tables import Tables

RUNNING, COMMITTED, DONE = "running", "committed", "done"


@dataclass(frozen=True)
class KeyRow:
    """A claim as stored."""

    fingerprint: str
    token: str
    state: str
    status: int | None
    headers: str | None
    body: bytes | None
    date_created: datetime


class IdempotencyStore:
    """Claims keys, marks them committed, stores answers, releases and purges them."""

    def __init__(self, tables: Tables) -> None:
        self.keys = tables.system("idempotency_keys")
        self.dialect = tables.dialect

    def _where(self, owner: str, key: str) -> sa.ColumnElement[bool]:
        return sa.and_(self.keys.c.owner == owner, self.keys.c.key == key)

    def insert(
        self, conn: Connection, owner: str, key: str, fingerprint: str, token: str, at: datetime
    ) -> bool:
        """Add a running claim; False when the credential has one for this key already."""
        insert = postgresql.insert if self.dialect == "postgresql" else sqlite.insert
        stmt = (
            insert(self.keys)
            .values(
                owner=owner,
                key=key,
                fingerprint=fingerprint,
                token=token,
                state=RUNNING,
                date_created=at,
            )
            .on_conflict_do_nothing(index_elements=["owner", "key"])
            .returning(self.keys.c.token)
        )
        return conn.execute(stmt).first() is not None

    def find(self, conn: Connection, owner: str, key: str) -> KeyRow | None:
        c = self.keys.c
        row = conn.execute(
            sa.select(
                c.fingerprint, c.token, c.state, c.status, c.headers, c.body, c.date_created
            ).where(self._where(owner, key))
        ).first()
        return KeyRow(*row) if row is not None else None

    def take_over(
        self,
        conn: Connection,
        owner: str,
        key: str,
        fingerprint: str,
        token: str,
        at: datetime,
        condition: sa.ColumnElement[bool],
    ) -> bool:
        """Make the row a new running claim of `token` if it still meets `condition` (an
        expired row, or a stale running claim); False when another request was first."""
        result = conn.execute(
            sa.update(self.keys)
            .where(self._where(owner, key), condition)
            .values(
                fingerprint=fingerprint,
                token=token,
                state=RUNNING,
                status=None,
                headers=None,
                body=None,
                date_created=at,
            )
            .returning(self.keys.c.token)
        )
        return result.first() is not None

    def expired(self, before: datetime) -> sa.ColumnElement[bool]:
        return self.keys.c.date_created < before

    def stale(self, before: datetime) -> sa.ColumnElement[bool]:
        return sa.and_(self.keys.c.state == RUNNING, self.keys.c.date_created < before)

    def mark_committed(self, conn: Connection, owner: str, key: str, token: str) -> bool:
        """The claim's request committed a write (in this transaction); False when the
        claim is no longer this request's (taken over as stale)."""
        result = conn.execute(
            sa.update(self.keys)
            .where(self._where(owner, key), self.keys.c.token == token)
            .values(
                state=sa.case((self.keys.c.state == RUNNING, COMMITTED), else_=self.keys.c.state)
            )
            .returning(self.keys.c.token)
        )
        return result.first() is not None

    def store_answer(
        self,
        conn: Connection,
        owner: str,
        key: str,
        token: str,
        status: int,
        headers: str,
        body: bytes,
    ) -> bool:
        """Keep the answer to replay; False when the claim is no longer this request's."""
        result = conn.execute(
            sa.update(self.keys)
            .where(self._where(owner, key), self.keys.c.token == token)
            .values(state=DONE, status=status, headers=headers, body=body)
            .returning(self.keys.c.token)
        )
        return result.first() is not None

    def release(self, conn: Connection, owner: str, key: str, token: str) -> bool:
        """Drop a claim whose request wrote nothing (a retryable answer)."""
        result = conn.execute(
            sa.delete(self.keys)
            .where(
                self._where(owner, key),
                self.keys.c.token == token,
                self.keys.c.state == RUNNING,
            )
            .returning(self.keys.c.token)
        )
        return result.first() is not None

    def purge(self, conn: Connection, before: datetime) -> int:
        """Delete every row created before `before`; returns how many."""
        result = conn.execute(sa.delete(self.keys).where(self.keys.c.date_created < before))
        return int(result.rowcount or 0)
