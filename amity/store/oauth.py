"""SQL for the OAuth server: grants, authorization codes, refresh tokens, contact passwords.

Codes and refresh tokens are looked up by their SHA-256 hash only. Spending one is a
conditional UPDATE (used = false -> true), so of two concurrent uses exactly one wins.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import Connection

from amity.store.tables import Tables


class OAuthStore:
    """Rows of oauth_grants, oauth_codes, oauth_refresh_tokens and contact_secrets."""

    def __init__(self, tables: Tables) -> None:
        self.tables = tables
        self.grants = tables.system("oauth_grants")
        self.codes = tables.system("oauth_codes")
        self.refresh = tables.system("oauth_refresh_tokens")
        self.clients = tables.system("api_clients")
        self.contact_secrets = tables.system("contact_secrets")
        self.users = tables.models["User"]
        self.contacts = tables.models["Contact"]
        g, c = self.grants.c, self.clients.c
        self.live_grant_statement = (
            sa.select(g.id, g.owner_type, g.owner_id, g.client_id)
            .select_from(self.grants.join(self.clients, c.client_id == g.client_id))
            .where(
                g.id == sa.bindparam("grant_id"), g.revoked == sa.false(), c.revoked == sa.false()
            )
        )

    # -- grants -----------------------------------------------------------------------
    def add_grant(self, conn: Connection, row: dict[str, Any]) -> None:
        conn.execute(sa.insert(self.grants).values(**row, revoked=False))

    def grant(self, conn: Connection, grant_id: str) -> dict[str, Any] | None:
        row = (
            conn.execute(sa.select(self.grants).where(self.grants.c.id == grant_id))
            .mappings()
            .first()
        )
        return dict(row) if row else None

    def revoke_grant(self, conn: Connection, grant_id: str) -> bool:
        g = self.grants.c
        result = conn.execute(
            sa.update(self.grants)
            .where(g.id == grant_id, g.revoked == sa.false())
            .values(revoked=True)
        )
        return bool(result.rowcount)

    # -- codes ------------------------------------------------------------------------
    def add_code(self, conn: Connection, row: dict[str, Any]) -> None:
        conn.execute(sa.insert(self.codes).values(**row, used=False))

    def code(self, conn: Connection, code_hash: str) -> dict[str, Any] | None:
        row = (
            conn.execute(sa.select(self.codes).where(self.codes.c.code_hash == code_hash))
            .mappings()
            .first()
        )
        return dict(row) if row else None

    def spend_code(self, conn: Connection, code_hash: str) -> bool:
        """Mark a code used; False when it already was (a replay)."""
        c = self.codes.c
        result = conn.execute(
            sa.update(self.codes)
            .where(c.code_hash == code_hash, c.used == sa.false())
            .values(used=True)
        )
        return bool(result.rowcount)

    def delete_expired_codes(self, conn: Connection, before: datetime) -> None:
        conn.execute(sa.delete(self.codes).where(self.codes.c.expires_at < before))

    # -- refresh tokens ---------------------------------------------------------------
    def add_refresh(self, conn: Connection, row: dict[str, Any]) -> None:
        conn.execute(sa.insert(self.refresh).values(**row, used=False))

    def refresh_token(self, conn: Connection, token_hash: str) -> dict[str, Any] | None:
        row = (
            conn.execute(sa.select(self.refresh).where(self.refresh.c.token_hash == token_hash))
            .mappings()
            .first()
        )
        return dict(row) if row else None

    def spend_refresh(self, conn: Connection, token_hash: str) -> bool:
        r = self.refresh.c
        result = conn.execute(
            sa.update(self.refresh)
            .where(r.token_hash == token_hash, r.used == sa.false())
            .values(used=True)
        )
        return bool(result.rowcount)

    # -- resource owners --------------------------------------------------------------
    def active_user(self, conn: Connection, user_id: str) -> dict[str, Any] | None:
        u = self.users.c
        row = (
            conn.execute(
                sa.select(u.id, u.user_name, u.is_admin).where(
                    u.id == user_id, u.deleted == sa.false(), u.status == "Active"
                )
            )
            .mappings()
            .first()
        )
        return dict(row) if row else None

    def contact(self, conn: Connection, contact_id: str) -> dict[str, Any] | None:
        c = self.contacts.c
        row = (
            conn.execute(
                sa.select(c.id, c.email1, c.assigned_user_id).where(
                    c.id == contact_id, c.deleted == sa.false()
                )
            )
            .mappings()
            .first()
        )
        return dict(row) if row else None

    def contacts_with_password(self, conn: Connection, email: str) -> list[dict[str, Any]]:
        """Live contacts with this e-mail address (case-insensitive) and a portal password."""
        c, s = self.contacts.c, self.contact_secrets.c
        stmt = (
            sa.select(c.id, s.password_hash)
            .select_from(self.contacts.join(self.contact_secrets, s.contact_id == c.id))
            .where(c.deleted == sa.false(), self.tables.fold(c.email1) == email.lower())
        )
        return [dict(r) for r in conn.execute(stmt).mappings()]

    def set_contact_password(self, conn: Connection, contact_id: str, password_hash: str) -> None:
        s = self.contact_secrets
        conn.execute(sa.delete(s).where(s.c.contact_id == contact_id))
        conn.execute(sa.insert(s).values(contact_id=contact_id, password_hash=password_hash))
