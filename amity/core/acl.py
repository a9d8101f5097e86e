"""Roles, teams and the portal: the access policy every records-service call asks.

Rules (docs/api.md "Access control"):
- Administrators (is_admin) may do everything.
- Any other user has one role, or none. A role gives per-model rights: `access` (yes/no),
  and `read`, `edit`, `delete`, each `all`, `owned` or `none`; the model `*` holds the
  rights on models the role does not name (no `*`: no access to them). A user without a
  role gets AMITY_DEFAULT_ROLE, or, when that is empty, every right on every model.
- "Owned": assigned (assigned_user_id) to the user or to a member of a team the user
  belongs to; teammates' assignments count as the team's.
- No access, or read `none`: 403 on every route of the model. A record outside the read
  rights answers 404 exactly like a missing one. Edit or delete refused on a readable
  record: 403. Creating needs `edit` all or owned (with owned, the record must be
  assigned within the team, and so must an edited record's new assignee); linking needs
  `edit` on the record.
- Users (amity/core/useradmin.py): only administrators create, change or delete them,
  whatever the role says; a user may read its own user record (with any `read` right on
  User) and change its profile fields.
- An actor with contact_id (portal token, OAuth contact token) reaches only models with
  portal metadata: its own Contact record and the records linked to it that are
  portal-visible; it may create records where the metadata allows (cases), nothing else.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

from amity.config import Settings
from amity.core.access import Action
from amity.core.actor import Actor
from amity.core.ttlcache import TtlCache
from amity.core.useradmin import USER_MODEL, check_user_change
from amity.errors import Forbidden
from amity.schema.builtin.tally import PART_OF
from amity.schema.model import Model
from amity.schema.registry import Registry
from amity.store.acl import AclStore
from amity.store.conditions import AnyOf, Condition, Equals, Related
from amity.store.engine import Database

RIGHTS = ("all", "owned", "none")
ANY_MODEL = "*"


@dataclass(frozen=True)
class ModelRights:
    """What a role allows on one model."""

    access: bool = True
    read: str = "all"
    edit: str = "all"
    delete: str = "all"

    def as_json(self) -> dict[str, object]:
        return {"access": self.access, "read": self.read, "edit": self.edit, "delete": self.delete}


FULL = ModelRights()
NO_ACCESS = ModelRights(False, "none", "none", "none")


@dataclass(frozen=True)
class UserAccess:
    """A user's role, rights by model, teams, and whose records count as the user's own."""

    role: str | None
    rights: dict[str, ModelRights]
    teams: tuple[str, ...]
    owners: tuple[str, ...]

    def on(self, model: str) -> ModelRights:
        """The rights on `model`; a tally part (InvoiceLine) has its document's unless
        the role names the part itself."""
        return (
            self.rights.get(model)
            or self.rights.get(PART_OF.get(model, ""))
            or self.rights.get(ANY_MODEL)
            or NO_ACCESS
        )


class RolePolicy:
    """The AccessPolicy of roles, teams and portal contacts; rights are remembered per
    user for AMITY_AUTH_CACHE_SECONDS, and forgotten at once when roles, teams or users
    change (here, or in another process through the invalidation bus)."""

    def __init__(self, db: Database, settings: Settings) -> None:
        self.db = db
        self.store = AclStore(db.tables)
        self.settings = settings
        self._cache: TtlCache[str, UserAccess] = TtlCache(settings.auth_cache_seconds)
        db.listeners.append(self._changed)

    def _changed(self, model: str, record_id: str) -> None:
        """A role, team or user changed, in this process or another: forget rights."""
        if model in ("Role", "Team", "User", "*"):
            self._cache.clear()

    # -- rights -----------------------------------------------------------------------
    def access(self, user_id: str) -> UserAccess:
        """The user's rights (cached)."""
        found = self._cache.get(user_id, lambda: self.load(user_id))
        assert found is not None  # load always answers
        return found

    def load(self, user_id: str) -> UserAccess:
        with self.db.read() as conn:
            role = self.store.role_of_user(conn, user_id)
            if role is None and self.settings.default_role:
                role = self.store.role_by_name(conn, self.settings.default_role)
                if role is None:  # a misnamed default role grants nothing
                    return UserAccess(self.settings.default_role, {}, (), (user_id,))
            rights = (
                {
                    row["model"]: rights_from_row(row)
                    for row in self.store.rights_of(conn, role["id"])
                }
                if role is not None
                else {ANY_MODEL: FULL}
            )
            teams = tuple(self.store.teams_of_user(conn, user_id))
            owners = tuple(sorted(self.store.teammates(conn, user_id))) if teams else (user_id,)
        return UserAccess(role["name"] if role else None, rights, teams, owners)

    def forget(self, *_: object) -> None:
        """Roles, teams or users changed: drop every remembered right."""
        self._cache.clear()

    # -- AccessPolicy -----------------------------------------------------------------
    def read_conditions(self, actor: Actor, model: Model) -> list[Condition]:
        if actor.contact_id is not None:
            return portal_conditions(actor.contact_id, model)
        if actor.is_admin:
            return []
        access = self.access(actor.user_id)
        rights = access.on(model.name)
        if not rights.access or rights.read == "none":
            raise denied(model, "read")
        if rights.read == "owned":
            owned = Equals("assigned_user_id", access.owners)
            if model.name == USER_MODEL:  # and one's own user record
                return [AnyOf((owned, Equals("id", (actor.user_id,))))]
            return [owned]
        return []

    def check(
        self,
        actor: Actor,
        model: Model,
        action: Action,
        record: dict[str, object] | None = None,
        changes: Mapping[str, object] | None = None,
    ) -> None:
        if actor.contact_id is not None:
            check_portal(self.db.registry, actor.contact_id, model, action, record)
            return
        if actor.is_admin:
            return
        access = self.access(actor.user_id)
        rights = access.on(model.name)
        verb = VERBS[action]
        if not rights.access:
            raise denied(model, verb)
        if model.name == USER_MODEL and verb != "read":
            check_user_change(actor, action, record, changes)
            return
        right = {"read": rights.read, "edit": rights.edit, "delete": rights.delete}[verb]
        if action == "create" and rights.read == "none":
            right = "none"
        if right == "none":
            raise denied(model, verb)
        if (
            right == "owned"
            and record is not None
            and record.get("assigned_user_id") not in access.owners
        ):
            raise denied(model, verb, owned=True)
        if (
            right == "owned"
            and changes is not None
            and "assigned_user_id" in changes
            and changes["assigned_user_id"] not in access.owners
        ):
            raise denied(model, verb, owned=True)  # giving the record away

    def create_defaults(self, actor: Actor, model: Model) -> dict[str, object]:
        if actor.contact_id is None or model.portal is None or not model.portal.link:
            return {}
        return portal_link_values(self.db.registry, model, actor.contact_id)


