"""SQL for cookie sessions: one row per signed-in browser, keyed by a hash of its cookie."""

from __future__ import annotations

from datetime import datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import Connection

from amity.store.tables import Tables


class SessionStore:
    """Adds, finds and removes sessions; expired ones are removed as new ones start."""

    def __init__(self, tables: Tables) -> None:
        self.sessions = tables.system("sessions")
        users = tables.models["User"]
        self.lookup_statement = (
            sa.select(users.c.id, users.c.user_name, users.c.is_admin, self.sessions.c.expires_at)
            .select_from(self.sessions.join(users, users.c.id == self.sessions.c.user_id))
            .where(
                self.sessions.c.id == sa.bindparam("session_id"),
                self.sessions.c.expires_at > sa.bindparam("now"),
                users.c.deleted == sa.false(),
                users.c.status == "Active",
            )
        )

    def add(
        self, conn: Connection, session_id: str, user_id: str, at: datetime, expires_at: datetime
    ) -> None:
        conn.execute(sa.delete(self.sessions).where(self.sessions.c.expires_at <= at))
        conn.execute(
            sa.insert(self.sessions).values(
                id=session_id, user_id=user_id, date_created=at, expires_at=expires_at
            )
        )

    def remove(self, conn: Connection, session_id: str) -> bool:
        result = conn.execute(sa.delete(self.sessions).where(self.sessions.c.id == session_id))
        return bool(result.rowcount)

    def remove_user_sessions(self, conn: Connection, user_id: str) -> int:
        result = conn.execute(sa.delete(self.sessions).where(self.sessions.c.user_id == user_id))
        return int(result.rowcount or 0)

    def find(self, conn: Connection, session_id: str, now: datetime) -> dict[str, Any] | None:
        row = (
            conn.execute(self.lookup_statement, {"session_id": session_id, "now": now})
            .mappings()
            .first()
        )
        return dict(row) if row else None
