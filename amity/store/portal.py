"""SQL for portal contacts' access tokens (stored as SHA-256 hashes)."""

from __future__ import annotations

from datetime import datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import Connection

from amity.store.tables import Tables


class PortalStore:
    """Rows of portal_tokens, and the contact behind a token."""

    def __init__(self, tables: Tables) -> None:
        self.tokens = tables.system("portal_tokens")
        self.contacts = tables.models["Contact"]
        t, c = self.tokens.c, self.contacts.c
        self._owner = (
            sa.select(
                t.id.label("token_id"),
                t.expires,
                c.id.label("contact_id"),
                c.assigned_user_id,
                c.first_name,
                c.last_name,
            )
            .select_from(self.tokens.join(self.contacts, c.id == t.contact_id))
            .where(t.revoked == sa.false(), c.deleted == sa.false())
        )

    def owner(self, conn: Connection, token_hash: str) -> dict[str, Any] | None:
        """The live token with this hash, and its contact (expired or not)."""
        row = (
            conn.execute(self._owner.where(self.tokens.c.token_hash == token_hash))
            .mappings()
            .first()
        )
        return dict(row) if row else None

    def add(
        self,
        conn: Connection,
        *,
        token_id: str,
        contact_id: str,
        token_hash: str,
        created_by: str,
        at: datetime,
        expires: datetime,
    ) -> None:
        conn.execute(
            sa.insert(self.tokens).values(
                id=token_id,
                contact_id=contact_id,
                token_hash=token_hash,
                created_by=created_by,
                date_created=at,
                expires=expires,
                revoked=False,
            )
        )

    def revoke(self, conn: Connection, token_id: str) -> bool:
        result = conn.execute(
            sa.update(self.tokens)
            .where(self.tokens.c.id == token_id, self.tokens.c.revoked == sa.false())
            .values(revoked=True)
        )
        return bool(result.rowcount)

    def revoke_contact(self, conn: Connection, contact_id: str) -> list[str]:
        """Revoke the contact's live tokens; returns their ids."""
        t = self.tokens
        live = (t.c.contact_id == contact_id) & (t.c.revoked == sa.false())
        ids = sorted(conn.execute(sa.select(t.c.id).where(live)).scalars())
        if ids:
            conn.execute(sa.update(t).where(live, t.c.id.in_(ids)).values(revoked=True))
        return ids

    def prune(self, conn: Connection, before: datetime) -> None:
        """Forget tokens that expired before `before`."""
        conn.execute(sa.delete(self.tokens).where(self.tokens.c.expires < before))
