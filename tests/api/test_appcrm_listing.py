"""Sorting (?sort=name, ?sort=-name) and exact-match filters (?filter[field]=value) of App CRM
lists, checked against metadata: an unknown or unfilterable field is a 422."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest

from tests.api.acl_world import build_world
from tests.conftest import ApiClient, User

HEADERS = {"Accept": "application/json", "Content-Type": "application/json"}


@pytest.fixture
def crm(app: Any, admin: User) -> Iterator[ApiClient]:
    client = ApiClient(
        app, {**HEADERS, "Authorization": f"Bearer {admin.token}"}, base_url="http://testserver"
    )
    yield client
    client.close()


@pytest.fixture
def accounts(crm: ApiClient) -> dict[str, str]:
    ids = {}
    for name, city, revenue in [
        ("Beta", "Oslo", "200"),
        ("alpha", "Bergen", "100.5"),
        ("Gamma", "Oslo", "300"),
        ("Alphabet", "Oslo", "100.50"),
    ]:
        made = crm.post(
            "/api/accounts",
            json={"name": name, "billing_address_city": city, "credit_limit": revenue},
        )
        assert made.status_code == 201, made.text
        ids[name] = made.json()["id"]
    return ids


def names(crm: ApiClient, **params: Any) -> list[str]:
    answer = crm.get("/api/accounts", params=params)
    assert answer.status_code == 200, answer.text
    return [r["name"] for r in answer.json()["data"]]


def test_sort_ascending_descending_and_by_several_keys(
    crm: ApiClient, accounts: dict[str, str]
) -> None:
    assert names(crm, sort="name") == ["alpha", "Alphabet", "Beta", "Gamma"]
    assert names(crm, sort="-name") == ["Gamma", "Beta", "Alphabet", "alpha"]
    assert names(crm, sort="billing_address_city,-name") == ["alpha", "Gamma", "Beta", "Alphabet"]


def test_filter_is_an_exact_match(crm: ApiClient, accounts: dict[str, str]) -> None:
    assert sorted(names(crm, **{"filter[billing_address_city]": "Oslo"})) == [
        "Alphabet",
        "Beta",
        "Gamma",
    ]
    assert names(crm, **{"filter[name]": "alpha"}) == ["alpha"]  # no prefix match
    assert names(crm, **{"filter[name]": "alp"}) == []
    both = crm.get(
        "/api/accounts",
        params=[("filter[name][]", "Beta"), ("filter[name][]", "Gamma"), ("sort", "name")],
    )
    assert [r["name"] for r in both.json()["data"]] == ["Beta", "Gamma"]
    combined = {"filter[billing_address_city]": "Oslo", "filter[id]": accounts["Beta"]}
    assert names(crm, **combined) == ["Beta"]


def test_filter_values_are_parsed_by_the_fields_type(
    crm: ApiClient, accounts: dict[str, str]
) -> None:
    """Money by its exact value (100.5 is 100.50)."""
    page = crm.get("/api/accounts", params={"filter[credit_limit]": "100.500", "sort": "name"})
    assert [r["name"] for r in page.json()["data"]] == ["alpha", "Alphabet"]
    assert page.json()["meta"]["total"] == 2
    assert "filter%5Bcredit_limit%5D=100.500" in page.json()["links"]["first"]
    assert "sort=name" in page.json()["links"]["first"]


def test_filter_and_sort_by_custom_fields(api: ApiClient, crm: ApiClient) -> None:
    made = api.post(
        "/admin/fields/Account",
        json={"name": "tier_c", "type": "Select", "options": ["Gold", "Silver"]},
    )
    assert made.status_code == 200, made.text
    for name, tier in [("One", 1), ("Two", 2), ("Three", 1)]:
        assert crm.post("/api/accounts", json={"name": name, "tier_c": tier}).status_code == 201
    assert names(crm, **{"filter[tier_c]": "1", "sort": "-name"}) == ["Three", "One"]
    assert names(crm, sort="-tier_c,name") == ["Two", "One", "Three"]
    bad = crm.get("/api/accounts", params={"filter[tier_c]": "9"})
    assert bad.status_code == 422 and list(bad.json()["errors"]) == ["filter[tier_c]"]


@pytest.mark.parametrize(
    ("params", "key"),
    [
        ({"sort": "nothing"}, "sort"),
        ({"sort": "-"}, "sort"),
        ({"sort": "name,"}, "sort"),
        ({"sort": "--name"}, "sort"),
        ({"sort": "name desc"}, "sort"),
        ({"sort": "a,b,c,d,e,f"}, "sort"),
        ({"sort[]": "name"}, "sort"),
        ({"filter[nothing]": "x"}, "filter[nothing]"),
        ({"filter[name' OR '1'='1]": "x"}, "filter[name' OR '1'='1]"),
        ({"filter[date_entered]": "not a date"}, "filter[date_entered]"),
        ({"filter[employees]": "lots"}, "filter[employees]"),
        ({"filter[credit_limit]": "1.001"}, "filter[credit_limit]"),
        ({"filter[is_supplier]": "maybe"}, "filter[is_supplier]"),
        ({"filter[name][x]": "y"}, "filter[name]"),
        ({"filter": "name"}, "filter"),
    ],
)
def test_bad_sort_and_filter_are_422_keyed(
    crm: ApiClient, params: dict[str, str], key: str
) -> None:
    answer = crm.get("/api/accounts", params=params)
    assert answer.status_code == 422, answer.text
    body = answer.json()
    assert set(body) == {"message", "errors"} and list(body["errors"]) == [key]


def test_filters_never_reach_past_the_acl(services: Any, app: Any, admin: User) -> None:
    """A filter narrows what a user may list, never widens it: alice's account is found by
    its id for alice (owner) and for the reader, not for carol (other) or the blocked."""
    world = build_world(services, admin)
    account = world.ids["account"]
    found = {}
    for actor in ("owner", "other", "reader", "blocked"):
        client = ApiClient(
            app,
            {**HEADERS, "Authorization": f"Bearer {world.tokens[actor]}"},
            base_url="http://testserver",
        )
        try:
            answer = client.get("/api/accounts", params={"filter[id]": account, "sort": "name"})
            found[actor] = (
                answer.status_code,
                [r["id"] for r in answer.json().get("data", [])],
            )
        finally:
            client.close()
    assert found == {
        "owner": (200, [account]),
        "other": (200, []),
        "reader": (200, [account]),
        "blocked": (403, []),
    }
