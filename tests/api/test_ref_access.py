"""Ref fields obey the access policy: a ref to a record the writer may not read is refused
exactly like an id that names no record, and a ref the reader may not read shows its id
but not the name."""

from __future__ import annotations

from typing import Any

import pytest

from amity.core.services import Services
from tests.api.acl_world import World, build_world
from tests.conftest import ApiClient, User


@pytest.fixture
def world(services: Services, admin: User) -> World:
    return build_world(services, admin)


@pytest.fixture
def alice(app: Any, world: World) -> Any:
    client = ApiClient(app, {"Authorization": f"Bearer {world.tokens['owner']}"})
    yield client
    client.close()


def hint_free(body: dict[str, Any], hidden: str, missing: str) -> dict[str, Any]:
    return {k: str(v).replace(hidden, "ID").replace(missing, "ID") for k, v in body.items()}


@pytest.mark.parametrize(
    ("model", "data", "field", "target"),
    [
        ("Contact", {"last_name": "New"}, "primary_account_id", "carols_account"),
        ("Contact", {"last_name": "New"}, "reports_to_id", "carols"),
        (
            "Opportunity",
            {"name": "Deal", "date_closed": "2030-01-01"},
            "account_id",
            "carols_account",
        ),
        ("Product", {"name": "Widget"}, "supplier_id", "carols_account"),
        ("Task", {"name": "Call back", "parent_type": "Contact"}, "parent_id", "carols"),
    ],
)
def test_a_ref_to_a_hidden_record_is_refused_like_a_missing_one(
    alice: ApiClient, world: World, model: str, data: dict[str, Any], field: str, target: str
) -> None:
    hidden = world.ids[target]
    missing = "no-such-record"
    created = alice.post(f"/data/{model}", json={"data": {**data, field: hidden}})
    absent = alice.post(f"/data/{model}", json={"data": {**data, field: missing}})
    assert created.status_code == absent.status_code == 400, created.text
    assert hint_free(created.json(), hidden, missing) == hint_free(absent.json(), hidden, missing)
    own = alice.post(f"/data/{model}", json={"data": data})
    assert own.status_code == 200, own.text
    url = f"/data/{model}/{own.json()['id']}"
    changed = alice.patch(url, json={"data": {field: hidden}})
    assert changed.status_code == 400, changed.text
    assert alice.get(url).json()["record"].get(field) is None  # nothing changed


def test_a_readable_ref_is_written_and_named(alice: ApiClient, world: World) -> None:
    resp = alice.post(
        "/data/Contact",
        json={"data": {"last_name": "Fine", "primary_account_id": world.ids["account"]}},
    )
    assert resp.status_code == 200, resp.text
    record = alice.get(f"/data/Contact/{resp.json()['id']}").json()["record"]
    assert record["primary_account_id"] == world.ids["account"]
    assert record["primary_account"] == "Acme"


def test_a_hidden_ref_shows_its_id_but_not_its_name(alice: ApiClient, world: World) -> None:
    admin = world.admin
    records = world.services.records
    records.update(
        admin,
        "Contact",
        world.ids["contact2"],
        {"primary_account_id": world.ids["carols_account"], "reports_to_id": world.ids["carols"]},
    )
    task = world.create(
        "Task",
        {"name": "Follow up", "parent_type": "Account", "parent_id": world.ids["carols_account"]},
    )
    got = alice.get(f"/data/Contact/{world.ids['contact2']}").json()["record"]
    assert got["primary_account_id"] == world.ids["carols_account"]
    assert got["primary_account"] is None
    assert got["reports_to_id"] == world.ids["carols"] and got["reports_to"] is None
    bobs = world.create("Contact", {"last_name": "Bobs", "assigned_user_id": world.users["bob"]})
    by_bob = alice.get(f"/data/Contact/{bobs}").json()["record"]
    assert by_bob["assigned_user"] == "Bob"  # user names stay shown (alice cannot read bob)
    listed = alice.get(
        "/data/Contact",
        params={"fields[]": ["last_name", "primary_account", "reports_to"], "limit": 200},
    ).json()
    row = next(r for r in listed["records"] if r["id"] == world.ids["contact2"])
    assert row["primary_account_id"] == world.ids["carols_account"]
    assert row["primary_account"] is None and row["reports_to"] is None
    parent = alice.get(f"/data/Task/{task}").json()["record"]
    assert parent["parent_id"] == world.ids["carols_account"] and parent["parent"] is None
    shown = admin_view(world, "Contact", world.ids["contact2"])
    assert shown["primary_account"] == "Carols Co" and shown["reports_to"] == "Carols"


def test_a_hidden_ref_already_held_may_be_written_back(alice: ApiClient, world: World) -> None:
    """A client that writes back the record it read (id of a hidden ref included) is not
    refused, and still cannot point the ref at another hidden record."""
    world.services.records.update(
        world.admin,
        "Contact",
        world.ids["contact2"],
        {"primary_account_id": world.ids["carols_account"]},
    )
    url = f"/data/Contact/{world.ids['contact2']}"
    record = alice.get(url).json()["record"]
    resp = alice.put(
        url, json={"data": {"title": "Buyer", "primary_account_id": record["primary_account_id"]}}
    )
    assert resp.status_code == 200, resp.text
    other = world.create(
        "Account", {"name": "Hidden too", "assigned_user_id": world.users["carol"]}
    )
    assert alice.patch(url, json={"data": {"primary_account_id": other}}).status_code == 400
    assert (
        alice.patch(url, json={"data": {"primary_account_id": world.ids["account"]}}).status_code
        == 200
    )


def test_a_portal_contact_sees_no_names_of_models_closed_to_it(app: Any, world: World) -> None:
    client = ApiClient(app, {"Authorization": f"Bearer {world.tokens['portal']}"})
    try:
        case = client.get(f"/data/aCase/{world.ids['case']}").json()["record"]
    finally:
        client.close()
    assert case["account_id"] == world.ids["account"] and case["account"] is None
    assert case["cust_contact"] == "Cora Portal"  # its own contact record


def admin_view(world: World, model: str, record_id: str) -> dict[str, Any]:
    return world.services.records.get(world.admin, model, record_id)
