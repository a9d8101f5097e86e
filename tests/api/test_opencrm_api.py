"""The OpenCRM dialect at /api/rest (seed 004): key pairs, headers and access keys;
parameters as URL parameters, form fields or JSON; the entity end points; errors."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest

from amity.api.opencrm.entities import ENTITIES
from amity.core.services import Services
from tests.conftest import ApiClient, User

BASE = "http://testserver/api/rest"


@pytest.fixture
def keys(services: Services, admin: User) -> tuple[str, str]:
    return services.api_keys.create(admin.id)


@pytest.fixture
def oc(app: Any) -> Iterator[ApiClient]:
    client = ApiClient(app, base_url=BASE)
    yield client
    client.close()


def auth(keys: tuple[str, str]) -> dict[str, str]:
    return {"apikey": keys[0], "passkey": keys[1]}


def test_every_entity_maps_onto_model_fields(services: Services) -> None:
    models = services.records.registry.models
    for entity in ENTITIES.values():
        model = models[entity.model]
        for wire, name in entity.fields.items():
            assert name in model.fields, (entity.name, wire, name)
        for wire in entity.summary:
            assert wire in entity.fields, (entity.name, wire)


def test_company_create_get_update_list_count_delete(oc: ApiClient, keys: tuple[str, str]) -> None:
    made = oc.post("/edit_company", data={**auth(keys), "companyname": "Acme", "phone": "123"})
    assert made.status_code == 200, made.text
    body = made.json()
    assert body["status"] == "success"
    number = body["companyid"]
    assert isinstance(number, int)
    assert body["data"]["companyname"] == "Acme" and body["data"]["phone"] == "123"
    got = oc.get("/get_company", params={**auth(keys), "companyid": number})
    assert got.status_code == 200, got.text
    assert got.json()["data"]["companyname"] == "Acme"
    upd = oc.post(
        "/edit_company", data={**auth(keys), "companyid": str(number), "companyname": "Acme Ltd"}
    )
    assert upd.status_code == 200, upd.text
    assert upd.json()["data"]["companyname"] == "Acme Ltd"
    oc.post("/edit_company", data={**auth(keys), "companyname": "Beta"})
    listed = oc.get("/get_company_list", params={**auth(keys), "orderby": "companyname"})
    assert listed.status_code == 200, listed.text
    names = [r["companyname"] for r in listed.json()["data"]]
    assert names == ["Acme Ltd", "Beta"] and listed.json()["count"] == 2
    assert set(listed.json()["data"][0]) == {"companyid", *ENTITIES["company"].summary}
    full = oc.get("/get_company_list_full", params=auth(keys)).json()["data"][0]
    assert "bill_city" in full and "annualrevenue" in full
    count = oc.get("/get_company_list_count", params={**auth(keys), "companyname": "Beta"})
    assert count.json() == {"status": "success", "count": 1}
    gone = oc.post("/delete_company", data={**auth(keys), "companyid": str(number)})
    assert gone.status_code == 200 and gone.json()["companyid"] == number
    missing = oc.get("/get_company", params={**auth(keys), "companyid": number})
    assert missing.status_code == 404
    assert missing.json()["status"] == "error" and missing.json()["error"]


def test_contact_links_to_company_by_its_integer_id(oc: ApiClient, keys: tuple[str, str]) -> None:
    company = oc.post("/edit_company", data={**auth(keys), "companyname": "Acme"}).json()
    made = oc.post(
        "/edit_contact",
        json={
            **auth(keys),
            "firstname": "Ada",
            "lastname": "Lovelace",
            "companyid": company["companyid"],
        },
    )
    assert made.status_code == 200, made.text
    contact = made.json()["data"]
    assert contact["companyid"] == company["companyid"] and contact["lastname"] == "Lovelace"
    by_company = oc.get(
        "/get_contact_list", params={**auth(keys), "companyid": company["companyid"]}
    ).json()
    assert [r["contactid"] for r in by_company["data"]] == [contact["contactid"]]


def test_parameters_by_url_form_and_json(oc: ApiClient, keys: tuple[str, str]) -> None:
    by_url = oc.post("/edit_contact", params={**auth(keys), "lastname": "Url"})
    by_form = oc.post("/edit_contact", data={**auth(keys), "lastname": "Form"})
    by_json = oc.post("/edit_contact", json={**auth(keys), "lastname": "Json"})
    for answer in (by_url, by_form, by_json):
        assert answer.status_code == 200, answer.text
    names = {r["lastname"] for r in oc.get("/get_contact_list", params=auth(keys)).json()["data"]}
    assert names == {"Url", "Form", "Json"}


def test_headers_and_access_key(oc: ApiClient, keys: tuple[str, str], services: Services) -> None:
    headers = {"KEY1": keys[0], "KEY2": keys[1]}
    assert oc.get("/get_contact_list_count", headers=headers).status_code == 200
    login = oc.post("/login", data=auth(keys))
    assert login.status_code == 200, login.text
    access = login.json()["accesskey"]
    assert oc.get("/get_contact_list_count", params={"accesskey": access}).status_code == 200
    assert oc.post("/get_contact_list_count", json={"accesskey": access}).status_code == 200
    assert oc.get("/get_contact_list_count", params={"accesskey": "nope"}).status_code == 401


def test_access_key_expires_after_idle_period_and_slides(
    oc: ApiClient, keys: tuple[str, str], services: Services
) -> None:
    import sqlalchemy as sa

    from amity.core.auth.tokens import token_hash
    from amity.core.clock import utcnow

    access = oc.post("/login", data=auth(keys)).json()["accesskey"]
    table = services.db.tables.system("login_tokens")
    soon = utcnow() + __import__("datetime").timedelta(seconds=5)
    with services.db.write() as conn:
        conn.execute(
            sa.update(table).where(table.c.token_hash == token_hash(access)).values(expires=soon)
        )
    assert oc.get("/get_contact_list_count", params={"accesskey": access}).status_code == 200
    with services.db.read() as conn:
        expires = conn.execute(
            sa.select(table.c.expires).where(table.c.token_hash == token_hash(access))
        ).scalar()
    idle = services.settings.opencrm_accesskey_idle_seconds
    assert expires >= utcnow() + __import__("datetime").timedelta(seconds=idle - 5)  # slid
    past = utcnow() - __import__("datetime").timedelta(seconds=1)
    with services.db.write() as conn:
        conn.execute(
            sa.update(table).where(table.c.token_hash == token_hash(access)).values(expires=past)
        )
    stale = oc.get("/get_contact_list_count", params={"accesskey": access})
    assert stale.status_code == 401 and stale.json()["status"] == "error"
