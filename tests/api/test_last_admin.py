"""The last active administrator stays: deleting or deactivating it answers 409 and
changes nothing, through the API and through the core service the CLI uses."""

from __future__ import annotations

import threading

import pytest

from amity.core.actor import SYSTEM
from amity.core.services import Services
from amity.core.useradmin import ensure_not_last_admin
from amity.errors import Conflict
from tests.conftest import ApiClient, User


def user_row(services: Services, user_id: str) -> dict[str, object] | None:
    return services.auth.user_by_id(user_id)


def test_the_only_admin_cannot_deactivate_or_delete_itself(
    api: ApiClient, admin: User, services: Services
) -> None:
    for resp in (
        api.patch(f"/data/User/{admin.id}", json={"data": {"status": "Inactive"}}),
        api.delete(f"/data/User/{admin.id}"),
    ):
        assert resp.status_code == 409, resp.text
        body = resp.json()
        assert body["error"] == "conflict" and "last active administrator" in body["message"]
    row = user_row(services, admin.id)
    assert row is not None and row["status"] == "Active" and row["is_admin"]
    assert api.get("/me").status_code == 200  # still signed in, still admin


def test_an_admin_may_leave_when_another_active_admin_remains(
    api: ApiClient, admin: User, services: Services
) -> None:
    other = services.auth.add_user(admin.actor, "second", None, admin=True)
    assert (
        api.patch(f"/data/User/{other}", json={"data": {"status": "Inactive"}}).status_code == 200
    )
    # an inactive administrator does not count
    assert api.delete(f"/data/User/{admin.id}").status_code == 409
    assert api.patch(f"/data/User/{other}", json={"data": {"status": "Active"}}).status_code == 200
    assert api.delete(f"/data/User/{admin.id}").status_code == 200
    assert user_row(services, admin.id) is None
    with pytest.raises(Conflict):  # and now `second` is the last one
        services.records.delete(SYSTEM, "User", other)


def test_the_cli_path_obeys_the_rule(admin: User, services: Services) -> None:
    """`amity user deactivate|remove` act as SYSTEM through the records service."""
    with pytest.raises(Conflict):
        services.records.update(SYSTEM, "User", admin.id, {"status": "Inactive"})
    with pytest.raises(Conflict):
        services.records.delete(SYSTEM, "User", admin.id)
    with services.db.write() as conn, pytest.raises(Conflict):
        ensure_not_last_admin(services.records.accounts, conn, admin.id)
    row = user_row(services, admin.id)
    assert row is not None and row["status"] == "Active"


def test_other_users_and_other_changes_are_not_held(
    api: ApiClient, admin: User, services: Services
) -> None:
    plain = services.auth.add_user(admin.actor, "plain", None)
    assert (
        api.patch(
            f"/data/User/{admin.id}", json={"data": {"title": "Boss", "status": "Active"}}
        ).status_code
        == 200
    )
    assert (
        api.patch(f"/data/User/{plain}", json={"data": {"status": "Inactive"}}).status_code == 200
    )
    assert api.delete(f"/data/User/{plain}").status_code == 200
    with services.db.write() as conn:
        ensure_not_last_admin(services.records.accounts, conn, plain)  # not an admin: fine


def test_two_admins_deactivated_at_once_through_the_records_service_leave_one(
    admin: User, services: Services
) -> None:
    """The API's path: one write deactivates `admin` and holds its transaction open; a
    second, deactivating `second`, waits for it and then refuses."""
    other = services.auth.add_user(admin.actor, "second", None, admin=True)
    changed, release = threading.Event(), threading.Event()
    outcome: dict[str, BaseException | None] = {}

    def first() -> None:
        with services.db.shared_write():
            services.records.update(admin.actor, "User", admin.id, {"status": "Inactive"})
            changed.set()
            release.wait(30)

    def second() -> None:
        try:
            services.records.delete(admin.actor, "User", other)
            outcome["second"] = None
        except Conflict as exc:
            outcome["second"] = exc

    one = threading.Thread(target=first)
    one.start()
    assert changed.wait(30)
    two = threading.Thread(target=second)
    two.start()
    two.join(0.5)  # let the second reach the database while the first holds its change
    release.set()
    one.join(30)
    two.join(30)
    assert isinstance(outcome["second"], Conflict)
    active = [
        u["id"] for u in services.auth.list_users() if u["is_admin"] and u["status"] == "Active"
    ]
    assert active == [other]
