"""SQL for roles, their per-model rights, users' roles, teams and team members."""

from __future__ import annotations

from datetime import datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import Connection

from amity.store.tables import Tables

RIGHT_COLUMNS = ("access", "read", "edit", "delete")


class AclStore:
    """Rows of acl_roles, acl_role_rights, acl_user_roles, acl_teams, acl_team_members."""

    def __init__(self, tables: Tables) -> None:
        self.users = tables.models["User"]
        self.roles = tables.system("acl_roles")
        self.rights = tables.system("acl_role_rights")
        self.user_roles = tables.system("acl_user_roles")
        self.teams = tables.system("acl_teams")
        self.members = tables.system("acl_team_members")

    # -- roles ------------------------------------------------------------------------
    def list_roles(self, conn: Connection) -> list[dict[str, Any]]:
        stmt = sa.select(self.roles).order_by(self.roles.c.name)
        return [dict(r) for r in conn.execute(stmt).mappings()]

    def role_by_name(self, conn: Connection, name: str) -> dict[str, Any] | None:
        row = (
            conn.execute(sa.select(self.roles).where(self.roles.c.name == name)).mappings().first()
        )
        return dict(row) if row else None

    def role_by_id(self, conn: Connection, role_id: str) -> dict[str, Any] | None:
        row = (
            conn.execute(sa.select(self.roles).where(self.roles.c.id == role_id)).mappings().first()
        )
        return dict(row) if row else None

    def add_role(
        self, conn: Connection, *, role_id: str, name: str, description: str, at: datetime
    ) -> None:
        conn.execute(
            sa.insert(self.roles).values(
                id=role_id, name=name, description=description, date_created=at
            )
        )

    def set_description(self, conn: Connection, role_id: str, description: str) -> None:
        conn.execute(
            sa.update(self.roles).where(self.roles.c.id == role_id).values(description=description)
        )

    def remove_role(self, conn: Connection, role_id: str) -> None:
        conn.execute(sa.delete(self.rights).where(self.rights.c.role_id == role_id))
        conn.execute(sa.delete(self.user_roles).where(self.user_roles.c.role_id == role_id))
        conn.execute(sa.delete(self.roles).where(self.roles.c.id == role_id))

    def rights_of(self, conn: Connection, role_id: str) -> list[dict[str, Any]]:
        r = self.rights.c
        stmt = (
            sa.select(r.model, r.access, r.read, r.edit, r.delete)
            .where(r.role_id == role_id)
            .order_by(r.model)
        )
        return [dict(row) for row in conn.execute(stmt).mappings()]

    def set_rights(
        self, conn: Connection, role_id: str, model: str, rights: dict[str, Any]
    ) -> None:
        self.remove_rights(conn, role_id, model)
        conn.execute(
            sa.insert(self.rights).values(
                role_id=role_id, model=model, **{k: rights[k] for k in RIGHT_COLUMNS}
            )
        )

    def remove_rights(self, conn: Connection, role_id: str, model: str) -> None:
        conn.execute(
            sa.delete(self.rights).where(
                self.rights.c.role_id == role_id, self.rights.c.model == model
            )
        )

    # -- users' roles -----------------------------------------------------------------
    def role_of_user(self, conn: Connection, user_id: str) -> dict[str, Any] | None:
        stmt = (
            sa.select(self.roles)
            .select_from(
                self.user_roles.join(self.roles, self.roles.c.id == self.user_roles.c.role_id)
            )
            .where(self.user_roles.c.user_id == user_id)
        )
        row = conn.execute(stmt).mappings().first()
        return dict(row) if row else None

    def set_user_role(self, conn: Connection, user_id: str, role_id: str | None) -> None:
        conn.execute(sa.delete(self.user_roles).where(self.user_roles.c.user_id == user_id))
        if role_id is not None:
            conn.execute(sa.insert(self.user_roles).values(user_id=user_id, role_id=role_id))

    def users_with_role(self, conn: Connection, role_id: str) -> list[str]:
        """User names holding the role, sorted."""
        u = self.users.c
        stmt = (
            sa.select(u.user_name)
            .select_from(self.user_roles.join(self.users, u.id == self.user_roles.c.user_id))
            .where(self.user_roles.c.role_id == role_id, u.deleted == sa.false())
            .order_by(u.user_name)
        )
        return [row.user_name for row in conn.execute(stmt)]

    # -- teams ------------------------------------------------------------------------
    def list_teams(self, conn: Connection) -> list[dict[str, Any]]:
        stmt = sa.select(self.teams).order_by(self.teams.c.name)
        return [dict(r) for r in conn.execute(stmt).mappings()]

    def team_by_name(self, conn: Connection, name: str) -> dict[str, Any] | None:
        row = (
            conn.execute(sa.select(self.teams).where(self.teams.c.name == name)).mappings().first()
        )
        return dict(row) if row else None

    def add_team(
        self, conn: Connection, *, team_id: str, name: str, description: str, at: datetime
    ) -> None:
        conn.execute(
            sa.insert(self.teams).values(
                id=team_id, name=name, description=description, date_created=at
            )
        )

    def remove_team(self, conn: Connection, team_id: str) -> None:
        conn.execute(sa.delete(self.members).where(self.members.c.team_id == team_id))
        conn.execute(sa.delete(self.teams).where(self.teams.c.id == team_id))

    def add_member(self, conn: Connection, team_id: str, user_id: str) -> None:
        m = self.members.c
        exists = conn.execute(
            sa.select(m.user_id).where(m.team_id == team_id, m.user_id == user_id)
        ).first()
        if exists is None:
            conn.execute(sa.insert(self.members).values(team_id=team_id, user_id=user_id))

    def remove_member(self, conn: Connection, team_id: str, user_id: str) -> bool:
        m = self.members.c
        result = conn.execute(
            sa.delete(self.members).where(m.team_id == team_id, m.user_id == user_id)
        )
        return bool(result.rowcount)

    def member_names(self, conn: Connection, team_id: str) -> list[str]:
        u = self.users.c
        stmt = (
            sa.select(u.user_name)
            .select_from(self.members.join(self.users, u.id == self.members.c.user_id))
            .where(self.members.c.team_id == team_id, u.deleted == sa.false())
            .order_by(u.user_name)
        )
        return [row.user_name for row in conn.execute(stmt)]

    def teams_of_user(self, conn: Connection, user_id: str) -> list[str]:
        """Names of the teams the user belongs to, sorted."""
        stmt = (
            sa.select(self.teams.c.name)
            .select_from(self.members.join(self.teams, self.teams.c.id == self.members.c.team_id))
            .where(self.members.c.user_id == user_id)
            .order_by(self.teams.c.name)
        )
        return [row.name for row in conn.execute(stmt)]

    def teammates(self, conn: Connection, user_id: str) -> set[str]:
        """Ids of every user who shares a team with the user (the user included)."""
        m = self.members.c
        mine = sa.select(m.team_id).where(m.user_id == user_id)
        stmt = sa.select(m.user_id).where(m.team_id.in_(mine)).distinct()
        return {row.user_id for row in conn.execute(stmt)} | {user_id}
