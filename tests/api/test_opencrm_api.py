"""The OpenCRM dialect at /api/rest (seed 004): key pairs, headers and access keys;
parameters as URL parameters, form fields or JSON; the entity end points; errors."""

from __future__ import annotations

import time
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


def test_missing_wrong_rotated_and_deactivated_credentials_are_401(
    oc: ApiClient, keys: tuple[str, str], services: Services, admin: User
) -> None:
    none = oc.get("/get_contact_list")
    assert none.status_code == 401
    assert none.json() == {"status": "error", "error": "Authentication required"}
    wrong = oc.get("/get_contact_list", params={"apikey": keys[0], "passkey": "ocp_wrong"})
    assert wrong.status_code == 401 and wrong.json()["status"] == "error"
    half = oc.get("/get_contact_list", headers={"KEY1": keys[0]})
    assert half.status_code == 401
    bearer = oc.get("/get_contact_list", headers={"Authorization": f"Bearer {admin.token}"})
    assert bearer.status_code == 401  # the dialect takes its own credentials only
    services.auth.add_user(admin.actor, "ursula", None)
    user_id = services.auth.user_by_name("ursula")["id"]
    first = services.api_keys.create(user_id)
    access = oc.post("/login", data=auth(first)).json()["accesskey"]
    second = services.api_keys.create(user_id)  # rotation: the old pair and its access keys go
    assert oc.get("/get_contact_list", params=auth(first)).status_code == 401
    assert oc.get("/get_contact_list", params={"accesskey": access}).status_code == 401
    assert oc.get("/get_contact_list", params=auth(second)).status_code == 200
    access = oc.post("/login", data=auth(second)).json()["accesskey"]
    services.auth.set_active(admin.actor, "ursula", False)
    assert oc.get("/get_contact_list", params=auth(second)).status_code == 401
    assert oc.get("/get_contact_list", params={"accesskey": access}).status_code == 401
    assert oc.post("/get_contact_list", data=auth(second)).status_code == 401
    assert oc.post("/login", data=auth(second)).status_code == 401


def test_keys_are_stored_only_as_hashes(oc: ApiClient, services: Services, admin: User) -> None:
    import sqlalchemy as sa

    from amity.core.auth.tokens import token_hash

    api_key, pass_key = services.api_keys.create(admin.id)
    pair = {"apikey": api_key, "passkey": pass_key}
    access = oc.post("/login", data=pair).json()["accesskey"]
    oc.post("/edit_company", data={**pair, "companyname": "Stored"})
    oc.get("/get_company_list", params={"accesskey": access})
    services.api_log.flush()
    dump = []
    with services.db.read() as conn:
        for table in services.db.tables.metadata.sorted_tables:
            for row in conn.execute(sa.select(table)):
                dump.append(" ".join(str(v) for v in row))
    text = "\n".join(dump)
    for secret in (api_key, pass_key, access):
        assert secret not in text
        assert token_hash(secret) in text


def test_writes_show_in_the_audit_as_made_by_the_api_from_the_callers_ip(
    oc: ApiClient, keys: tuple[str, str], api: ApiClient, admin: User, services: Services
) -> None:
    made = oc.post("/edit_contact", data={**auth(keys), "lastname": "Audited"}).json()
    oc.post("/edit_contact", data={**auth(keys), "contactid": made["contactid"], "firstname": "A"})
    found = services.record_numbers.record(made["contactid"])
    assert found is not None
    rows = api.get(f"/audit/Contact/{found[1]}").json()["records"]
    assert rows and {r["source"] for r in rows} == {"opencrm 127.0.0.1"}
    assert {r["created_by"] for r in rows} == {admin.id}
    history = services.api_log.history("Contact", found[1])
    assert [h["source"] for h in history] == ["opencrm 127.0.0.1"] * 2


def test_every_call_is_logged_without_any_key(
    oc: ApiClient, keys: tuple[str, str], api: ApiClient, services: Services
) -> None:
    import logging

    lines: list[str] = []

    class Keep(logging.Handler):
        def emit(self, record: logging.LogRecord) -> None:
            lines.append(record.getMessage())

    request_log = logging.getLogger("amity.requests")
    handler, level = Keep(), request_log.level
    request_log.addHandler(handler)
    request_log.setLevel(logging.INFO)
    try:
        check_logs(oc, keys, api, services, lines)
    finally:
        request_log.removeHandler(handler)
        request_log.setLevel(level)


