"""Request parameters the 1CRM way: PHP bracket arrays, encodings, method override."""

from __future__ import annotations

import dataclasses
from typing import Any

import orjson
import pytest

from amity.api.params import list_param, parse_query
from amity.app import create_app
from amity.config import Settings
from amity.core.services import build_services
from amity.errors import BadRequest
from tests.conftest import ApiClient, User, raw_get


def api_get(app: Any, token: str, path: str, query: bytes) -> tuple[int, Any]:
    """GET /api.php + path with the query string's bytes exactly as given; decoded JSON."""
    status, body = raw_get(
        app, "/api.php" + path, query, ((b"authorization", f"Bearer {token}".encode()),)
    )
    return status, orjson.loads(body)


def assert_bad_request(response: Any, *words: str) -> None:
    assert response.status_code == 400, response.text
    body = response.json()
    assert set(body) == {"error", "message", "hint"}
    for word in words:
        assert word in body["message"], body


# -- parse_query ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    "query",
    [
        b"fields[0]=first_name&fields[1]=last_name",
        b"fields%5B0%5D=first_name&fields%5B1%5D=last_name",
        b"fields[]=first_name&fields[]=last_name",
        b"fields%5B%5D=first_name&fields%5b%5d=last_name",
        b"fields[1]=last_name&fields[0]=first_name",
    ],
)
def test_bracket_lists(query: bytes) -> None:
    assert parse_query(query) == {"fields": ["first_name", "last_name"]}


def test_bracket_objects_and_companions() -> None:
    parsed = parse_query(
        b"filters[first_name]=John&filters%5Bdate_due-operator%5D=before_date"
        b"&filters[date_due]=2024-01-31&filters[stage][]=a&filters[stage][]=b"
        b"&limit=5&order=last_name+desc"
    )
    assert parsed == {
        "filters": {
            "first_name": "John",
            "date_due-operator": "before_date",
            "date_due": "2024-01-31",
            "stage": ["a", "b"],
        },
        "limit": "5",
        "order": "last_name desc",
    }


def test_values_decode_utf8_raw_or_percent_encoded() -> None:
    raw = "filters[last_name]=Müller&filter_text=日本".encode()
    encoded = b"filters%5Blast_name%5D=M%C3%BCller&filter_text=%E6%97%A5%E6%9C%AC"
    expected = {"filters": {"last_name": "Müller"}, "filter_text": "日本"}
    assert parse_query(raw) == expected
    assert parse_query(encoded) == expected
    # reserved characters stay literal once encoded; + is a space
    assert parse_query(b"a=100%25+%26+b%3Dc&b=%5B%5D") == {"a": "100% & b=c", "b": "[]"}


@pytest.mark.parametrize(
    "query",
    [
        b"filter_text=%FF",
        b"filter_text=\xff",
        b"filter_text=\xc3",
        b"%C3(=x",
        b"filters[last_name]=%ED%A0%80",  # an encoded surrogate is not UTF-8
    ],
)
def test_invalid_utf8_is_bad_request(query: bytes) -> None:
    with pytest.raises(BadRequest, match="UTF-8"):
        parse_query(query)


@pytest.mark.parametrize(
    "query", [b"filter_text=a%00b", b"a%00=1", b"filters[x%00]=1", b"filter_text=a\x00b"]
)
def test_nul_is_bad_request(query: bytes) -> None:
    with pytest.raises(BadRequest, match="NUL"):
        parse_query(query)


@pytest.mark.parametrize(
    "query", [b"filters=x&filters[a]=b", b"a[b][c][d][e]=1", b"fields[0]=a&fields[0][x]=b"]
)
def test_conflicting_or_deep_brackets_are_bad_request(query: bytes) -> None:
    with pytest.raises(BadRequest):
        parse_query(query)


def test_list_param_skips_blank_names() -> None:
    assert list_param({"fields": ["", "email1", ""]}, "fields") == ["email1"]
    assert list_param({"fields": [""]}, "fields") is None
    assert list_param({"fields": "email1, last_name"}, "fields") == ["email1", "last_name"]
    with pytest.raises(BadRequest, match="fields"):
        list_param({"fields": {"a": "b"}}, "fields")


