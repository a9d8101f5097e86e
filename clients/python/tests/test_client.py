"""Client against a real `amity serve`: low-level requests, auth, server info, logging."""

from __future__ import annotations

import logging

import pytest
from conftest import ADMIN_PASSWORD, unique

from amity_client import BasicAuth, Client, NotFound, TokenAuth, Unauthorized


def test_the_seed_examples_work_at_low_level(client: Client) -> None:
    client.request("POST", "/data/Contact", json={"data": {"last_name": unique("Seed")}})
    created = client.request(
        "POST", "/data/Contact", json={"data": {"first_name": "Andrey", "last_name": "Demenev"}}
    )
    record_id = created["id"]
    assert client.request(
        "PATCH", f"/data/Contact/{record_id}", json={"data": {"email1": "andrey@example.com"}}
    ) == {"result": True}
    listed = client.request("GET", "/data/Contact", params={"limit": 2})
    assert (
        set(listed) == {"records", "total_results", "next_cursor"} and len(listed["records"]) == 2
    )
    assert client.request("DELETE", f"/data/Contact/{record_id}") == {"result": True}
    with pytest.raises(NotFound):
        client.request("GET", f"/data/Contact/{record_id}")


def test_shortcuts_return_decoded_json(client: Client) -> None:
    name = unique("Low")
    record_id = client.post("/data/Account", {"data": {"name": name}})["id"]
    assert client.patch(f"/data/Account/{record_id}", {"data": {"industry": "Energy"}}) == {
        "result": True
    }
    assert client.put(f"/data/Account/{record_id}", {"data": {"name": name + " Ltd"}}) == {
        "result": True
    }
    record = client.get(f"/data/Account/{record_id}", {"fields": ["name", "industry"]})["record"]
    assert (record["name"], record["industry"]) == (name + " Ltd", "Energy")
    assert client.delete(f"/data/Account/{record_id}") == {"result": True}


def test_list_and_dict_params_reach_the_server_php_style(client: Client) -> None:
    last = unique("Php")
    for first in ("Ann", "Annabel", "Bob"):
        client.post("/data/Contact", {"data": {"first_name": first, "last_name": last}})
    answer = client.get(
        "/data/Contact",
        {
            "fields": ["first_name", "email1"],
            "filters": {"last_name": last, "first_name": "ann"},
            "order": "first_name desc",
        },
    )
    assert [r["first_name"] for r in answer["records"]] == ["Annabel", "Ann"]
    assert {"id", "name", "_display", "first_name", "email1"} <= set(answer["records"][0])


def test_url_may_end_with_a_slash_and_endpoints_need_none(url: str, token: str) -> None:
    with Client(url + "/", TokenAuth(token)) as client:
        assert client.get("version")["authenticated"] is True


def test_method_override_header_passes_through(client: Client) -> None:
    record_id = client.post("/data/Note", {"data": {"name": unique("Note")}})["id"]
    client.post(
        f"/data/Note/{record_id}",
        {"data": {"name": "renamed"}},
        headers={"X-HTTP-Method-Override": "PATCH"},
    )
    assert client.get(f"/data/Note/{record_id}")["record"]["name"] == "renamed"


def test_basic_auth_and_a_tuple_both_log_in(url: str) -> None:
    with Client(url, BasicAuth("admin", ADMIN_PASSWORD)) as client:
        assert client.me()["user_name"] == "admin"
    with Client(url, ("admin", ADMIN_PASSWORD)) as client:
        assert client.me()["role"] == "admin"
    with Client(url, BasicAuth("admin", "wrong")) as client, pytest.raises(Unauthorized):
        client.me()


def test_auth_can_be_set_after_construction(url: str, token: str) -> None:
    with Client(url) as client:
        assert client.server_version()["authenticated"] is False
        client.auth = TokenAuth(token)
        assert client.server_version()["authenticated"] is True


def test_me_describes_the_token_owner(client: Client) -> None:
    me = client.me()
    assert me["user_name"] == "admin" and me["role"] == "admin"
    assert {"id", "name", "first_name", "last_name", "email", "timezone"} <= set(me)


def test_server_version_needs_no_credentials(url: str) -> None:
    with Client(url) as client:
        version = client.server_version()
    assert version["authenticated"] is False and "Amity" in version["products"]
    assert isinstance(version["version"], str) and version["version"]


def test_server_key_is_the_pem_that_verifies_access_tokens(client: Client) -> None:
    key = client.server_key()
    assert key.startswith("-----BEGIN PUBLIC KEY-----") and "PRIVATE" not in key


def test_one_log_line_per_request(client: Client, caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.DEBUG, logger="amity_client")
    client.me()
    with pytest.raises(NotFound):
        client.get("/data/NoSuchModel")
    lines = [r for r in caplog.records if r.name == "amity_client"]
    assert [r.getMessage().split(" (")[0] for r in lines] == [
        "GET /me -> 200",
        "GET /data/NoSuchModel -> 404",
    ]
    assert [r.levelno for r in lines] == [logging.DEBUG, logging.INFO]
