"""App CRM's list parameters (?order=name|desc, ?select=a;b, ?q=, ?search_fields=f:like;g:=,
?search_match=and), checked against metadata: an unknown field, operator or parameter is a 422."""

from __future__ import annotations

from typing import Any

import pytest

from tests.api.acl_world import build_world
from tests.api.conftest import APPCRM_HEADERS as HEADERS
from tests.conftest import ApiClient, User


@pytest.fixture
def accounts(crm: ApiClient) -> dict[str, str]:
    ids = {}
    for name, city, revenue in [
        ("Beta", "Oslo", "200"),
        ("alpha", "Bergen", "100.5"),
        ("Gamma", "Oslo", "300"),
        ("Alphabet", "Oslo", "100.50"),
        ("50% off_sale", "Oslo Nord", "7"),
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


def test_order_ascending_descending_and_by_several_keys(
    crm: ApiClient, accounts: dict[str, str]
) -> None:
    everyone = ["50% off_sale", "alpha", "Alphabet", "Beta", "Gamma"]
    assert names(crm, order="name") == everyone
    assert names(crm, order="name|asc") == everyone
    assert names(crm, order="name|desc") == everyone[::-1]
    assert names(crm, order="billing_address_city|desc,name") == [
        "50% off_sale",
        "Alphabet",
        "Beta",
        "Gamma",
        "alpha",
    ]


def test_select_gives_only_those_fields(crm: ApiClient, accounts: dict[str, str]) -> None:
    page = crm.get("/api/accounts", params={"select": "billing_address_city;id", "order": "name"})
    assert page.status_code == 200, page.text
    first = page.json()["data"][0]
    assert first["id"] == accounts["50% off_sale"]
    assert first["billing_address_city"] == "Oslo Nord"
    assert "account_type" not in first
    full = crm.get("/api/accounts").json()["data"][0]
    assert "account_type" in full


def test_q_is_the_models_default_search(crm: ApiClient, accounts: dict[str, str]) -> None:
    """A prefix match on the name, case-insensitive."""
    assert names(crm, q="alp", order="name") == ["alpha", "Alphabet"]
    assert names(crm, q="pha") == []
    assert names(crm, q="   ", order="name") == names(crm, order="name")


def test_search_fields_like_is_contains_and_equals_is_exact(
    crm: ApiClient, accounts: dict[str, str]
) -> None:
    assert names(crm, q="PHA", search_fields="name:like", order="name") == ["alpha", "Alphabet"]
    assert names(crm, q="alpha", search_fields="name:=") == ["alpha"]
    assert names(crm, q="alp", search_fields="name:=") == []
    # LIKE's wildcards are literal
    assert names(crm, q="%", search_fields="name:like") == ["50% off_sale"]
    assert names(crm, q="f_s", search_fields="name:like") == ["50% off_sale"]
    assert names(crm, q="a_p", search_fields="name:like") == []


def test_search_fields_match_any_by_default_all_with_and(
    crm: ApiClient, accounts: dict[str, str]
) -> None:
    both = "name:like;billing_address_city:like"
    assert names(crm, q="o", search_fields=both, order="name") == [
        "50% off_sale",
        "Alphabet",
        "Beta",
        "Gamma",
    ]  # an o in the city (Oslo) or the name; alpha of Bergen has neither
    assert names(crm, q="bet", search_fields=both, order="name") == ["Alphabet", "Beta"]
    assert names(crm, q="oslo", search_fields=both, order="name", search_match="and") == []
    assert names(crm, q="sale", search_fields=both, search_match="or") == ["50% off_sale"]
    mixed = "name:like;billing_address_city:="
    assert names(crm, q="Oslo", search_fields=mixed, order="name") == [
        "Alphabet",
        "Beta",
        "Gamma",
    ]


def test_equals_values_are_parsed_by_the_fields_type(
    crm: ApiClient, accounts: dict[str, str]
) -> None:
    """Money by its exact value (100.5 is 100.50); paging links keep the parameters."""
    params = {"q": "100.500", "search_fields": "credit_limit:=", "order": "name", "per_page": 1}
    page = crm.get("/api/accounts", params=params)
    assert [r["name"] for r in page.json()["data"]] == ["alpha"]
    assert page.json()["meta"]["total"] == 2
    following = page.json()["links"]["next"]
    for kept in ("q=100.500", "search_fields=credit_limit%3A%3D", "order=name", "page=2"):
        assert kept in following
    second = crm.get(following)
    assert [r["name"] for r in second.json()["data"]] == ["Alphabet"]


def test_search_and_order_by_custom_fields(api: ApiClient, crm: ApiClient) -> None:
    made = api.post(
        "/admin/fields/Account",
        json={"name": "tier_c", "type": "Select", "options": ["Gold", "Silver"]},
    )
    assert made.status_code == 200, made.text
    for name, tier in [("One", 1), ("Two", 2), ("Three", 1)]:
        assert crm.post("/api/accounts", json={"name": name, "tier_c": tier}).status_code == 201
    found = names(crm, q="1", search_fields="tier_c:=", order="name|desc")
    assert found == ["Three", "One"]
    assert names(crm, order="tier_c|desc,name") == ["Two", "One", "Three"]
    bad = crm.get("/api/accounts", params={"q": "9", "search_fields": "tier_c:="})
    assert bad.status_code == 422 and list(bad.json()["errors"]) == ["q"]
    like = crm.get("/api/accounts", params={"q": "1", "search_fields": "tier_c:like"})
    assert like.status_code == 422 and list(like.json()["errors"]) == ["search_fields"]


@pytest.mark.parametrize(
    ("params", "key"),
    [
        ({"order": "nothing"}, "order"),
        ({"order": "name|"}, "order"),
        ({"order": "name|down"}, "order"),
        ({"order": "name,"}, "order"),
        ({"order": "-name"}, "order"),
        ({"order": "name desc"}, "order"),
        ({"order": "a,b,c,d,e,f"}, "order"),
        ({"order[]": "name"}, "order"),
        ({"select": "nothing;id"}, "select"),
        ({"select": "name;"}, "select"),
        ({"q": "x", "search_fields": "nothing:like"}, "search_fields"),
        ({"q": "x", "search_fields": "name"}, "search_fields"),
        ({"q": "x", "search_fields": "name:ilike"}, "search_fields"),
        ({"q": "x", "search_fields": "name:like;"}, "search_fields"),
        ({"q": "x", "search_fields": "employees:like"}, "search_fields"),
        ({"q": "not a date", "search_fields": "date_entered:="}, "q"),
        ({"q": "lots", "search_fields": "employees:="}, "q"),
        ({"q": "1.001", "search_fields": "credit_limit:="}, "q"),
        ({"q": "maybe", "search_fields": "is_supplier:="}, "q"),
        ({"q": "x", "search_match": "xor"}, "search_match"),
        ({"sort": "name"}, "sort"),
        ({"filter[name]": "x"}, "filter"),
        ({"limit": "3"}, "limit"),
    ],
)
def test_bad_list_parameters_are_422_keyed(
    crm: ApiClient, params: dict[str, str], key: str
) -> None:
    answer = crm.get("/api/accounts", params=params)
    assert answer.status_code == 422, answer.text
    body = answer.json()
    assert set(body) == {"message", "errors"} and list(body["errors"]) == [key]


def test_unknown_parameters_are_named(crm: ApiClient) -> None:
    answer = crm.get("/api/accounts", params={"sort": "name", "fields": "x", "page": "1"})
    assert answer.status_code == 422
    assert "sort, fields" in answer.json()["message"]


def test_filters_never_reach_past_the_acl(services: Any, app: Any, admin: User) -> None:
    """A search narrows what a user may list, never widens it: alice's account is found by
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
            answer = client.get(
                "/api/accounts", params={"q": account, "search_fields": "id:=", "order": "name"}
            )
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
