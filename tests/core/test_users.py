"""Deactivating and removing users keeps an active administrator, even when two
administrators are taken away at once."""

from __future__ import annotations

import threading
import time

import pytest

from amity.core.services import Services
from amity.errors import Conflict
from tests.conftest import User


def active_admins(services: Services) -> list[str]:
    return [u["user_name"] for u in services.auth.list_users()
            if u["is_admin"] and u["status"] == "Active"]


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


def test_two_admins_taken_away_at_once_leave_one(services: Services, admin: User) -> None:
    """One transaction deactivates `admin` and waits before committing; meanwhile another
    deactivates `bob`. The second must see the first's change (it waits for it) and refuse."""
    auth = services.auth
    auth.add_user(admin.actor, "bob", "bob-password-1", admin=True)
    admin_id = auth.user_by_name("admin")["id"]
    changed, release = threading.Event(), threading.Event()
    outcome: dict[str, BaseException | None] = {}

    def first() -> None:
        with services.db.shared_write():
            services.records.update(admin.actor, "User", admin_id, {"status": "Inactive"})
            changed.set()
            release.wait(30)

    def second() -> None:
        try:
            auth.set_active(admin.actor, "bob", False)
            outcome["bob"] = None
        except Conflict as exc:
            outcome["bob"] = exc

    one = threading.Thread(target=first)
    one.start()
    assert changed.wait(30)
    two = threading.Thread(target=second)
    two.start()
    time.sleep(0.5)  # let the second reach the database while the first holds its change
    release.set()
    one.join(30)
    two.join(30)
    assert isinstance(outcome["bob"], Conflict)
    assert active_admins(services) == ["bob"]