# -- the same over HTTP --------------------------------------------------------------------


@pytest.fixture
def contact(api: ApiClient) -> str:
    response = api.post(
        "/data/Contact",
        json={
            "data": {
                "salutation": "Dr.",
                "first_name": "Zoë",
                "last_name": "Müller",
                "email1": "zoe@example.com",
                "phone_work": "+1 555 0100",
                "title": "Chief",
            }
        },
    )
    assert response.status_code == 200
    api.post("/data/Contact", json={"data": {"first_name": "Zoe", "last_name": "Miller"}})
    return str(response.json()["id"])


EXPECTED_ROW_KEYS = {
    "id",
    "email1",
    "phone_work",
    "salutation",
    "first_name",
    "last_name",
    "name",
    "_display",
}


def test_fields_in_bracket_forms(api: ApiClient, contact: str) -> None:
    for query in (
        "fields[0]=email1&fields[1]=phone_work",
        "fields%5B0%5D=email1&fields%5B1%5D=phone_work",
        "fields[]=email1&fields[]=phone_work",
        "fields%5B%5D=email1&fields%5B%5D=phone_work",
    ):
        page = api.get(f"/data/Contact?{query}&filters[last_name]=M%C3%BCller").json()
        assert page["total_results"] == 1, query
        row = page["records"][0]
        assert set(row) == EXPECTED_ROW_KEYS, query
        assert row["id"] == contact
        assert row["email1"] == "zoe@example.com" and row["phone_work"] == "+1 555 0100"
        assert row["name"] == row["_display"] == "Zoë Müller"
        assert row["salutation"] == "Dr."


def test_fields_on_a_non_person_model(api: ApiClient) -> None:
    api.post("/data/Account", json={"data": {"name": "Acme", "industry": "Energy"}})
    row = api.get("/data/Account?fields[]=industry").json()["records"][0]
    assert set(row) == {"id", "industry", "name", "_display"}
    assert row["_display"] == "Acme"


def test_blank_fields_entry_gives_default_fields(api: ApiClient, contact: str) -> None:
    page = api.get("/data/Contact?fields[]=&filters[last_name]=Müller").json()
    assert set(page["records"][0]) == {
        "id",
        "salutation",
        "first_name",
        "last_name",
        "name",
        "_display",
    }


def test_unknown_field_is_named(api: ApiClient, contact: str) -> None:
    response = api.get("/data/Contact?fields[0]=email1&fields[1]=emial9")
    assert_bad_request(response, "emial9")
    assert_bad_request(api.get(f"/data/Contact/{contact}?fields[]=nope_field"), "nope_field")


def test_filters_in_bracket_forms(api: ApiClient, contact: str) -> None:
    for query in (
        "filters[first_name]=Zo%C3%AB",
        "filters%5Bfirst_name%5D=Zo%C3%AB",
        "filters%5bfirst_name%5d=zo%c3%ab",
    ):
        page = api.get(f"/data/Contact?{query}").json()
        assert [r["id"] for r in page["records"]] == [contact], query


def test_filter_operator_companion_forms(api: ApiClient, contact: str) -> None:
    for query in (
        "filters[date_entered-operator]=today",
        "filters%5Bdate_entered-operator%5D=today",
    ):
        assert api.get(f"/data/Contact?{query}").json()["total_results"] == 2
    for query in (
        "filters[date_entered-operator]=tomorrow",
        "filters%5Bdate_entered-operator%5D=tomorrow",
    ):
        assert api.get(f"/data/Contact?{query}").json()["total_results"] == 0


def test_raw_utf8_bytes_in_values(app: Any, admin: User, contact: str) -> None:
    status, body = api_get(
        app, admin.token, "/data/Contact", "filters[first_name]=Zoë&fields[]=email1".encode()
    )
    assert status == 200, body
    assert [r["id"] for r in body["records"]] == [contact]
    status, body = api_get(app, admin.token, "/data/Contact", "filter_text=Müller".encode())
    assert status == 200 and [r["id"] for r in body["records"]] == [contact]


