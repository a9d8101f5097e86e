"""Input a client may get subtly wrong: non-ASCII digits, numbers for text, a body in
another charset, an encoded slash in a path, and text longer than its field takes."""

from __future__ import annotations

import dataclasses
from typing import Any

import pytest

from amity.config import Settings
from amity.schema.types import TEXT_MAX_LENGTH
from tests.conftest import ApiClient

JSON = {"Content-Type": "application/json"}


def error_of(resp: Any, status: int) -> dict[str, Any]:
    assert resp.status_code == status, (resp.status_code, resp.text[:300])
    body = resp.json()
    assert set(body) == {"error", "message", "hint"}, body
    return dict(body)


def create(api: ApiClient, model: str, data: dict[str, Any]) -> str:
    resp = api.post(f"/data/{model}", json={"data": data})
    assert resp.status_code == 200, resp.text
    return str(resp.json()["id"])


def total(api: ApiClient, model: str) -> int:
    return int(api.get(f"/data/{model}").json()["total_results"])


# -- integers are ASCII digits ---------------------------------------------------------------
@pytest.mark.parametrize("value", ["\u0661\u0662", "\uff15", "\u00b2", "1_0", "\u09e7"])
def test_paging_integers_take_ascii_digits_only(api: ApiClient, value: str) -> None:
    for name in ("limit", "offset"):
        body = error_of(api.get("/data/Account", params={name: value}), 400)
        assert name in body["message"]


@pytest.mark.parametrize("value", ["\u0661\u0662", "\uff15", "\u00b2", "1_000"])
def test_integer_fields_take_ascii_digits_only(api: ApiClient, value: str) -> None:
    body = error_of(
        api.post("/data/Account", json={"data": {"name": "A", "employees": value}}), 400
    )
    assert "employees" in body["message"]
    error_of(api.post("/data/Account", json={"data": {"name": "A", "balance": value}}), 400)
    error_of(api.post("/data/aCase", json={"data": {"name": "C", "effort_actual": value}}), 400)
    assert total(api, "Account") == total(api, "aCase") == 0
    assert create(api, "Account", {"name": "A", "employees": " 12 "})


def test_superscript_digits_in_search_and_brackets_are_not_500(api: ApiClient) -> None:
    assert api.get("/data/aCase", params={"filter_text": "\u00b2"}).status_code == 200
    resp = api.get("/data/Account?fields[%C2%B2]=name")
    assert resp.status_code == 400, resp.text


def test_option_ids_take_ascii_digits_only(api: ApiClient) -> None:
    resp = api.post(
        "/admin/fields/Account",
        json={"name": "tier_c", "type": "Select", "options": ["Gold", "Silver"]},
    )
    assert resp.status_code == 200, resp.text
    error_of(api.post("/data/Account", json={"data": {"name": "A", "tier_c": "\u00b9"}}), 400)


# -- a JSON number is not text ---------------------------------------------------------------
@pytest.mark.parametrize(
    "model,field,value",
    [
        ("Account", "name", 12),
        ("Account", "description", 1.5),
        ("Account", "phone_office", 5550100),
        ("Contact", "email1", 7),
        ("Account", "website", 80),
    ],
)
def test_a_json_number_for_a_text_field_is_400(
    api: ApiClient, model: str, field: str, value: Any
) -> None:
    data = {"last_name": "B"} if model == "Contact" else {"name": "A"}
    body = error_of(api.post(f"/data/{model}", json={"data": {**data, field: value}}), 400)
    assert field in body["message"]
    assert total(api, model) == 0


# -- charsets --------------------------------------------------------------------------------
@pytest.mark.parametrize("charset", ["latin-1", "ISO-8859-1", "utf-16", '"windows-1252"'])
def test_a_json_body_in_another_charset_is_415(api: ApiClient, charset: str) -> None:
    raw = '{"data": {"name": "Caf\u00e9"}}'.encode(charset.strip('"').replace("utf-16", "utf-8"))
    resp = api.post(
        "/data/Account",
        content=raw,
        headers={"Content-Type": f"application/json; charset={charset}"},
    )
    assert error_of(resp, 415)["error"] == "unsupported_media_type"
    assert total(api, "Account") == 0