VERBS: dict[str, str] = {
    "list": "read",
    "view": "read",
    "favorite": "read",
    "create": "edit",
    "edit": "edit",
    "relate": "edit",
    "delete": "delete",
}


def rights_from_row(row: dict[str, object]) -> ModelRights:
    return ModelRights(bool(row["access"]), str(row["read"]), str(row["edit"]), str(row["delete"]))


def denied(model: Model, verb: str, *, owned: bool = False) -> Forbidden:
    if owned:
        return Forbidden(
            "You may not {verb} {model} records assigned outside your team",
            "an administrator can change your role (amity role ...)",
            verb=verb,
            model=model.name,
        )
    return Forbidden(
        "You may not {verb} {model} records",
        "an administrator can change your role (amity role ...)",
        verb=verb,
        model=model.name,
    )


# -- portal contacts -------------------------------------------------------------------
def portal_conditions(contact_id: str, model: Model) -> list[Condition]:
    """The records of `model` a portal contact may read; 403 for other models."""
    portal = model.portal
    if portal is None:
        raise Forbidden("Portal contacts may not use {model} records", model=model.name)
    if not portal.link:
        return [Equals("id", (contact_id,))]
    conds: list[Condition] = [Related("Contact", portal.link, contact_id)]
    if portal.flag:
        if model.fields[portal.flag].default:  # shown unless switched off
            conds.append(Equals(portal.flag, (False,), negate=True))
        else:  # shown only when switched on
            conds.append(Equals(portal.flag, (True,)))
    return conds


def check_portal(
    registry: Registry,
    contact_id: str,
    model: Model,
    action: Action,
    record: dict[str, object] | None,
) -> None:
    portal = model.portal
    if portal is None:
        raise Forbidden("Portal contacts may not use {model} records", model=model.name)
    if action in ("list", "view"):
        return
    if action == "create" and portal.create and portal.link:
        wanted = portal_link_values(registry, model, contact_id)
        if record is not None and any(record.get(k) != v for k, v in wanted.items()):
            raise Forbidden("A portal contact's new {model} must be linked to it", model=model.name)
        return
    raise Forbidden(
        "Portal contacts may not {verb} {model} records", verb=VERBS[action], model=model.name
    )


def portal_link_values(registry: Registry, model: Model, contact_id: str) -> dict[str, object]:
    """Field values that link a new record of `model` to the contact (the registry checks
    that a portal model open to creation is reached by a has_many or parent link)."""
    assert model.portal is not None
    via = registry.models["Contact"].links[model.portal.link]
    assert via.target_column
    if via.kind == "parent":
        return {"parent_type": "Contact", via.target_column: contact_id}
    return {via.target_column: contact_id}