def test_invalid_utf8_over_http(app: Any, admin: User, contact: str) -> None:
    for query in (
        b"filter_text=%FF",
        b"filter_text=\xff\xfe",
        b"filters[first_name]=Zo\xc3",
        b"fields%5B%FF%5D=x",
    ):
        status, body = api_get(app, admin.token, "/data/Contact", query)
        assert status == 400, query
        assert body["error"] == "bad_request" and "UTF-8" in body["message"]


def test_nul_over_http(api: ApiClient, contact: str) -> None:
    for query in (
        "filter_text=a%00",
        "filters[first_name]=%00Zo",
        "fields[]=email1%00",
        "order=last_name%00",
    ):
        assert_bad_request(api.get(f"/data/Contact?{query}"), "NUL")


def test_special_characters_in_values_survive_encoding(api: ApiClient) -> None:
    api.post("/data/Account", json={"data": {"name": "A&B [Holdings] #1 + Co"}})
    api.post("/data/Account", json={"data": {"name": "A"}})
    page = api.get("/data/Account?filters[name]=A%26B%20%5BHoldings%5D%20%231%20%2B").json()
    assert [r["name"] for r in page["records"]] == ["A&B [Holdings] #1 + Co"]
    page = api.get("/data/Account", params={"filters[name]": "A&B [Holdings] #1 +"}).json()
    assert page["total_results"] == 1


def test_method_override_acts_as_patch(api: ApiClient, contact: str) -> None:
    response = api.post(
        f"/data/Contact/{contact}",
        headers={"X-HTTP-Method-Override": "PATCH"},
        json={"data": {"title": "Overridden"}},
    )
    assert response.status_code == 200 and response.json() == {"result": True}
    assert api.get(f"/data/Contact/{contact}").json()["record"]["title"] == "Overridden"
    response = api.post(
        "/data/Contact/new-by-override",
        headers={"x-http-method-override": "patch"},
        json={"data": {"last_name": "Upserted"}, "create": True},
    )
    assert response.status_code == 200
    assert api.get("/data/Contact/new-by-override").json()["record"]["last_name"] == "Upserted"


def test_method_override_acts_as_delete(api: ApiClient, contact: str) -> None:
    response = api.post(f"/data/Contact/{contact}", headers={"X-HTTP-Method-Override": "DELETE"})
    assert response.status_code == 200 and response.json() == {"result": True}
    assert api.get(f"/data/Contact/{contact}").status_code == 404
    assert api.get("/data/Contact").json()["total_results"] == 1


def test_override_applies_only_to_post(api: ApiClient, contact: str) -> None:
    response = api.get(f"/data/Contact/{contact}", headers={"X-HTTP-Method-Override": "DELETE"})
    assert response.status_code == 200
    assert api.get(f"/data/Contact/{contact}").status_code == 200
    # without the header a POST to a record is not a PATCH
    response = api.post(f"/data/Contact/{contact}", json={"data": {"title": "x"}})
    assert response.status_code == 405
    assert api.get(f"/data/Contact/{contact}").json()["record"]["title"] == "Chief"


# -- request bodies ----------------------------------------------------------------------------
def test_every_body_is_held_to_the_apps_limit(settings: Settings, admin: User) -> None:
    """read_json and read_body take AMITY_MAX_BODY_BYTES from the app's settings; the OAuth
    token endpoint keeps a limit of its own (64 KiB)."""
    small = dataclasses.replace(settings, max_body_bytes=100, session_auth=True)
    services = build_services(small)
    client = ApiClient(create_app(small, services), {"Authorization": f"Bearer {admin.token}"})
    large = {"name": "x" * 200}
    try:
        refused = [
            client.post("/admin/fields/Account", json=large),
            client.post("/admin/roles", json=large),
            client.put("/admin/layouts/Contact/list/Big", json=large),
            client.post("/data/Contact", json={"data": large}),
            client.post("/session", json={"user_name": "x" * 200, "password": "y"}),
        ]
        token = client.post(
            "/auth/user/access_token",
            json={"grant_type": "client_credentials", "client_id": "x" * 200, "client_secret": "y"},
        )
    finally:
        client.close()
        services.close()
    assert [(r.status_code, r.json()["message"]) for r in refused] == [
        (413, "Request body larger than 100 bytes")
    ] * len(refused)
    assert token.json()["error"] == "invalid_client", token.text  # read, not refused as large
