"""Per-user access keys (as Vtiger's): a random key an administrator creates or rotates
from the command line, shown once and stored only as its SHA-256. A client trades it for a
login token (amity/core/auth/login_tokens.py) instead of sending the user's password."""

from __future__ import annotations

import secrets
import string

import sqlalchemy as sa

from amity.core.auth.tokens import token_hash
from amity.core.clock import utcnow
from amity.store.engine import Database

KEY_LENGTH = 24
_ALPHABET = string.ascii_letters + string.digits


def new_key() -> str:
    """A random alphanumeric key (Vtiger's are letters and digits too)."""
    return "".join(secrets.choice(_ALPHABET) for _ in range(KEY_LENGTH))


class AccessKeys:
    """One key per user: `rotate` makes a new one (the old stops working), `user_id` finds
    the user of a key."""

    def __init__(self, db: Database) -> None:
        self.db = db
        self.table = db.tables.system("access_keys")

    def rotate(self, user_id: str) -> str:
        """A new key for the user, replacing any earlier one (the only time it is seen)."""
        key = new_key()
        t = self.table
        with self.db.write() as conn:
            conn.execute(sa.delete(t).where(t.c.user_id == user_id))
            conn.execute(
                sa.insert(t).values(user_id=user_id, key_hash=token_hash(key), created=utcnow())
            )
        return key

    def user_id(self, key: str) -> str | None:
        """The user whose key this is; None for an unknown one."""
        t = self.table
        with self.db.read() as conn:
            value = conn.execute(sa.select(t.c.user_id).where(t.c.key_hash == token_hash(key)))
            found = value.scalar()
        return None if found is None else str(found)
