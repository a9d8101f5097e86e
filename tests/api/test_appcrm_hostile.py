"""Hostile input to the App CRM API: injection-looking resource names, ids and paging values,
huge and malformed bodies, wrong types, bytes that are no UTF-8. Never a 5xx; always App
CRM's error shape ({"message"}, and for a 422 {"message", "errors": {key: [messages]}})."""

from __future__ import annotations

from typing import Any

import httpx
import pytest

from tests.api.conftest import APPCRM_HEADERS as HEADERS
from tests.conftest import ApiClient, User, raw_get

INJECTIONS = [
    "accounts' OR '1'='1",
    "accounts;DROP TABLE accounts",
    'accounts"--',
    "accounts%00",
    "%2e%2e",
    "Accounts",
    "accounts\u202e",
    "<script>alert(1)</script>",
    "${jndi:ldap://x}",
    "{{7*7}}",
    "a" * 5000,
    "%ff%fe",
    "tokens;",
    "custom-fields%2f..",
]


@pytest.fixture
def account_id(crm: ApiClient) -> str:
    made = crm.post("/api/accounts", json={"name": "Target"})
    assert made.status_code == 201, made.text
    return str(made.json()["id"])


def app_crm_error(answer: httpx.Response, *statuses: int) -> dict[str, Any]:
    """The answer is an App CRM error (of one of `statuses`, when given)."""
    assert answer.status_code < 500, answer.text
    assert answer.status_code >= 400, answer.text
    if statuses:
        assert answer.status_code in statuses, answer.text
    assert answer.headers["content-type"].startswith("application/json")
    body: dict[str, Any] = answer.json()
    assert isinstance(body.get("message"), str) and body["message"]
    if answer.status_code == 422:
        assert set(body) == {"message", "errors"}
        errors = body["errors"]
        assert isinstance(errors, dict) and errors
        for key, messages in errors.items():
            assert isinstance(key, str)
            assert isinstance(messages, list) and all(isinstance(m, str) for m in messages)
    else:
        assert set(body) == {"message"}
    return body


@pytest.mark.parametrize("resource", INJECTIONS)
def test_injection_looking_resource_names_are_404(crm: ApiClient, resource: str) -> None:
    for method in ("GET", "POST"):
        answer = crm.request(method, f"/api/{resource}", json={"name": "x"})
        app_crm_error(answer, 404, 405)
    app_crm_error(crm.put(f"/api/{resource}/1", json={"name": "x"}), 404, 405)
    app_crm_error(crm.delete(f"/api/{resource}/1"), 404, 405)


@pytest.mark.parametrize(
    "record_id",
    [
        "1' OR '1'='1",
        "1;DELETE FROM accounts",
        "%25",
        "*",
        "%",
        "_",
        "..%2f..%2fetc",
        "a" * 5000,
        "%00",
        "\U0001d518\U0001d52b\U0001d526",
        "%ff",
    ],
)
def test_injection_looking_ids_are_404(crm: ApiClient, account_id: str, record_id: str) -> None:
    app_crm_error(crm.get(f"/api/accounts/{record_id}"), 404)
    app_crm_error(crm.put(f"/api/accounts/{record_id}", json={"name": "Owned"}), 404)
    app_crm_error(crm.delete(f"/api/accounts/{record_id}"), 404)
    assert crm.get(f"/api/accounts/{account_id}").json()["name"] == "Target"


@pytest.mark.parametrize(
    "value",
    [
        "1;DROP TABLE accounts",
        "1 OR 1=1",
        "1e3",
        "99999999999999999999",
        "-0",
        "0x10",
        " 1",
        "\uff11",
        "1\x00",
        "[]",
        "1,2",
        "NaN",
        "Infinity",
    ],
)
@pytest.mark.parametrize("name", ["page", "per_page"])
def test_hostile_paging_values_are_422_on_that_parameter(
    crm: ApiClient, name: str, value: str
) -> None:
    body = app_crm_error(crm.get("/api/accounts", params={name: value}), 422)
    # a NUL is refused while the query is read, before any parameter is looked at
    assert list(body["errors"]) == (["request"] if "\x00" in value else [name])


