"""SQL for calendar feed tokens (stored as SHA-256 hashes) and the user behind one."""

from __future__ import annotations

from datetime import datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import Connection

from amity.store.tables import Tables


class CalendarTokenStore:
    """Rows of calendar_tokens: one per user at most."""

    def __init__(self, tables: Tables) -> None:
        self.tokens = tables.system("calendar_tokens")
        self.users = tables.models["User"]
        t, u = self.tokens.c, self.users.c
        self._owner = (
            sa.select(t.id.label("token_id"), u.id, u.user_name, u.is_admin)
            .select_from(self.tokens.join(self.users, u.id == t.user_id))
            .where(u.deleted == sa.false(), u.status == "Active")
        )

    def owner(self, conn: Connection, token_hash: str) -> dict[str, Any] | None:
        """The active user whose token has this hash."""
        row = conn.execute(self._owner.where(self.tokens.c.token_hash == token_hash))
        found = row.mappings().first()
        return dict(found) if found else None

    def replace(
        self, conn: Connection, *, token_id: str, user_id: str, token_hash: str, at: datetime
    ) -> bool:
        """Store the user's token in place of any earlier one; True when one was replaced."""
        replaced = self.remove(conn, user_id)
        conn.execute(
            sa.insert(self.tokens).values(
                id=token_id, user_id=user_id, token_hash=token_hash, date_created=at
            )
        )
        return replaced

    def remove(self, conn: Connection, user_id: str) -> bool:
        """Delete the user's token; True when there was one."""
        done = conn.execute(sa.delete(self.tokens).where(self.tokens.c.user_id == user_id))
        return bool(done.rowcount)
