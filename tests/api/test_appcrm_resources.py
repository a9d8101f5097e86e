"""The App CRM dialect at /api (seed 003): resources, bearer auth, paging, errors."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest

from amity.api.appcrm.plurals import plural
from tests.api.conftest import APPCRM_HEADERS as HEADERS
from tests.conftest import ApiClient


@pytest.fixture
def nobody(app: Any) -> Iterator[ApiClient]:
    client = ApiClient(app, HEADERS, base_url="http://testserver")
    yield client
    client.close()


def test_plurals_come_from_model_names(services: Any) -> None:
    models = services.records.registry.models
    assert plural(models["Contact"]) == "contacts"
    assert plural(models["Opportunity"]) == "opportunities"
    assert plural(models["aCase"]) == "cases"
    assert plural(models["Account"]) == "accounts"


def test_create_read_update_delete_flat_json(crm: ApiClient) -> None:
    made = crm.post("/api/accounts", json={"name": "Acme"})
    assert made.status_code == 201, made.text
    record = made.json()
    assert record["name"] == "Acme"
    got = crm.get(f"/api/accounts/{record['id']}")
    assert got.status_code == 200 and got.json()["name"] == "Acme"
    put = crm.put(f"/api/accounts/{record['id']}", json={"name": "Acme Ltd"})
    assert put.status_code == 200, put.text
    assert put.json()["name"] == "Acme Ltd"
    assert crm.delete(f"/api/accounts/{record['id']}").status_code == 204
    gone = crm.get(f"/api/accounts/{record['id']}")
    assert gone.status_code == 404 and set(gone.json()) == {"message"}


def test_unauthenticated_is_401(nobody: ApiClient) -> None:
    answer = nobody.get("/api/contacts")
    assert answer.status_code == 401
    assert answer.json() == {"message": "Unauthenticated."}
    bad = nobody.get("/api/contacts", headers={"Authorization": "Bearer amity_pat_wrong"})
    assert bad.status_code == 401 and bad.json() == {"message": "Unauthenticated."}


def test_origin_and_referer_never_cause_csrf_failure(crm: ApiClient) -> None:
    """The seed's trap: a bearer request carrying Origin or Referer is no browser one."""
    browserish = {"Origin": "https://evil.example", "Referer": "https://evil.example/x"}
    made = crm.post("/api/accounts", json={"name": "With origin"}, headers=browserish)
    assert made.status_code == 201, made.text
    record_id = made.json()["id"]
    assert (
        crm.put(
            f"/api/accounts/{record_id}", json={"name": "Still"}, headers=browserish
        ).status_code
        == 200
    )
    assert crm.delete(f"/api/accounts/{record_id}", headers=browserish).status_code == 204


def test_paging_envelope(crm: ApiClient) -> None:
    for n in range(17):
        assert crm.post("/api/accounts", json={"name": f"Paged {n:02}"}).status_code == 201
    first = crm.get("/api/accounts").json()
    assert len(first["data"]) == 15
    meta = first["meta"]
    assert meta["current_page"] == 1 and meta["per_page"] == 15 and meta["from"] == 1
    assert meta["to"] == 15 and meta["total"] == 17 and meta["last_page"] == 2
    assert meta["path"] == "http://testserver/api/accounts"
    assert first["links"]["prev"] is None and "page=2" in first["links"]["next"]
    second = crm.get("/api/accounts", params={"page": 2}).json()
    assert len(second["data"]) == 2 and second["links"]["next"] is None
    assert second["meta"]["from"] == 16 and second["meta"]["to"] == 17
    small = crm.get("/api/accounts", params={"per_page": 5}).json()
    assert len(small["data"]) == 5 and small["meta"]["last_page"] == 4
    assert len(crm.get("/api/accounts", params={"per_page": 100}).json()["data"]) == 17


@pytest.mark.parametrize("value", ["0", "101", "-1", "x", "1.5", "٣"])
def test_per_page_out_of_range_is_422(crm: ApiClient, value: str) -> None:
    answer = crm.get("/api/accounts", params={"per_page": value})
    assert answer.status_code == 422
    assert list(answer.json()["errors"]) == ["per_page"]
    if value != "101":  # a page past the last is an empty page
        assert crm.get("/api/accounts", params={"page": value}).status_code == 422


def test_invalid_field_value_is_422_on_that_field(crm: ApiClient) -> None:
    made = crm.post("/api/opportunities", json={"name": "Deal", "amount": "lots"})
    assert made.status_code == 422, made.text
    body = made.json()
    assert "message" in body and "amount" in body["errors"]


def test_unknown_resource_is_404(crm: ApiClient) -> None:
    answer = crm.get("/api/nothings")
    assert answer.status_code == 404 and set(answer.json()) == {"message"}


@pytest.mark.parametrize(
    "body", [b"[1, 2]", b"{", b'"text"', b"\xff\xfe", b'{"name": {"a": 1}}', b"null"]
)
def test_hostile_bodies_are_4xx(crm: ApiClient, body: bytes) -> None:
    answer = crm.post("/api/accounts", content=body)
    assert 400 <= answer.status_code < 500, answer.text
    assert "message" in answer.json()


@pytest.mark.parametrize("path", ["/api/accounts/%00", "/api/accounts/" + "x" * 5000, "/api/%00"])
def test_hostile_paths_are_4xx(crm: ApiClient, path: str) -> None:
    assert 400 <= crm.get(path).status_code < 500


def test_tokens_create_list_revoke(crm: ApiClient, nobody: ApiClient) -> None:
    made = crm.post("/api/tokens", json={"name": "zapier"})
    assert made.status_code == 201, made.text
    token = made.json()["token"]
    assert token.startswith("amity_pat_")
    listed = crm.get("/api/tokens").json()["data"]
    assert any(t["id"] == made.json()["id"] for t in listed)
    assert all("token" not in t and "token_hash" not in t for t in listed)
    auth = {"Authorization": f"Bearer {token}"}
    assert nobody.get("/api/accounts", headers=auth).status_code == 200
    assert crm.delete(f"/api/tokens/{made.json()['id']}").status_code == 204
    assert nobody.get("/api/accounts", headers=auth).status_code == 401
    assert crm.delete(f"/api/tokens/{made.json()['id']}").status_code == 404
