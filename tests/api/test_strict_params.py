"""The /data read routes refuse query parameters they do not know (400 in the 1CRM shape
naming the parameter) and keep taking every one 1CRM or Amity documents for them."""

from __future__ import annotations

from typing import Any

import pytest

from tests.conftest import ApiClient


@pytest.fixture
def account(api: ApiClient) -> str:
    resp = api.post("/data/Account", json={"data": {"name": "Acme"}})
    assert resp.status_code == 200, resp.text
    account_id = str(resp.json()["id"])
    contact = api.post("/data/Contact", json={"data": {"last_name": "Doe", "first_name": "Jane"}})
    assert contact.status_code == 200, contact.text
    linked = {"records": [contact.json()["id"]]}
    assert api.post(f"/data/Account/{account_id}/contacts", json=linked).status_code == 200
    return account_id


def urls(account_id: str) -> dict[str, str]:
    return {
        "list": "/data/Contact",
        "get": f"/data/Account/{account_id}",
        "related": f"/data/Account/{account_id}/contacts",
        "linked": "/data/link/Account/linked-records/contacts",
    }


@pytest.mark.parametrize("route", ["list", "get", "related", "linked"])
@pytest.mark.parametrize("name", ["page", "per_page", "filter", "Limit", "fields2"])
def test_an_unknown_parameter_is_a_400_naming_it(
    api: ApiClient, account: str, route: str, name: str
) -> None:
    resp = api.get(urls(account)[route], params={name: "1"})
    assert resp.status_code == 400, resp.text
    body = resp.json()
    assert set(body) == {"error", "message", "hint"}
    assert body["message"] == f"Unknown parameter {name}"
    assert "fields" in body["hint"]


def test_a_misspelt_bracket_parameter_is_named(api: ApiClient, account: str) -> None:
    resp = api.get("/data/Contact", params={"filter[last_name]": "Doe"})
    assert resp.status_code == 400
    assert resp.json()["message"] == "Unknown parameter filter"


def test_a_list_parameter_on_a_single_record_is_refused(api: ApiClient, account: str) -> None:
    resp = api.get(f"/data/Account/{account}", params={"limit": "1"})
    assert resp.status_code == 400
    assert resp.json()["message"] == "Unknown parameter limit"


LIST_PARAMS: dict[str, Any] = {
    "fields[]": ["last_name", "first_name"],
    "filter_text": "Doe",
    "filters[last_name]": "Doe",
    "order": "last_name desc",
    "offset": "0",
    "limit": "5",
    "query_favorite": "1",
}


@pytest.mark.parametrize("route", ["list", "related", "linked"])
def test_every_documented_list_parameter_is_taken(api: ApiClient, account: str, route: str) -> None:
    resp = api.get(urls(account)[route], params=LIST_PARAMS)
    assert resp.status_code == 200, resp.text
    assert [r["last_name"] for r in resp.json()["records"]] == ["Doe"]


def test_numbered_fields_are_taken(api: ApiClient, account: str) -> None:
    params = {"fields[0]": "last_name", "fields[1]": "first_name"}
    resp = api.get("/data/Contact", params=params)
    assert resp.status_code == 200, resp.text
    assert resp.json()["records"][0]["first_name"] == "Jane"


def test_a_single_record_takes_fields(api: ApiClient, account: str) -> None:
    resp = api.get(f"/data/Account/{account}", params={"fields[]": ["name"]})
    assert resp.status_code == 200, resp.text
    assert resp.json()["record"]["name"] == "Acme"


def test_the_error_is_translated(api: ApiClient, account: str) -> None:
    resp = api.get("/data/Contact", params={"page": "2"}, headers={"Accept-Language": "de"})
    assert resp.status_code == 400
    assert resp.json()["message"] == "Unbekannter Parameter page"
