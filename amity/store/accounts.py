"""Credentials and per-user data: password hashes, access tokens, favorites."""

from __future__ import annotations

from datetime import datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import Connection

from amity.store.tables import VERSION, Tables


class AccountStore:
    """SQL for users' secrets, tokens and favorites."""

    def __init__(self, tables: Tables) -> None:
        self.tables = tables
        self.users = tables.models["User"]
        self.secrets = tables.system("user_secrets")
        self.tokens = tables.system("api_tokens")
        self.favorites = tables.system("favorites")
        self.token_statement = (
            sa.select(
                self.users.c.id,
                self.users.c.user_name,
                self.users.c.is_admin,
                self.tokens.c.id.label("token_id"),
            )
            .select_from(self.tokens.join(self.users, self.users.c.id == self.tokens.c.user_id))
            .where(
                self.tokens.c.token_hash == sa.bindparam("token_hash"),
                self.tokens.c.revoked == sa.false(),
                self.users.c.deleted == sa.false(),
                self.users.c.status == "Active",
            )
        )

    def user_by_name(self, conn: Connection, user_name: str) -> dict[str, Any] | None:
        row = (
            conn.execute(
                sa.select(self.users).where(
                    self.users.c.user_name == user_name, self.users.c.deleted == sa.false()
                )
            )
            .mappings()
            .first()
        )
        return dict(row) if row else None

    def user_by_id(self, conn: Connection, user_id: str) -> dict[str, Any] | None:
        row = (
            conn.execute(
                sa.select(self.users).where(
                    self.users.c.id == user_id, self.users.c.deleted == sa.false()
                )
            )
            .mappings()
            .first()
        )
        return dict(row) if row else None

    def list_users(self, conn: Connection) -> list[dict[str, Any]]:
        stmt = (
            sa.select(self.users)
            .where(self.users.c.deleted == sa.false())
            .order_by(self.users.c.user_name)
        )
        return [dict(r) for r in conn.execute(stmt).mappings()]

    def password_hash(self, conn: Connection, user_id: str) -> str | None:
        return conn.execute(
            sa.select(self.secrets.c.password_hash).where(self.secrets.c.user_id == user_id)
        ).scalar()

    def set_password_hash(self, conn: Connection, user_id: str, password_hash: str) -> None:
        conn.execute(sa.delete(self.secrets).where(self.secrets.c.user_id == user_id))
        conn.execute(sa.insert(self.secrets).values(user_id=user_id, password_hash=password_hash))

    def active_admin_ids(self, conn: Connection) -> set[str]:
        """Ids of the live, active administrators, their rows locked until the transaction
        ends (on PostgreSQL; SQLite's writers queue anyway), so that two changes at once
        cannot each leave the other's admin as the last one."""
        users = self.users
        stmt = (
            sa.select(users.c.id)
            .where(
                users.c.is_admin == sa.true(),
                users.c.status == "Active",
                users.c.deleted == sa.false(),
            )
            .with_for_update()
        )
        return set(conn.execute(stmt).scalars())

    def set_admin(self, conn: Connection, user_id: str, is_admin: bool) -> None:
        conn.execute(
            sa.update(self.users)
            .where(self.users.c.id == user_id)
            .values({"is_admin": is_admin, VERSION: self.users.c[VERSION] + 1})
        )

    # -- tokens -----------------------------------------------------------------------
    def add_token(
        self,
        conn: Connection,
        *,
        token_id: str,
        user_id: str,
        name: str,
        token_hash: str,
        at: datetime,
    ) -> None:
        conn.execute(
            sa.insert(self.tokens).values(
                id=token_id,
                user_id=user_id,
                name=name,
                token_hash=token_hash,
                date_created=at,
                revoked=False,
            )
        )

    def tokens_of(self, conn: Connection, user_id: str) -> list[dict[str, Any]]:
        stmt = (
            sa.select(
                self.tokens.c.id,
                self.tokens.c.name,
                self.tokens.c.date_created,
                self.tokens.c.revoked,
            )
            .where(self.tokens.c.user_id == user_id)
            .order_by(self.tokens.c.date_created)
        )
        return [dict(r) for r in conn.execute(stmt).mappings()]

    def revoke_token(self, conn: Connection, token_id: str) -> bool:
        result = conn.execute(
            sa.update(self.tokens).where(self.tokens.c.id == token_id).values(revoked=True)
        )
        return bool(result.rowcount)

    # -- favorites --------------------------------------------------------------------
    def is_favorite(self, conn: Connection, user_id: str, model: str, record_id: str) -> bool:
        fav = self.favorites
        return (
            conn.execute(
                sa.select(fav.c.record_id).where(
                    fav.c.user_id == user_id, fav.c.model == model, fav.c.record_id == record_id
                )
            ).first()
            is not None
        )

    def add_favorite(
        self, conn: Connection, user_id: str, model: str, record_id: str, at: datetime
    ) -> None:
        conn.execute(
            sa.insert(self.favorites).values(
                user_id=user_id, model=model, record_id=record_id, date_entered=at
            )
        )

    def remove_favorite(self, conn: Connection, user_id: str, model: str, record_id: str) -> None:
        fav = self.favorites
        conn.execute(
            sa.delete(fav).where(
                fav.c.user_id == user_id, fav.c.model == model, fav.c.record_id == record_id
            )
        )

    def favorites_of(
        self, conn: Connection, user_id: str, model: str | None = None, limit: int | None = None
    ) -> list[tuple[str, str]]:
        """(model, record id) of the user's favorites (of one model), the newest first."""
        fav = self.favorites
        stmt = sa.select(fav.c.model, fav.c.record_id).where(fav.c.user_id == user_id)
        if model is not None:
            stmt = stmt.where(fav.c.model == model)
        stmt = stmt.order_by(fav.c.date_entered.desc(), fav.c.record_id).limit(limit)
        return [(row.model, row.record_id) for row in conn.execute(stmt)]

    def favorite_ids(self, conn: Connection, user_id: str, model: str, ids: list[str]) -> set[str]:
        if not ids:
            return set()
        fav = self.favorites
        stmt = sa.select(fav.c.record_id).where(
            fav.c.user_id == user_id, fav.c.model == model, fav.c.record_id.in_(ids)
        )
        return {row.record_id for row in conn.execute(stmt)}
