"""Bad input: every error is {"error", "message", "hint"} with the right status, never a 500,
and a refused write leaves nothing behind."""

from __future__ import annotations

from typing import Any

import pytest

from tests.conftest import ApiClient

ENVELOPE = {"error", "message", "hint"}


def create(api: ApiClient, model: str, data: dict[str, Any]) -> str:
    resp = api.post(f"/data/{model}", json={"data": data})
    assert resp.status_code == 200, resp.text
    return str(resp.json()["id"])


def count(api: ApiClient, model: str) -> int:
    resp = api.get(f"/data/{model}")
    assert resp.status_code == 200, resp.text
    return int(resp.json()["total_results"])


def error_of(resp: Any, status: int) -> dict[str, Any]:
    """The error body, after checking status, envelope and value types."""
    assert resp.status_code == status, (resp.status_code, resp.text[:300])
    assert resp.headers["content-type"].startswith("application/json")
    body = resp.json()
    assert set(body) == ENVELOPE, body
    assert all(isinstance(body[k], str) for k in ENVELOPE), body
    assert body["message"]
    return dict(body)


# -- unknown things --------------------------------------------------------------------------
@pytest.mark.parametrize(
    "method,path",
    [
        ("GET", "/data/Acount"),
        ("POST", "/data/Acount"),
        ("GET", "/data/Acount/123"),
        ("PATCH", "/data/Acount/123"),
        ("DELETE", "/data/Acount/123"),
        ("GET", "/data/Acount/123/contacts"),
        ("GET", "/meta/fields/Acount"),
    ],
)
def test_unknown_model_is_404_in_1crm_words(api: ApiClient, method: str, path: str) -> None:
    payload = {"json": {"data": {"name": "x"}}} if method in ("POST", "PATCH") else {}
    body = error_of(api.request(method, path, **payload), 404)
    assert body["message"] == "Model Acount not found"
    assert body["error"] == "not_found"


def test_unknown_id_is_404(api: ApiClient) -> None:
    body = error_of(api.get("/data/Account/7eba2a01-6cb6-f38c-d4c2-5a8fc2def9d2"), 404)
    assert body["error"] == "not_found"
    error_of(api.delete("/data/Account/7eba2a01-6cb6-f38c-d4c2-5a8fc2def9d2"), 404)


def test_unknown_path_is_404(api: ApiClient, anon: ApiClient) -> None:
    assert error_of(api.get("/no/such/endpoint"), 404)["error"] == "not_found"
    error_of(anon.get("/no/such/endpoint"), 404)
    error_of(api.get("/data/Account/1/contacts/2/extra"), 404)


@pytest.mark.parametrize(
    "method,path",
    [
        ("PATCH", "/data/Account"),
        ("DELETE", "/data/Account"),
        ("PUT", "/data/link/Account/linked-records/contacts"),
        ("POST", "/version"),
    ],
)
def test_wrong_method_is_405(api: ApiClient, method: str, path: str) -> None:
    assert error_of(api.request(method, path), 405)["error"] == "method_not_allowed"


# -- what `data` may hold --------------------------------------------------------------------
def test_unknown_field_is_400_naming_it(api: ApiClient) -> None:
    body = error_of(api.post("/data/Account", json={"data": {"name": "A", "colour": "red"}}), 400)
    assert "colour" in body["message"]
    assert count(api, "Account") == 0


WRONG_TYPES = [
    ("Account", "employees", "many", "int"),
    ("Account", "employees", 3.5, "int"),
    ("Account", "employees", True, "int"),
    ("Account", "is_supplier", "maybe", "bool"),
    ("Account", "is_supplier", 2, "bool"),
    ("Contact", "birthdate", "31/12/2020", "date"),
    ("Contact", "birthdate", "2023-02-29", "date"),
    ("Call", "date_start", "2024-13-01 10:00:00", "datetime"),
    ("Call", "date_start", "tomorrow", "datetime"),
    ("Account", "account_type", "Friend", "enum"),
    ("Account", "account_type", 7, "enum"),
    ("Account", "email1", "not-an-email", "email"),
    ("Account", "website", "javascript:alert(1)", "url"),
    ("Account", "balance", 12.345, "currency"),
    ("Account", "balance", "twelve", "currency"),
    ("Opportunity", "amount", 1.001, "currency"),
    ("Account", "sic_code", "12345678901", "varchar"),
    ("Account", "name", "x" * 151, "name"),
    ("Account", "name", {"first": "A"}, "name"),
    ("Account", "name", ["A"], "name"),
    ("Product", "weight", "heavy", "float"),
]
BASE = {
    "Account": {"name": "Acme"},
    "Contact": {"last_name": "Lee"},
    "Call": {"name": "Call", "date_start": "2024-01-01 10:00:00"},
    "Opportunity": {"name": "Deal", "date_closed": "2024-01-01"},
    "Product": {"name": "Widget"},
}


