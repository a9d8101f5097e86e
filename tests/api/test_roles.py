"""Roles and teams: the admin API, what users then see, and how fast changes apply."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest

from amity.config import Settings
from amity.core.acl import RolePolicy
from amity.core.actor import Actor
from amity.core.records import ListQuery
from amity.core.services import Services
from amity.errors import Forbidden
from tests.api.acl_world import World, build_world
from tests.conftest import ApiClient, User


@pytest.fixture
def world(services: Services, admin: User) -> World:
    return build_world(services, admin)


@pytest.fixture
def as_user(app: Any, world: World) -> Iterator[Any]:
    clients: list[ApiClient] = []

    def make(actor: str) -> ApiClient:
        client = ApiClient(app, {"Authorization": f"Bearer {world.tokens[actor]}"})
        clients.append(client)
        return client

    yield make
    for client in clients:
        client.close()


def test_admin_manages_roles(api: ApiClient, world: World) -> None:
    resp = api.post(
        "/admin/roles",
        json={
            "name": "support",
            "description": "Help desk",
            "rights": {"aCase": {"read": "all", "edit": "owned"}, "*": {"read": "owned"}},
        },
    )
    assert resp.status_code == 200, resp.text
    role = resp.json()["record"]
    assert role["name"] == "support" and role["users"] == []
    assert role["rights"]["aCase"] == {
        "access": True,
        "read": "all",
        "edit": "owned",
        "delete": "none",
    }
    assert role["rights"]["*"] == {
        "access": True,
        "read": "owned",
        "edit": "none",
        "delete": "none",
    }
    resp = api.patch(
        "/admin/roles/support", json={"rights": {"aCase": {"delete": "owned"}, "*": None}}
    )
    rights = resp.json()["record"]["rights"]
    assert rights["aCase"]["delete"] == "owned" and rights["aCase"]["edit"] == "owned"
    assert rights["*"]["access"] is False  # no default entry: other models are closed
    assert api.post("/admin/roles/support/users", json={"users": ["zed"]}).json()["record"][
        "users"
    ] == ["zed"]
    names = [r["name"] for r in api.get("/admin/roles").json()["records"]]
    assert names == ["blocked", "full", "reader", "staff", "support"]
    assert api.delete("/admin/roles/support/users/zed").json() == {"result": True}
    assert api.get("/admin/roles/support").json()["record"]["users"] == []
    assert api.delete("/admin/roles/support").status_code == 200
    assert api.get("/admin/roles/support").status_code == 404


@pytest.mark.parametrize(
    ("body", "status", "word"),
    [
        ({"name": ""}, 400, "name"),
        ({"name": "staff"}, 400, "already exists"),
        ({"name": "x", "rights": {"Acount": {"read": "all"}}}, 404, "Acount"),
        ({"name": "x", "rights": {"Contact": {"read": "some"}}}, 400, "read of Contact"),
        ({"name": "x", "rights": {"Contact": {"access": "yes"}}}, 400, "access of Contact"),
        ({"name": "x", "rights": {"Contact": {"write": "all"}}}, 400, "write"),
        ({"name": "x", "rights": ["Contact"]}, 400, "rights"),
        ({"name": "x", "colour": "red"}, 400, "colour"),
    ],
)
def test_bad_role_requests(
    api: ApiClient, world: World, body: dict[str, Any], status: int, word: str
) -> None:
    resp = api.post("/admin/roles", json=body)
    assert resp.status_code == status, resp.text
    assert word in resp.json()["message"]


def test_admin_manages_teams(api: ApiClient, world: World) -> None:
    resp = api.post("/admin/teams", json={"name": "north", "members": ["zed", "dave"]})
    assert resp.json()["record"]["members"] == ["dave", "zed"]
    assert api.post("/admin/teams/north/members", json={"users": ["erin"]}).json()["record"][
        "members"
    ] == ["dave", "erin", "zed"]
    assert api.delete("/admin/teams/north/members/zed").status_code == 200
    assert api.delete("/admin/teams/north/members/zed").status_code == 404
    assert api.post("/admin/teams/north/members", json={"users": ["nobody"]}).status_code == 404
    teams = {t["name"]: t["members"] for t in api.get("/admin/teams").json()["records"]}
    assert teams == {"east": ["alice", "bob"], "west": ["carol"], "north": ["dave", "erin"]}
    assert api.delete("/admin/teams/north").status_code == 200
    assert api.get("/admin/teams/north").status_code == 404


def test_me_reports_role_and_teams(api: ApiClient, world: World, as_user: Any) -> None:
    me = as_user("owner").get("/me").json()
    assert me["role"] == "staff" and me["groups"] == ["east"]
    assert as_user("reader").get("/me").json()["groups"] == []
    assert api.get("/me").json()["role"] == "admin"


def test_hidden_record_answers_exactly_like_a_missing_one(
    api: ApiClient, world: World, as_user: Any
) -> None:
    carol = as_user("other")
    contact = world.ids["contact"]
    hidden = carol.get(f"/data/Contact/{contact}")
    for method in ("PATCH", "DELETE"):
        resp = carol.request(method, f"/data/Contact/{contact}", json={"data": {}})
        assert (resp.status_code, resp.json()) == (hidden.status_code, hidden.json())
    assert api.delete(f"/data/Contact/{contact}").status_code == 200
    missing = carol.get(f"/data/Contact/{contact}")
    assert hidden.status_code == missing.status_code == 404
    assert hidden.json() == missing.json()
    assert hidden.headers.get("content-length") == missing.headers.get("content-length")


def test_list_totals_count_only_readable_records(world: World, as_user: Any) -> None:
    for _ in range(3):
        world.create("Account", {"name": "Acme more"})
    world.create("Account", {"name": "Carol Co", "assigned_user_id": world.users["carol"]})
    assert (
        as_user("other")
        .get(
            "/data/Account",
            params={"limit": 1},  # and Carols Co
        )
        .json()["total_results"]
        == 2
    )
    assert as_user("mate").get("/data/Account", params={"limit": 1}).json()["total_results"] == 4
    assert as_user("admin").get("/data/Account", params={"limit": 1}).json()["total_results"] == 6
    filtered = as_user("mate").get("/data/Account", params={"filters[name]": "Carol"})
    assert filtered.json() == {"records": [], "total_results": 0, "next_cursor": None}


def test_teammates_share_records_and_team_changes_apply_at_once(
    api: ApiClient, world: World, as_user: Any
) -> None:
    carol = as_user("other")
    url = f"/data/Contact/{world.ids['contact']}"
    assert carol.get(url).status_code == 404
    assert api.post("/admin/teams/east/members", json={"users": ["carol"]}).status_code == 200
    assert carol.get(url).status_code == 200  # carol now shares alice's records
    assert carol.patch(url, json={"data": {"title": "VP"}}).status_code == 200
    assert api.delete("/admin/teams/east/members/carol").status_code == 200
    assert carol.get(url).status_code == 404


def test_role_changes_apply_at_once(api: ApiClient, world: World, as_user: Any) -> None:
    dave = as_user("reader")
    url = f"/data/Contact/{world.ids['contact']}"
    assert dave.patch(url, json={"data": {"title": "x"}}).status_code == 403
    api.patch("/admin/roles/reader", json={"rights": {"Contact": {"edit": "all"}}})
    assert dave.patch(url, json={"data": {"title": "x"}}).status_code == 200
    assert dave.get(f"/data/Account/{world.ids['account']}").status_code == 200
    api.patch("/admin/roles/reader", json={"rights": {"Account": {"access": False}}})
    resp = dave.get(f"/data/Account/{world.ids['account']}")
    assert resp.status_code == 403 and "Account" in resp.json()["message"]
    api.delete("/admin/roles/reader")  # dave falls back to the default: every right
    assert dave.delete(url).status_code == 200


def test_owned_edit_limits_what_a_new_record_is_assigned_to(world: World, as_user: Any) -> None:
    carol = as_user("other")
    mine = carol.post("/data/Contact", json={"data": {"last_name": "Mine"}})
    assert mine.status_code == 200
    assert (
        carol.get(f"/data/Contact/{mine.json()['id']}").json()["record"]["assigned_user_id"]
        == world.users["carol"]
    )
    given = carol.post(
        "/data/Contact",
        json={"data": {"last_name": "Gift", "assigned_user_id": world.users["bob"]}},
    )
    assert given.status_code == 403


def test_linking_writes_need_edit_on_the_target(api: ApiClient, world: World, as_user: Any) -> None:
    """A has_many link writes the target's field: the target must be editable too."""
    api.patch("/admin/roles/staff", json={"rights": {"Account": {"read": "all", "edit": "all"}}})
    carol = as_user("other")
    account = carol.post("/data/Account", json={"data": {"name": "Carol Co"}}).json()["id"]
    resp = carol.post(f"/data/Account/{account}/cases", json={"records": [world.ids["case"]]})
    assert resp.status_code == 404  # alice's case is not carol's to read
    api.patch("/admin/roles/staff", json={"rights": {"aCase": {"read": "all", "edit": "owned"}}})
    resp = carol.post(f"/data/Account/{account}/cases", json={"records": [world.ids["case"]]})
    assert resp.status_code == 403


