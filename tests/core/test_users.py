"""Deactivating and removing users through the auth service (the CLI's path) keeps an active
administrator; tests/api/test_last_admin.py races two of them."""

from __future__ import annotations

import pytest

from amity.core.services import Services
from amity.errors import Conflict
from tests.conftest import User


def active_admins(services: Services) -> list[str]:
    return [
        u["user_name"]
        for u in services.auth.list_users()
        if u["is_admin"] and u["status"] == "Active"
    ]


def test_the_last_active_admin_stays(services: Services, admin: User) -> None:
    auth = services.auth
    with pytest.raises(Conflict, match="last active administrator"):
        auth.set_active(admin.actor, "admin", False)
    with pytest.raises(Conflict, match="last active administrator"):
        auth.remove_user(admin.actor, "admin")
    auth.add_user(admin.actor, "sam", "sam-password-1")  # not an admin: may go
    auth.set_active(admin.actor, "sam", False)
    auth.remove_user(admin.actor, "sam")
    assert active_admins(services) == ["admin"]
    assert [u["user_name"] for u in auth.list_users()] == ["admin"]