@pytest.mark.parametrize("model,field,value,type_name", WRONG_TYPES)
def test_wrong_type_is_400_naming_field_and_type(
    api: ApiClient, model: str, field: str, value: Any, type_name: str
) -> None:
    resp = api.post(f"/data/{model}", json={"data": {**BASE[model], field: value}})
    body = error_of(resp, 400)
    assert field in body["message"] and type_name in body["message"], body
    assert count(api, model) == 0
    # the same value is refused on update, and the record keeps its old value
    record_id = create(api, model, BASE[model])
    before = api.get(f"/data/{model}/{record_id}").json()["record"]
    error_of(api.patch(f"/data/{model}/{record_id}", json={"data": {field: value}}), 400)
    assert api.get(f"/data/{model}/{record_id}").json()["record"] == before


@pytest.mark.parametrize(
    "model,data,missing",
    [
        ("Account", {}, "name"),
        ("Account", {"name": ""}, "name"),
        ("Account", {"name": None}, "name"),
        ("Contact", {"first_name": "Ann"}, "last_name"),
        ("Opportunity", {"name": "Deal"}, "date_closed"),
        (
            "Project",
            {"name": "P", "date_starting": "2024-01-01", "date_ending": "2024-02-01"},
            "account_id",
        ),
    ],
)
def test_missing_required_field_is_400(
    api: ApiClient, model: str, data: dict[str, Any], missing: str
) -> None:
    body = error_of(api.post(f"/data/{model}", json={"data": data}), 400)
    assert missing in body["message"]
    assert count(api, model) == 0


def test_required_field_cannot_be_cleared(api: ApiClient) -> None:
    record_id = create(api, "Account", {"name": "Acme"})
    error_of(api.patch(f"/data/Account/{record_id}", json={"data": {"name": ""}}), 400)
    assert api.get(f"/data/Account/{record_id}").json()["record"]["name"] == "Acme"


@pytest.mark.parametrize(
    "field,value",
    [
        ("id", "7eba2a01-6cb6-f38c-d4c2-5a8fc2def9d2"),
        ("date_entered", "2020-01-01 00:00:00"),
        ("date_modified", "2020-01-01 00:00:00"),
        ("created_by", "1"),
        ("modified_user_id", "1"),
        ("deleted", True),
        ("assigned_user", "Administrator"),
        ("created_by_user", "Administrator"),
        ("name", "Ann Lee"),
        ("primary_account", "Acme"),
    ],
)
def test_system_and_display_fields_are_not_writable(api: ApiClient, field: str, value: Any) -> None:
    body = error_of(
        api.post("/data/Contact", json={"data": {"last_name": "Lee", field: value}}), 400
    )
    assert field in body["message"]
    assert count(api, "Contact") == 0
    record_id = create(api, "Contact", {"last_name": "Lee"})
    before = api.get(f"/data/Contact/{record_id}").json()["record"]
    error_of(api.patch(f"/data/Contact/{record_id}", json={"data": {field: value}}), 400)
    assert api.get(f"/data/Contact/{record_id}").json()["record"] == before


def test_case_number_is_not_writable(api: ApiClient) -> None:
    body = error_of(api.post("/data/aCase", json={"data": {"name": "C", "case_number": 5}}), 400)
    assert "case_number" in body["message"]


def test_reference_to_a_missing_record_is_400(api: ApiClient) -> None:
    body = error_of(
        api.post(
            "/data/Contact",
            json={"data": {"last_name": "Lee", "primary_account_id": "no-such-account"}},
        ),
        400,
    )
    assert "primary_account_id" in body["message"]
    error_of(
        api.post(
            "/data/Task",
            json={"data": {"name": "T", "parent_type": "Account", "parent_id": "nope"}},
        ),
        400,
    )
    error_of(api.post("/data/Task", json={"data": {"name": "T", "parent_id": "nope"}}), 400)
    assert count(api, "Contact") == 0 and count(api, "Task") == 0


# -- request bodies --------------------------------------------------------------------------
JSON = {"Content-Type": "application/json"}