@pytest.mark.parametrize(
    "query",
    [b"page=%ff", b"per_page=%c3%28", b"page[]=1", b"page[x]=2", b"%ff=1", b"page=1&page=2"],
)
def test_raw_query_strings_never_fail(app: Any, admin: User, query: bytes) -> None:
    status, body = raw_get(
        app,
        "/api/accounts",
        query,
        ((b"authorization", f"Bearer {admin.token}".encode()), (b"accept", b"application/json")),
    )
    assert status < 500, body
    assert status in (200, 422), body


def test_a_body_over_the_limit_is_413(crm: ApiClient) -> None:
    huge = b'{"name": "' + b"x" * (11 * 1024 * 1024) + b'"}'
    app_crm_error(crm.post("/api/accounts", content=huge), 413)


def test_a_long_value_is_422_on_its_field(crm: ApiClient, account_id: str) -> None:
    body = app_crm_error(crm.put(f"/api/accounts/{account_id}", json={"name": "x" * 100_000}), 422)
    assert list(body["errors"]) == ["name"]


@pytest.mark.parametrize(
    "raw",
    [
        b"{",
        b"[",
        b"{'name': 'x'}",
        b'{"name": NaN}',
        b'{"name": 1e400}',
        b'{"name": 1.5e400}',
        b'{"name": "x",}',
        b"[" * 5000 + b"]" * 5000,
        b'{"name": ' + b"[" * 1000 + b"1.5" + b"]" * 1000 + b"}",
        b'{"name": ' + b"[" * 900 + b"1.5" + b"]" * 900 + b', "x": 0.5}',
        b'{"name": ' + b"9" * 5000 + b"}",
        b'{"name": "x"} trailing',
        b"null",
        b'"text"',
        b"[1, 2]",
        b"\xef\xbb\xbf{}",
    ],
)
def test_malformed_json_is_an_app_crm_error(crm: ApiClient, account_id: str, raw: bytes) -> None:
    app_crm_error(crm.post("/api/accounts", content=raw))
    app_crm_error(crm.put(f"/api/accounts/{account_id}", content=raw))


@pytest.mark.parametrize(
    ("payload", "field"),
    [
        ({"name": ["x"]}, "name"),
        ({"name": {"a": 1}}, "name"),
        ({"name": 12}, "name"),
        ({"name": True}, "name"),
        ({"name": "x", "annual_revenue": {"$gt": ""}}, "annual_revenue"),
        ({"name": "x", "id": "chosen"}, "id"),
        ({"name": "x", "date_entered": "2020-01-01 00:00:00"}, "date_entered"),
        ({"name": "x", "deleted": 1}, "deleted"),
        ({"name": "x", "__proto__": {"admin": True}}, "__proto__"),
        ({"name": "x", "name' OR '1'='1": "y"}, "name' OR '1'='1"),
        ({"name": "x", "": 1}, ""),
    ],
)
def test_wrong_types_and_unknown_keys_are_422_on_the_key(
    crm: ApiClient, payload: dict[str, Any], field: str
) -> None:
    body = app_crm_error(crm.post("/api/accounts", json=payload), 422)
    assert list(body["errors"]) == [field]


