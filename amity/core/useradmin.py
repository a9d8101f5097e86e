"""User administration rules (docs/api.md "Access control"): creating, changing and
deleting users is an administrator's right whatever the roles say; a user may change the
profile fields of its own user record; the last active administrator stays."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from sqlalchemy.engine import Connection

from amity.core.actor import Actor
from amity.errors import Conflict, Forbidden
from amity.schema.builtin.people import PREFERENCE_FIELDS
from amity.store.accounts import AccountStore

USER_MODEL = "User"
PROFILE_FIELDS = frozenset(
    {
        "salutation",
        "first_name",
        "last_name",
        "email1",
        "phone_work",
        "phone_mobile",
        *PREFERENCE_FIELDS,
    }
)
"""What users may change on their own record: name, e-mail, phones and preferences."""


def check_user_change(
    actor: Actor,
    action: str,
    record: Mapping[str, Any] | None,
    changes: Mapping[str, Any] | None = None,
) -> None:
    """403 unless `actor` (not an administrator) edits only profile fields of its own
    user record; `changes` are the values about to be written."""
    if (
        action == "edit"
        and record is not None
        and changes is not None
        and record.get("id") == actor.user_id
    ):
        changed = sorted(
            k for k, v in changes.items() if k not in PROFILE_FIELDS and record.get(k) != v
        )
        if not changed:
            return
        raise Forbidden(
            "You may change only the profile fields of your own user",
            "{fields}; an administrator changes the rest",
            fields=", ".join(sorted(PROFILE_FIELDS)),
        )
    raise Forbidden(
        "Only administrators may create, change or delete users",
        "ask an administrator (amity user ...)",
    )


def is_active_admin(user: Mapping[str, Any]) -> bool:
    return bool(user.get("is_admin")) and user.get("status") == "Active" and not user.get("deleted")


def ensure_not_last_admin(accounts: AccountStore, conn: Connection, user_id: str) -> None:
    """409 when the user is the only active administrator left (call it inside the write
    transaction that deletes or deactivates the user: the admins' rows stay locked, so two
    such changes at once cannot each leave the other as the last one)."""
    admins = accounts.active_admin_ids(conn)
    if user_id in admins and len(admins) == 1:
        raise Conflict(
            "Cannot remove or deactivate the last active administrator",
            "make another user an active administrator first",
        )


def removes_admin(values: Mapping[str, Any] | None) -> bool:
    """Whether a write of a user could take an active administrator away (values None: a
    delete)."""
    return values is None or values.get("status", "Active") != "Active"


def check_user_leaving(
    accounts: AccountStore,
    conn: Connection,
    before: Mapping[str, Any],
    values: Mapping[str, Any] | None,
) -> None:
    """ensure_not_last_admin when a write would delete (values None) or deactivate an
    active administrator."""
    if is_active_admin(before) and removes_admin(values):
        ensure_not_last_admin(accounts, conn, str(before["id"]))