@pytest.mark.parametrize(
    "raw,status",
    [
        (b'{"data": {"name": "Acme"', 400),  # malformed
        (b"{'data': {}}", 400),
        (b'{"data": "Acme"}', 400),  # data not an object
        (b'{"data": ["name", "Acme"]}', 400),
        (b'{"data": null}', 400),
        (b'["data", {"name": "Acme"}]', 400),  # body not an object
        (b'"Acme"', 400),
        (b"42", 400),
        (b"{}", 400),  # no data at all
        (b'{"name": "Acme"}', 400),
        (b"[" * 100000, 400),  # nested far too deeply
        (b'{"data": {"name": ' + b"[" * 5000 + b"]" * 5000 + b"}}", 400),
        (b'{"data": {"name": "Acme", "employees": 1000000000000000000000000000000}}', 400),
        (b'{"data": {"name": "Acme", "employees": 1e400}}', 400),
        (b'{"data": {"name": "Acme", "balance": 1e400}}', 400),
        (b'{"data": {"name": "Acme", "balance": 1000000000000000000000000000000}}', 400),
        (b'{"data": {"name": "Acme", "employees": 18446744073709551616}}', 400),
        (b'{"data": {"name": "Ac\\u0000me"}}', 400),  # NUL escaped in JSON
        (b'{"data": {"name": "Acme", "description": "a\\u0000b"}}', 400),
        (b'{"data": {"name\\u0000": "Acme"}}', 400),
        (b'{"data": {"name": "Ac\xffme"}}', 400),  # invalid UTF-8
        (b'{"data": {"name": "Ac\xc3me"}}', 400),
        (b'{"data": {"name": "\\ud800"}}', 400),  # a lone surrogate
        (b"\xff\xfe{\x00}\x00", 400),
    ],
)
def test_bad_bodies_are_4xx_and_write_nothing(api: ApiClient, raw: bytes, status: int) -> None:
    error_of(api.post("/data/Account", content=raw, headers=JSON), status)
    assert count(api, "Account") == 0


def test_bad_bodies_on_update_change_nothing(api: ApiClient) -> None:
    record_id = create(api, "Account", {"name": "Acme"})
    before = api.get(f"/data/Account/{record_id}").json()["record"]
    for raw in (
        b'{"data": {"name": "X"',
        b'{"data": "X"}',
        b"[1]",
        b"[" * 100000,
        b'{"data": {"name": "X\\u0000"}}',
        b'{"data": {"name": "\xff"}}',
        b'{"data": {"name": "X"}, "create": "perhaps"}',
    ):
        error_of(api.patch(f"/data/Account/{record_id}", content=raw, headers=JSON), 400)
    assert api.get(f"/data/Account/{record_id}").json()["record"] == before


@pytest.mark.parametrize(
    "content_type",
    ["text/plain", "application/x-www-form-urlencoded", "multipart/form-data; boundary=x", None],
)
def test_wrong_content_type_is_415(api: ApiClient, content_type: str | None) -> None:
    headers = {"Content-Type": content_type} if content_type else {}
    resp = api.post("/data/Account", content=b'{"data": {"name": "Acme"}}', headers=headers)
    assert error_of(resp, 415)["error"] == "unsupported_media_type"
    assert count(api, "Account") == 0


def test_json_content_type_with_charset_is_accepted(api: ApiClient) -> None:
    resp = api.post(
        "/data/Account",
        content=b'{"data": {"name": "Acme"}}',
        headers={"Content-Type": "application/json; charset=utf-8"},
    )
    assert resp.status_code == 200


def test_nul_and_odd_characters_in_paths_and_params(api: ApiClient) -> None:
    error_of(api.get("/data/Account/abc%00def"), 404)
    error_of(api.delete("/data/Account/abc%00def"), 404)
    error_of(api.get("/data/Acc%00ount"), 404)
    error_of(api.get("/data/Account", params={"filter_text": "a\x00b"}), 400)
    error_of(api.get("/data/Account/" + "x" * 5000), 404)
    error_of(
        api.patch("/data/Account/" + "x" * 100, json={"data": {"name": "A"}, "create": True}), 400
    )
    error_of(api.patch("/data/Account/a%00b", json={"data": {"name": "A"}, "create": True}), 400)
    error_of(api.post("/data/favorites/Account/a%00b"), 404)
    assert count(api, "Account") == 0
    account = create(api, "Account", {"name": "Acme"})
    error_of(api.post(f"/data/Account/{account}/contacts", json={"records": ["a\x00b"]}), 404)
    error_of(
        api.post(
            f"/data/Account/{account}/contacts", json={"records_with_data": [{"id": "a\x00b"}]}
        ),
        404,
    )
    error_of(api.delete(f"/data/Account/{account}/contacts/a%00b"), 404)
    error_of(api.delete(f"/data/Account/{account}/cases/a%00b"), 404)
    error_of(api.get(f"/data/Account/{account}/contacts", params={"filter_text": "\x00"}), 400)