def check_logs(
    oc: ApiClient, keys: tuple[str, str], api: ApiClient, services: Services, lines: list[str]
) -> None:
    services.api_log.flush()
    access = oc.post("/login", json=auth(keys)).json()["accesskey"]
    oc.get("/get_company_list", params=auth(keys))
    oc.get("/get_company_list", params={"accesskey": access})
    oc.get("/get_company_list/dateTimeOverride/c", headers={"KEY1": keys[0], "KEY2": keys[1]})
    oc.post("/edit_company", data={**auth(keys), "companyname": "Logged"})
    oc.get("/get_company_list", params={"apikey": keys[0], "passkey": "wrong-pass"})
    for _ in range(50):  # a background flush may be committing its batch meanwhile
        services.api_log.flush()
        rows = api.get("/admin/api_calls", params={"limit": 50}).json()["records"]
        paths = [r["path"] for r in rows if r["path"].startswith("/api/rest/")]
        if len(paths) >= 6:
            break
        time.sleep(0.1)
    assert len(paths) == 6, paths
    mine = [r for r in rows if r["path"].startswith("/api/rest/get_company_list")]
    assert {r["credential"] for r in mine} >= {"apikey"}
    assert sum("/api/rest/" in line for line in lines) == 6, lines
    everything = repr(rows) + "\n".join(lines)
    for secret in (*keys, access, "wrong-pass"):
        assert secret not in everything


@pytest.mark.parametrize(
    "path,params",
    [
        ("/get_company_list", {"companyname' OR 1=1 --": "x"}),
        ("/get_company_list", {"orderby": "name; DROP TABLE accounts"}),
        ("/get_company_list", {"orderdir": "sideways", "orderby": "companyname"}),
        ("/get_company_list", {"limit": "9" * 40}),
        ("/get_company_list", {"limit": "-1"}),
        ("/get_company_list", {"offset": "1e9"}),
        ("/get_company_list", {"companyid": "1 OR 1=1"}),
        ("/get_company", {"companyid": "' OR ''='"}),
        ("/get_company", {"companyid": "9" * 50}),
        ("/get_company", {}),
        ("/get_company_list", {"change_assignedidtouser": "companyname"}),
        ("/get_company_list/dateTimeOverride/" + "Y" * 500, {}),
        ("/get_company_list/dateTimeOverride", {}),
        ("/get_company_list/sideways/c", {}),
        ("/get_nothing_list", {}),
        ("/edit_company", {"no_such_field": "x"}),
        ("/edit_company", {"companyname": "x" * 100_000}),
        ("/edit_company", {"employees": "many"}),
        ("/edit_company", {"companyid": "123456789"}),
        ("/delete_company", {"companyid": "abc"}),
        ("/get_company_list", {"modifiedtime": "not a date"}),
    ],
)
def test_hostile_input_is_a_client_error_in_the_error_shape(
    oc: ApiClient, keys: tuple[str, str], path: str, params: dict[str, str]
) -> None:
    answer = oc.post(path, data={**auth(keys), **params})
    assert 400 <= answer.status_code < 500, (answer.status_code, answer.text[:300])
    body = answer.json()
    assert set(body) == {"status", "error"} and body["status"] == "error", body


def test_bad_bodies_are_client_errors(oc: ApiClient, keys: tuple[str, str]) -> None:
    for content, kind in (
        (b"{not json", "application/json"),
        (b"[1, 2]", "application/json"),
        (b"<xml/>", "text/xml"),
        (b"--x\r\n", "multipart/form-data; boundary=x"),
    ):
        answer = oc.post(
            "/get_company_list", params=auth(keys), content=content, headers={"Content-Type": kind}
        )
        assert 400 <= answer.status_code < 500, (kind, answer.text)
        assert answer.json()["status"] == "error"


def test_date_overrides_and_user_names(
    oc: ApiClient, keys: tuple[str, str], services: Services, admin: User
) -> None:
    made = oc.post(
        "/edit_contact",
        data={**auth(keys), "lastname": "Dated", "birthday": "2015-08-04"},
    ).json()
    number = made["contactid"]
    record_id = services.record_numbers.record(number)
    assert record_id is not None
    services.records.update(
        admin.actor, "Contact", record_id[1], {"email_opt_in_date": "2015-08-04 15:04:01"}
    )
    plain = oc.get("/get_contact", params={**auth(keys), "contactid": number}).json()["data"]
    assert plain["birthday"] == "2015-08-04"
    assert plain["email_opt_in_date"] == "2015-08-04 15:04:01"
    fmt = oc.get(
        "/get_contact/dateTimeOverride/d_F_Y_H:i/dateOverride/d*m*Y",
        params={**auth(keys), "contactid": number},
    ).json()["data"]
    assert fmt["email_opt_in_date"] == "04 August 2015 15:04"
    assert fmt["birthday"] == "04/08/2015"
    iso = oc.get(
        "/get_contact_list_full/dateTimeOverride/c/dateOverride/c", params=auth(keys)
    ).json()["data"][0]
    assert iso["email_opt_in_date"] == "2015-08-04T15:04:01+00:00"
    assert iso["birthday"] == "2015-08-04T00:00:00+00:00"
    named = oc.get(
        "/get_contact",
        params={
            **auth(keys),
            "contactid": number,
            "change_assignedidtouser": "assigned_user_id,created_by",
        },
    ).json()["data"]
    assert named["assigned_user_id"] == "admin" and named["created_by"] == "admin"
    assert plain["assigned_user_id"] == admin.id