def test_default_role_setting(services: Services, world: World) -> None:
    """AMITY_DEFAULT_ROLE: users without a role get it; a misnamed one grants nothing."""
    zed = Actor(user_id=world.users["zed"], user_name="zed")
    everything = services.records.list_records(zed, "Contact", ListQuery()).total_results
    assert everything == 3  # no role, no default role: every right
    for name, total in (("reader", everything), ("staff", 0)):
        policy = RolePolicy(
            services.db, Settings(database_url=services.settings.database_url, default_role=name)
        )
        assert len(policy.read_conditions(zed, services.records.model("Contact"))) == (total == 0)
    policy = RolePolicy(
        services.db, Settings(database_url=services.settings.database_url, default_role="typo")
    )
    with pytest.raises(Forbidden, match="may not read"):
        policy.read_conditions(zed, services.records.model("Contact"))


def test_non_admins_cannot_manage_roles(world: World, as_user: Any, anon: ApiClient) -> None:
    for actor in ("owner", "reader", "portal"):
        client = as_user(actor)
        assert client.post("/admin/roles", json={"name": "mine"}).status_code == 403
        assert (
            client.post("/admin/teams/east/members", json={"users": ["carol"]}).status_code == 403
        )
    assert anon.get("/admin/roles").status_code == 401