def test_unicode_text_round_trips(api: ApiClient) -> None:
    name = "Zoë Ünïcode 東京 🚀"
    record_id = create(api, "Account", {"name": name})
    assert api.get(f"/data/Account/{record_id}").json()["record"]["name"] == name


def test_no_credentials_writes_nothing(anon: ApiClient, api: ApiClient) -> None:
    error_of(anon.post("/data/Account", json={"data": {"name": "Acme"}}), 401)
    assert count(api, "Account") == 0


# -- the envelope, across many error-producing requests ---------------------------------------
ERROR_REQUESTS: list[tuple[str, str, dict[str, Any], int]] = [
    ("GET", "/data/Acount", {}, 404),
    ("GET", "/data/Account/missing", {}, 404),
    ("GET", "/nowhere", {}, 404),
    ("DELETE", "/data/Account", {}, 405),
    ("GET", "/data/Account", {"params": {"limit": "0"}}, 400),
    ("GET", "/data/Account", {"params": {"limit": "500"}}, 400),
    ("GET", "/data/Account", {"params": {"offset": "-1"}}, 400),
    ("GET", "/data/Account", {"params": {"limit": "ten"}}, 400),
    ("GET", "/data/Account", {"params": {"order": "colour"}}, 400),
    ("GET", "/data/Account", {"params": {"filters[colour]": "red"}}, 400),
    ("GET", "/data/Account", {"params": {"fields[]": "colour"}}, 400),
    ("GET", "/data/Account/{acc}", {"params": {"fields[]": "colour"}}, 400),
    ("POST", "/data/Account", {"json": {"data": {"colour": "red"}}}, 400),
    ("POST", "/data/Account", {"json": {"data": {"employees": "x", "name": "A"}}}, 400),
    ("POST", "/data/Account", {"json": {"data": {}}}, 400),
    ("POST", "/data/Account", {"json": {"data": {"id": "abc", "name": "A"}}}, 400),
    ("POST", "/data/Account", {"json": [1]}, 400),
    ("POST", "/data/Account", {"content": b"{", "headers": JSON}, 400),
    ("POST", "/data/Account", {"content": b"{}", "headers": {"Content-Type": "text/csv"}}, 415),
    ("PATCH", "/data/Account/missing", {"json": {"data": {"name": "A"}}}, 404),
    ("PATCH", "/data/Account/{acc}", {"json": {"data": {"name": ""}}}, 400),
    ("PATCH", "/data/Account/{acc}", {"json": {"name": "A"}}, 400),
    ("DELETE", "/data/Account/missing", {}, 404),
    ("GET", "/data/Account/{acc}/friends", {}, 404),
    ("POST", "/data/Account/{acc}/contacts", {"json": {"records": ["missing"]}}, 404),
    ("POST", "/data/Account/{acc}/contacts", {"json": {"records": "x"}}, 400),
    ("DELETE", "/data/Account/{acc}/contacts/missing", {}, 404),
    ("GET", "/data/link/Account/linked-records/friends", {}, 404),
    ("POST", "/data/favorites/Account/missing", {}, 404),
    ("POST", "/data/favorites/Acount/missing", {}, 404),
    ("GET", "/meta/fields/Acount", {}, 404),
    ("GET", "/me", {"headers": {"Authorization": "Bearer nope"}}, 401),
    ("GET", "/data/Account", {"headers": {"Authorization": "Basic !!!"}}, 401),
    ("GET", "/data/Account", {"headers": {"Authorization": "Digest abc"}}, 401),
]


@pytest.mark.parametrize("method,path,kwargs,status", ERROR_REQUESTS)
def test_error_envelope(
    api: ApiClient, method: str, path: str, kwargs: dict[str, Any], status: int
) -> None:
    account = create(api, "Account", {"name": "Acme"})
    before = api.get(f"/data/Account/{account}").json()["record"]
    body = error_of(api.request(method, path.replace("{acc}", account), **kwargs), status)
    assert (
        body["error"]
        == {
            400: "bad_request",
            401: "unauthorized",
            404: "not_found",
            405: "method_not_allowed",
            415: "unsupported_media_type",
        }[status]
    )
    assert count(api, "Account") == 1
    assert api.get(f"/data/Account/{account}").json()["record"] == before
