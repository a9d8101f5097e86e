"""Managing roles and teams (administrators only): the CLI and /admin/roles, /admin/teams."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

from sqlalchemy.engine import Connection

from amity.core.acl import ANY_MODEL, NO_ACCESS, RIGHTS, ModelRights, rights_from_row
from amity.core.actor import Actor, ensure_admin
from amity.core.clock import utcnow
from amity.core.ids import new_id
from amity.errors import BadRequest, NotFound
from amity.schema.registry import Registry
from amity.store.accounts import AccountStore
from amity.store.acl import AclStore
from amity.store.engine import Database
from amity.store.writes import Writer

MAX_NAME = 60
MAX_DESCRIPTION = 255
NEW_RIGHTS = ModelRights(True, "none", "none", "none")  # base of an entry without a `*`
ROLE_MODEL = "Role"  # pseudo-models of the events of roles and teams
TEAM_MODEL = "Team"


class AccessAdmin:
    """Roles with their per-model rights, users' roles, teams and members."""

    def __init__(self, db: Database, writer: Writer) -> None:
        self.db = db
        self.writer = writer
        self.registry: Registry = db.registry
        self.store = AclStore(db.tables)
        self.accounts = AccountStore(db.tables)

    def _emit(
        self,
        conn: Connection,
        actor: Actor,
        model: str,
        record_id: str,
        kind: str,
        changes: dict[str, Any],
    ) -> None:
        """One event per change of a role, a team or a user's role (the access policy's
        caches drop it once it commits, in every process)."""
        self.writer.emit(
            conn, actor, model=model, record_id=record_id, kind=kind, changes=changes, at=utcnow()
        )

    # -- roles ------------------------------------------------------------------------
    def list_roles(self, actor: Actor) -> list[dict[str, Any]]:
        ensure_admin(actor, "roles and teams")
        with self.db.read() as conn:
            return [self._role_view(conn, row) for row in self.store.list_roles(conn)]

    def get_role(self, actor: Actor, name: str) -> dict[str, Any]:
        ensure_admin(actor, "roles and teams")
        with self.db.read() as conn:
            return self._role_view(conn, self._role(conn, name))

    def add_role(
        self, actor: Actor, name: Any, description: Any = "", rights: Any = None
    ) -> dict[str, Any]:
        """A new role; `rights` maps model names (or `*`) to rights."""
        ensure_admin(actor, "roles and teams")
        name = check_name("role", name)
        description = check_description(description)
        parsed = self.parse_rights(rights or {}, {})
        with self.db.write() as conn:
            if self.store.role_by_name(conn, name) is not None:
                raise BadRequest("Role {name} already exists", name=name)
            role_id = new_id()
            self.store.add_role(
                conn, role_id=role_id, name=name, description=description, at=utcnow()
            )
            for model, value in parsed.items():
                if value is not None:
                    self.store.set_rights(conn, role_id, model, value.as_json())
            view = self._role_view(conn, self._role(conn, name))
            changes = {k: [None, view[k]] for k in ("name", "description", "rights")}
            self._emit(conn, actor, ROLE_MODEL, role_id, "create", changes)
        return view

    def update_role(
        self, actor: Actor, name: str, description: Any = None, rights: Any = None
    ) -> dict[str, Any]:
        """Change the description and/or rights: each model given is changed (the rights
        not given keep their value); a model mapped to null loses its entry."""
        ensure_admin(actor, "roles and teams")
        with self.db.write() as conn:
            role = self._role(conn, name)
            before = self._role_view(conn, role)
            if description is not None:
                self.store.set_description(conn, role["id"], check_description(description))
            if rights is not None:
                current = {
                    row["model"]: rights_from_row(row)
                    for row in self.store.rights_of(conn, role["id"])
                }
                for model, value in self.parse_rights(rights, current).items():
                    if value is None:
                        self.store.remove_rights(conn, role["id"], model)
                    else:
                        self.store.set_rights(conn, role["id"], model, value.as_json())
            view = self._role_view(conn, self._role(conn, name))
            changes = {
                k: [before[k], view[k]] for k in ("description", "rights") if before[k] != view[k]
            }
            self._emit(conn, actor, ROLE_MODEL, role["id"], "update", changes)
        return view

    def remove_role(self, actor: Actor, name: str) -> None:
        """Delete a role; its users fall back to the default role."""
        ensure_admin(actor, "roles and teams")
        with self.db.write() as conn:
            role = self._role(conn, name)
            self.store.remove_role(conn, role["id"])
            self._emit(
                conn, actor, ROLE_MODEL, role["id"], "delete", {"name": [role["name"], None]}
            )

    def assign_role(self, actor: Actor, name: str | None, user_names: Any) -> None:
        """Give users the role (None: take their role away, so the default applies)."""
        ensure_admin(actor, "roles and teams")
        names = check_user_names(user_names)
        with self.db.write() as conn:
            role = self._role(conn, name) if name is not None else None
            for user_id in self._user_ids(conn, names):
                old = self.store.role_of_user(conn, user_id)
                self.store.set_user_role(conn, user_id, role["id"] if role else None)
                changes = {"role": [old["name"] if old else None, role["name"] if role else None]}
                self._emit(conn, actor, "User", user_id, "update", changes)

    def role_and_teams(self, user_id: str) -> tuple[str | None, list[str]]:
        """The user's role name (None: the default) and team names, for /me."""
        with self.db.read() as conn:
            role = self.store.role_of_user(conn, user_id)
            return (role["name"] if role else None), self.store.teams_of_user(conn, user_id)

    def parse_rights(
        self, rights: Any, current: Mapping[str, ModelRights]
    ) -> dict[str, ModelRights | None]:
        """{model: {"access", "read", "edit", "delete"} | null} checked against the models;
        the keys given change the model's current rights; a model without an entry starts
        from the role's `*` rights (or access yes, every right none)."""
        if not isinstance(rights, dict):
            raise BadRequest(
                "rights must be an object of model name -> rights",
                '{"Contact": {"access": true, "read": "all", "edit": "owned"}}',
            )
        out: dict[str, ModelRights | None] = {}
        merged = dict(current)
        for model, value in sorted(rights.items(), key=lambda kv: kv[0] != ANY_MODEL):
            if model != ANY_MODEL:
                self.registry.model(model)  # 404 Model X not found
            if value is None:
                out[model] = None
                continue
            if not isinstance(value, dict):
                raise BadRequest("Rights of {model} must be an object or null", model=model)
            unknown = sorted(set(value) - {"access", "read", "edit", "delete"})
            if unknown:
                raise BadRequest(
                    "Unknown right {value!r} for {model}",
                    "rights are access, read, edit and delete",
                    value=unknown[0],
                    model=model,
                )
            start = merged.get(model) or merged.get(ANY_MODEL) or NEW_RIGHTS
            base = start.as_json()
            for key, given in value.items():
                if key == "access":
                    if not isinstance(given, bool):
                        raise BadRequest("access of {model} must be true or false", model=model)
                elif given not in RIGHTS:
                    raise BadRequest(
                        "{key} of {model} must be one of {rights}",
                        "got {given!r}",
                        key=key,
                        model=model,
                        rights=", ".join(RIGHTS),
                        given=given,
                    )
                base[key] = given
            out[model] = merged[model] = ModelRights(
                bool(base["access"]), str(base["read"]), str(base["edit"]), str(base["delete"])
            )
        return out

    def _role(self, conn: Any, name: Any) -> dict[str, Any]:
        role = self.store.role_by_name(conn, name) if usable(name) else None
        if role is None:
            raise NotFound("No role named {name}", "amity role list shows the roles", name=name)
        return role

    def _role_view(self, conn: Any, role: dict[str, Any]) -> dict[str, Any]:
        rights = {
            row["model"]: rights_from_row(row).as_json()
            for row in self.store.rights_of(conn, role["id"])
        }
        if ANY_MODEL not in rights:
            rights[ANY_MODEL] = NO_ACCESS.as_json()
        return {
            "id": role["id"],
            "name": role["name"],
            "description": role["description"],
            "rights": rights,
            "users": self.store.users_with_role(conn, role["id"]),
            "date_created": role["date_created"].strftime("%Y-%m-%d %H:%M:%S"),
        }

    def _user_ids(self, conn: Any, names: Iterable[str]) -> list[str]:
        ids = []
        for name in names:
            user = self.accounts.user_by_name(conn, name)
            if user is None:
                raise NotFound("No user named {name}", name=name)
            ids.append(user["id"])
        return ids

    # -- teams ------------------------------------------------------------------------
    def list_teams(self, actor: Actor) -> list[dict[str, Any]]:
        ensure_admin(actor, "roles and teams")
        with self.db.read() as conn:
            return [self._team_view(conn, row) for row in self.store.list_teams(conn)]

    def get_team(self, actor: Actor, name: str) -> dict[str, Any]:
        ensure_admin(actor, "roles and teams")
        with self.db.read() as conn:
            return self._team_view(conn, self._team(conn, name))

    def add_team(
        self, actor: Actor, name: Any, description: Any = "", members: Any = None
    ) -> dict[str, Any]:
        ensure_admin(actor, "roles and teams")
        name = check_name("team", name)
        description = check_description(description)
        names = check_user_names(members or [])
        with self.db.write() as conn:
            if self.store.team_by_name(conn, name) is not None:
                raise BadRequest("Team {name} already exists", name=name)
            team_id = new_id()
            self.store.add_team(
                conn, team_id=team_id, name=name, description=description, at=utcnow()
            )
            for user_id in self._user_ids(conn, names):
                self.store.add_member(conn, team_id, user_id)
            view = self._team_view(conn, self._team(conn, name))
            changes = {k: [None, view[k]] for k in ("name", "description", "members")}
            self._emit(conn, actor, TEAM_MODEL, team_id, "create", changes)
        return view

    def remove_team(self, actor: Actor, name: str) -> None:
        ensure_admin(actor, "roles and teams")
        with self.db.write() as conn:
            team = self._team(conn, name)
            self.store.remove_team(conn, team["id"])
            self._emit(
                conn, actor, TEAM_MODEL, team["id"], "delete", {"name": [team["name"], None]}
            )

    def add_members(self, actor: Actor, name: str, user_names: Any) -> dict[str, Any]:
        ensure_admin(actor, "roles and teams")
        names = check_user_names(user_names)
        with self.db.write() as conn:
            team = self._team(conn, name)
            before = self.store.member_names(conn, team["id"])
            for user_id in self._user_ids(conn, names):
                self.store.add_member(conn, team["id"], user_id)
            view = self._team_view(conn, team)
            changes = {"members": [before, view["members"]]}
            self._emit(conn, actor, TEAM_MODEL, team["id"], "update", changes)
        return view

    def remove_member(self, actor: Actor, name: str, user_name: str) -> None:
        ensure_admin(actor, "roles and teams")
        with self.db.write() as conn:
            team = self._team(conn, name)
            (user_id,) = self._user_ids(conn, [user_name])
            before = self.store.member_names(conn, team["id"])
            if not self.store.remove_member(conn, team["id"], user_id):
                raise NotFound(
                    "User {user_name} is not a member of team {name}",
                    user_name=user_name,
                    name=name,
                )
            changes = {"members": [before, self.store.member_names(conn, team["id"])]}
            self._emit(conn, actor, TEAM_MODEL, team["id"], "update", changes)

    def _team(self, conn: Any, name: Any) -> dict[str, Any]:
        team = self.store.team_by_name(conn, name) if usable(name) else None
        if team is None:
            raise NotFound("No team named {name}", "amity team list shows the teams", name=name)
        return team

    def _team_view(self, conn: Any, team: dict[str, Any]) -> dict[str, Any]:
        return {
            "id": team["id"],
            "name": team["name"],
            "description": team["description"],
            "members": self.store.member_names(conn, team["id"]),
            "date_created": team["date_created"].strftime("%Y-%m-%d %H:%M:%S"),
        }


def check_name(kind: str, name: Any) -> str:
    if not isinstance(name, str) or not name.strip() or len(name.strip()) > MAX_NAME:
        raise BadRequest(
            "A {kind} needs a name of 1 to {max_name} characters", kind=kind, max_name=MAX_NAME
        )
    if "\x00" in name:
        raise BadRequest("A {kind} name must not contain NUL characters", kind=kind)
    return name.strip()


def check_description(description: Any) -> str:
    if description is None:
        return ""
    if (
        not isinstance(description, str)
        or len(description) > MAX_DESCRIPTION
        or "\x00" in description
    ):
        raise BadRequest(
            "description must be text of at most {max_description} characters",
            max_description=MAX_DESCRIPTION,
        )
    return description


def check_user_names(names: Any) -> list[str]:
    if not isinstance(names, list) or not all(usable(n) and n for n in names):
        raise BadRequest("users must be a list of user names")
    return list(dict.fromkeys(names))


def usable(name: Any) -> bool:
    """A name that can be looked up (PostgreSQL refuses NUL characters)."""
    return isinstance(name, str) and "\x00" not in name
