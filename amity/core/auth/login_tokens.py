"""Login tokens of the dialects that put a token in the URL (Vtiger's RestfulApi): a
random 32-hex secret given once at login, stored only as its SHA-256, valid for a
limited time."""

from __future__ import annotations

import secrets
from datetime import timedelta

import sqlalchemy as sa

from amity.core.auth.tokens import token_hash
from amity.core.clock import utcnow
from amity.store.engine import Database


class LoginTokens:
    """Issue a token for a user, and find the user of a live token."""

    def __init__(self, db: Database, dialect: str, lifetime_seconds: int) -> None:
        self.db = db
        self.dialect = dialect
        self.lifetime = timedelta(seconds=lifetime_seconds)
        self.table = db.tables.system("login_tokens")

    def issue(self, user_id: str) -> str:
        """A new token for the user (the only time it is seen in clear)."""
        token = secrets.token_hex(16)
        now = utcnow()
        t = self.table
        with self.db.write() as conn:
            conn.execute(sa.delete(t).where(t.c.expires <= now))
            conn.execute(
                sa.insert(t).values(
                    token_hash=token_hash(token),
                    dialect=self.dialect,
                    user_id=user_id,
                    expires=now + self.lifetime,
                )
            )
        return token

    def user_id(self, token: str) -> str | None:
        """The user of a live token of this dialect; None for an unknown or expired one."""
        t = self.table
        stmt = sa.select(t.c.user_id).where(
            t.c.token_hash == token_hash(token),
            t.c.dialect == self.dialect,
            t.c.expires > utcnow(),
        )
        with self.db.read() as conn:
            value = conn.execute(stmt).scalar()
        return None if value is None else str(value)