@pytest.mark.parametrize(
    ("raw", "content_type"),
    [
        (b'{"name": "\xff\xfe"}', "application/json"),
        (b'{"name": "\xed\xa0\x80"}', "application/json"),  # a lone surrogate in UTF-8
        ('{"name": "Müller"}'.encode("utf-16"), "application/json"),
        ('{"name": "Müller"}'.encode("latin-1"), "application/json; charset=latin-1"),
        (b'{"name": "x"}', "text/plain"),
        (b"name=x", "application/x-www-form-urlencoded"),
        (b'{"name": "\\u0000"}', "application/json"),
        (b'{"name": "\\ud800"}', "application/json"),
    ],
)
def test_bytes_that_are_no_utf8_json_are_4xx(crm: ApiClient, raw: bytes, content_type: str) -> None:
    app_crm_error(crm.post("/api/accounts", content=raw, headers={"Content-Type": content_type}))


@pytest.mark.parametrize(
    "authorization",
    [
        "Bearer ' OR '1'='1",
        "Bearer " + "a" * 10000,
        "Basic Og==",
        "Bearer",
        "bearer  x",
        "Bearer \t",
    ],
)
def test_hostile_credentials_are_401(app: Any, authorization: str) -> None:
    client = ApiClient(
        app, {**HEADERS, "Authorization": authorization}, base_url="http://testserver"
    )
    try:
        body = app_crm_error(client.get("/api/accounts"), 401)
        assert body == {"message": "Unauthenticated."}
    finally:
        client.close()


def test_custom_fields_listing_takes_hostile_resources(crm: ApiClient) -> None:
    for resource in INJECTIONS:
        app_crm_error(crm.get("/api/custom-fields", params={"resource": resource}), 404)


@pytest.mark.parametrize(
    "query",
    [
        {"order": "name; DROP TABLE accounts"},
        {"order": "name) --"},
        {"order": "name|desc; DROP TABLE accounts"},
        {"order": "|" * 1000},
        {"order": ",".join(["name"] * 1000)},
        {"select": "name;id FROM users --"},
        {"select": "*"},
        {"select": ";".join(["name"] * 1000)},
        {"q": "x", "search_fields": "name' OR '1'='1:like"},
        {"q": "x", "search_fields": "name:like OR 1=1"},
        {"q": "x", "search_fields": "name:=;(SELECT 1):="},
        {"q": "x", "search_fields": "user_hash:="},
        {"q": "x", "search_fields": ";".join(["name:like"] * 1000)},
        {"q": "x", "search_match": "and 1=1"},
        {"q": "1 OR 1=1", "search_fields": "employees:="},
        {"q": "9" * 100, "search_fields": "employees:="},
        {"q": "2020-02-30", "search_fields": "date_entered:="},
        {"q": "1e999999", "search_fields": "credit_limit:="},
        {"sort": "name"},
        {"filter[name)--]": "x"},
        {"name; DROP TABLE accounts": "x"},
    ],
)
def test_hostile_list_parameters_are_422(
    crm: ApiClient, account_id: str, query: dict[str, str]
) -> None:
    """Names (of fields, operators, parameters) are checked, never pasted into SQL."""
    app_crm_error(crm.get("/api/accounts", params=query), 422)
    assert crm.get(f"/api/accounts/{account_id}").json()["name"] == "Target"


@pytest.mark.parametrize(
    "query",
    [
        {"q": "' OR '1'='1"},
        {"q": "' OR '1'='1", "search_fields": "name:like;billing_address_city:="},
        {"q": "x" * 60_000, "search_fields": "name:like"},
        {"q": "%", "search_fields": "name:like"},
        {"q": "_", "search_fields": "name:like"},
        {"q": "\\", "search_fields": "name:like", "search_match": "and"},
        {"q": "\u202e", "search_fields": "id:="},
        {"q": "\x00", "search_fields": "name:like"},
    ],
)
def test_hostile_search_values_match_nothing(
    crm: ApiClient, account_id: str, query: dict[str, str]
) -> None:
    answer = crm.get("/api/accounts", params=query)
    if answer.status_code == 200:
        assert answer.json()["data"] == [], answer.text  # matches nothing, breaks nothing
    else:
        app_crm_error(answer, 422)
    assert crm.get(f"/api/accounts/{account_id}").json()["name"] == "Target"