def test_every_entity_family_answers(oc: ApiClient, keys: tuple[str, str]) -> None:
    for name in ENTITIES:
        for end_point in (f"get_{name}_list", f"get_{name}_list_count", f"get_{name}_list_full"):
            answer = oc.get(f"/{end_point}", params=auth(keys))
            assert answer.status_code == 200, (end_point, answer.text)
            assert answer.json()["status"] == "success"


def test_a_trailing_slash_is_the_same_end_point(oc: ApiClient, keys: tuple[str, str]) -> None:
    answer = oc.get("/get_company_list_count/", params=auth(keys))
    assert answer.status_code == 200 and answer.json()["count"] == 0


@pytest.mark.parametrize(
    "payload",
    [
        {"companyname": {"nested": ["x"]}},
        {"companyname": ["a", "b"]},
        {"employees": 10**40},
        {"companyid": [1]},
        {"companyid": True},
        {"deleted": True},
        {"id": "x"},
    ],
)
def test_hostile_json_values_are_client_errors(
    oc: ApiClient, keys: tuple[str, str], payload: dict[str, Any]
) -> None:
    for end_point in ("/edit_company", "/get_company_list"):
        answer = oc.post(end_point, json={**auth(keys), **payload})
        assert 400 <= answer.status_code < 500, (end_point, payload, answer.text[:300])
        assert answer.json()["status"] == "error"


def minimal_record(services: Services, entity_name: str, company: int) -> dict[str, str]:
    """Wire values for the required fields of the entity's model."""
    entity = ENTITIES[entity_name]
    model = services.records.registry.models[entity.model]
    data: dict[str, str] = {}
    for name, fd in model.fields.items():
        if not fd.required or fd.system:
            continue
        if fd.type == "ref":
            data[entity.wire_name(str(fd.id_name))] = str(company)
        elif fd.type == "enum":
            data[entity.wire_name(name)] = fd.options[0]
        elif fd.type == "date":
            data[entity.wire_name(name)] = "2030-01-31"
        else:
            data[entity.wire_name(name)] = f"A {entity_name}"
    return data


@pytest.mark.parametrize("name", sorted(ENTITIES))
def test_each_entity_round_trips(
    oc: ApiClient, keys: tuple[str, str], services: Services, name: str
) -> None:
    entity = ENTITIES[name]
    company = oc.post("/edit_company", data={**auth(keys), "companyname": "Parent"}).json()
    data = minimal_record(services, name, company["companyid"])
    made = oc.post(f"/edit_{name}", data={**auth(keys), **data})
    assert made.status_code == 200, made.text
    number = made.json()[entity.id_field]
    got = oc.get(f"/get_{name}", params={**auth(keys), entity.id_field: number})
    assert got.status_code == 200, got.text
    for wire, value in data.items():
        assert str(got.json()["data"][wire]) == value, wire
    listed = oc.get(f"/get_{name}_list", params=auth(keys)).json()
    assert number in [r[entity.id_field] for r in listed["data"]]
    changed = oc.post(
        f"/edit_{name}",
        data={**auth(keys), entity.id_field: str(number), "description": "changed"},
    )
    assert changed.status_code == 200, changed.text
    assert changed.json()["data"]["description"] == "changed"
    gone = oc.post(f"/delete_{name}", data={**auth(keys), entity.id_field: str(number)})
    assert gone.status_code == 200, gone.text
    again = oc.get(f"/get_{name}", params={**auth(keys), entity.id_field: number})
    assert again.status_code == 404


def test_an_idempotency_key_replays_a_create(oc: ApiClient, keys: tuple[str, str]) -> None:
    headers = {"Idempotency-Key": "make-acme-once", "KEY1": keys[0], "KEY2": keys[1]}
    first = oc.post("/edit_company", data={"companyname": "Once"}, headers=headers)
    second = oc.post("/edit_company", data={"companyname": "Once"}, headers=headers)
    assert first.status_code == second.status_code == 200, second.text
    assert first.json() == second.json()
    assert second.headers.get("Idempotent-Replayed") == "true"
    count = oc.get("/get_company_list_count", params=auth(keys)).json()["count"]
    assert count == 1


def test_custom_fields_keep_their_amity_names(
    oc: ApiClient, keys: tuple[str, str], api: ApiClient
) -> None:
    added = api.post("/admin/fields/Account", json={"name": "region_c", "type": "Text"})
    assert added.status_code == 200, added.text
    name = added.json()["record"]["name"]
    made = oc.post("/edit_company", data={**auth(keys), "companyname": "Cust", name: "North"})
    assert made.status_code == 200, made.text
    assert made.json()["data"][name] == "North"
    listed = oc.get("/get_company_list", params={**auth(keys), name: "North"}).json()
    assert listed["count"] == 1