class TestSignIn:
    @pytest.fixture
    def settings(self, settings: Settings) -> Settings:
        return dataclasses.replace(settings, session_auth=True)

    def test_sign_in_json_in_another_charset_is_415(self, anon: ApiClient) -> None:
        resp = anon.post(
            "/session",
            content=b'{"user_name": "admin", "password": "x"}',
            headers={"Content-Type": "application/json; charset=latin-1"},
        )
        assert error_of(resp, 415)["error"] == "unsupported_media_type"


@pytest.mark.parametrize(
    "content_type",
    [
        "application/json; charset=UTF-8",
        'application/json; charset="utf-8"',
        "application/json;charset=utf8",
    ],
)
def test_a_json_body_declared_utf8_is_read(api: ApiClient, content_type: str) -> None:
    resp = api.post(
        "/data/Account",
        content='{"data": {"name": "Caf\u00e9"}}'.encode(),
        headers={"Content-Type": content_type},
    )
    assert resp.status_code == 200, resp.text
    assert api.get(f"/data/Account/{resp.json()['id']}").json()["record"]["name"] == "Caf\u00e9"


# -- an encoded slash stays inside its segment -----------------------------------------------
def test_encoded_slash_does_not_split_a_path_segment(api: ApiClient) -> None:
    account = create(api, "Account", {"name": "Acme"})
    contact = create(api, "Contact", {"last_name": "Smith"})
    resp = api.post(f"/data/Account/{account}/contacts", json={"records": [contact]})
    assert resp.status_code == 200, resp.text
    for slash in ("%2F", "%2f"):
        # not the account's contacts: no record has the id "<account>/contacts"
        assert error_of(api.get(f"/data/Account/{account}{slash}contacts"), 404)["hint"]
        error_of(api.delete(f"/data/Account/{account}/contacts{slash}{contact}"), 404)
        error_of(api.patch(f"/data/Account{slash}{account}", json={"data": {"name": "X"}}), 404)
    related = api.get(f"/data/Account/{account}/contacts").json()
    assert [r["id"] for r in related["records"]] == [contact]
    assert api.get(f"/data/Account/{account}").json()["record"]["name"] == "Acme"


# -- lengths ---------------------------------------------------------------------------------
def test_long_text_has_a_limit_shown_in_meta(api: ApiClient) -> None:
    fields = api.get("/meta/fields/Account").json()["fields"]
    assert fields["description"]["len"] == TEXT_MAX_LENGTH
    assert fields["name"]["len"] == 150
    writable = api.get("/openapi.json").json()["components"]["schemas"]["AccountData"]
    assert writable["properties"]["description"]["maxLength"] == TEXT_MAX_LENGTH
    body = error_of(
        api.post(
            "/data/Account",
            json={"data": {"name": "A", "description": "x" * (TEXT_MAX_LENGTH + 1)}},
        ),
        400,
    )
    assert "description" in body["message"] and str(TEXT_MAX_LENGTH) in body["message"]
    assert total(api, "Account") == 0
    at_limit = create(api, "Account", {"name": "A", "description": "x" * TEXT_MAX_LENGTH})
    stored = api.get(f"/data/Account/{at_limit}", params={"fields": "description"})
    assert len(stored.json()["record"]["description"]) == TEXT_MAX_LENGTH


def test_a_9_mb_description_is_refused(api: ApiClient) -> None:
    raw = b'{"data": {"name": "A", "description": "' + b"x" * 9_000_000 + b'"}}'
    error_of(api.post("/data/Account", content=raw, headers=JSON), 400)
    record = create(api, "Account", {"name": "A"})
    error_of(api.patch(f"/data/Account/{record}", content=raw, headers=JSON), 400)
    assert api.get(f"/data/Account/{record}").json()["record"]["description"] is None


def test_string_fields_without_a_declared_length_take_255(api: ApiClient) -> None:
    fields = api.get("/meta/fields/Note").json()["fields"]
    assert fields["filename"]["len"] == 255  # a file field's name, which has no len
    too_long = error_of(
        api.post("/data/Note", json={"data": {"name": "n", "filename": "f" * 256}}), 400
    )
    assert "at most 255 characters" in too_long["message"]
    # 255 characters fit; as no upload's id they are refused for another reason
    fits = error_of(
        api.post("/data/Note", json={"data": {"name": "n", "filename": "f" * 255}}), 400
    )
    assert "no file you uploaded" in fits["message"]
