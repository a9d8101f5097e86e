"""Picklist dependencies: allowed options of one field by the value of another; writes that
break one are 400; the map is readable; admins set and remove them."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
import sqlalchemy as sa

from amity.core.services import Services
from tests.conftest import ApiClient, User

CASE_MAP = {
    "source": "category",
    "map": {"Problem": ["Product", "User"], "Question": ["Administration", "Billing"]},
}


@pytest.fixture
def case_dependency(api: ApiClient) -> dict[str, Any]:
    resp = api.put("/admin/dependencies/aCase/type", json=CASE_MAP)
    assert resp.status_code == 200, resp.text
    record: dict[str, Any] = resp.json()["record"]
    return record


def new_case(api: ApiClient, **data: Any) -> Any:
    return api.post("/data/aCase", json={"data": {"name": "Printer", **data}})


def test_writes_follow_the_dependency(api: ApiClient, case_dependency: dict[str, Any]) -> None:
    refused = new_case(api, category="Problem", type="Billing")
    assert refused.status_code == 400
    body = refused.json()
    assert "type" in body["message"] and "category" in body["message"]
    assert "'Product', 'User'" in body["hint"]
    assert new_case(api, category="Problem", type="Product").status_code == 200
    # a source value the map leaves out leaves the target free
    assert new_case(api, category="Feature Request", type="Billing").status_code == 200
    assert new_case(api, type="Billing").status_code == 200  # no category: no constraint


def test_updates_are_checked_against_the_stored_side(
    api: ApiClient, case_dependency: dict[str, Any]
) -> None:
    case_id = new_case(api, category="Question", type="Billing").json()["id"]
    moved = api.patch(f"/data/aCase/{case_id}", json={"data": {"category": "Problem"}})
    assert moved.status_code == 400  # the stored type Billing is not allowed with Problem
    retyped = api.patch(f"/data/aCase/{case_id}", json={"data": {"type": "User"}})
    assert retyped.status_code == 400  # User is not allowed with the stored Question
    both = api.patch(
        f"/data/aCase/{case_id}", json={"data": {"category": "Problem", "type": "User"}}
    )
    assert both.status_code == 200
    record = api.get(f"/data/aCase/{case_id}").json()["record"]
    assert (record["category"], record["type"]) == ("Problem", "User")


def test_the_map_is_readable(api: ApiClient, case_dependency: dict[str, Any]) -> None:
    deps = api.get("/meta/dependencies/aCase").json()["dependencies"]
    assert deps == {"type": CASE_MAP}
    meta = api.get("/meta/fields/aCase").json()["fields"]
    assert meta["type"]["depends_on"] == CASE_MAP
    assert "depends_on" not in meta["category"]


def test_removing_a_dependency_frees_the_field(
    api: ApiClient, case_dependency: dict[str, Any]
) -> None:
    assert api.delete("/admin/dependencies/aCase/type").status_code == 200
    assert new_case(api, category="Problem", type="Billing").status_code == 200
    assert api.delete("/admin/dependencies/aCase/type").status_code == 404
    assert api.get("/meta/dependencies/aCase").json() == {"dependencies": {}}


@pytest.fixture
def region_fields(api: ApiClient, services: Services) -> Iterator[None]:
    for name, kind, options in (
        ("region_c", "Select", ["North", "South"]),
        ("city_c", "MultiSelect", ["Oslo", "Rome", "Bergen"]),
    ):
        resp = api.post(
            "/admin/fields/Account", json={"name": name, "type": kind, "options": options}
        )
        assert resp.status_code == 200, resp.text
    yield


def test_custom_option_fields_depend_by_option_id(api: ApiClient, region_fields: None) -> None:
    put = api.put(
        "/admin/dependencies/Account/city_c",
        json={"source": "region_c", "map": {"1": [1, 3], "2": [2]}},
    )
    assert put.status_code == 200, put.text
    north_rome = api.post(
        "/data/Account", json={"data": {"name": "A", "region_c": 1, "city_c": [1, 2]}}
    )
    assert north_rome.status_code == 400 and "city_c" in north_rome.json()["message"]
    ok = api.post("/data/Account", json={"data": {"name": "B", "region_c": 1, "city_c": [3, 1]}})
    assert ok.status_code == 200, ok.text


@pytest.mark.parametrize(
    ("target", "body", "word"),
    [
        ("type", {"source": "nope", "map": {"x": []}}, "nope"),
        ("nope", {"source": "category", "map": {"Problem": []}}, "nope"),
        ("type", {"source": "name", "map": {"x": []}}, "source"),
        ("type", {"source": "category", "map": {"Unknown": ["Product"]}}, "Unknown"),
        ("type", {"source": "category", "map": {"Problem": ["Teleport"]}}, "Teleport"),
        ("type", {"source": "type", "map": {"Product": ["Product"]}}, "itself"),
        ("type", {"source": "category", "map": {}}, "map"),
        ("type", {"source": "category", "map": {"Problem": "Product"}}, "list"),
        ("type", ["category"], "JSON object"),
    ],
)
def test_bad_dependencies_are_400(api: ApiClient, target: str, body: Any, word: str) -> None:
    resp = api.put(f"/admin/dependencies/aCase/{target}", json=body)
    assert resp.status_code == 400 and word in resp.text, resp.text
    assert api.get("/meta/dependencies/aCase").json() == {"dependencies": {}}


def test_only_admins_set_dependencies(api: ApiClient, services: Services, admin: User) -> None:
    services.auth.add_user(admin.actor, "sam", "sam-pw-2024", last_name="Sample")
    _, token = services.auth.create_token("sam")
    as_sam = {"Authorization": f"Bearer {token}"}
    assert (
        api.put("/admin/dependencies/aCase/type", json=CASE_MAP, headers=as_sam).status_code == 403
    )
    assert api.get("/meta/dependencies/aCase", headers=as_sam).status_code == 200


def test_changes_are_recorded_as_metadata_events(
    api: ApiClient, services: Services, case_dependency: dict[str, Any]
) -> None:
    outbox = services.db.tables.system("outbox")
    with services.db.read() as conn:
        rows = conn.execute(
            sa.select(outbox.c.kind, outbox.c.actor_id).where(
                outbox.c.model == "PicklistDependency"
            )
        ).all()
    assert [tuple(r) for r in rows] == [("create", "1")]
