"""The small 1CRM wire gaps: the /1crm/api.php entry point, trailing slashes, `state` in
token answers, and client_credentials at the contact token endpoint."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest

from amity.core.actor import SYSTEM
from amity.core.services import Services
from tests.api.oauth_helpers import Registered, bearer, register, token_post
from tests.conftest import ApiClient, User


@pytest.fixture
def crm(app: Any, admin: User) -> Iterator[ApiClient]:
    """The admin, at the entry point of the 1CRM documentation's examples."""
    client = ApiClient(
        app, {"Authorization": f"Bearer {admin.token}"}, base_url="http://testserver/1crm/api.php"
    )
    yield client
    client.close()


@pytest.fixture
def crm_anon(app: Any) -> Iterator[ApiClient]:
    client = ApiClient(app, base_url="http://testserver/1crm/api.php")
    yield client
    client.close()


def test_the_api_answers_under_1crm_api_php(crm: ApiClient, api: ApiClient) -> None:
    created = crm.post("/data/Account", json={"data": {"name": "Via 1crm"}})
    assert created.status_code == 200, created.text
    account_id = created.json()["id"]
    assert api.get(f"/data/Account/{account_id}").json()["record"]["name"] == "Via 1crm"
    assert crm.get(f"/data/Account/{account_id}").json()["record"]["name"] == "Via 1crm"
    assert crm.get("/me").json()["name"] == api.get("/me").json()["name"]
    missing = crm.get("/data/Acount")
    assert missing.status_code == 404 and missing.json()["message"] == "Model Acount not found"
    assert crm.get("/version").json()["authenticated"] is True


def test_1crm_api_php_needs_the_same_credentials(crm_anon: ApiClient) -> None:
    denied = crm_anon.get("/data/Account")
    assert denied.status_code == 401 and denied.json()["error"] == "unauthorized"


def test_an_oauth_token_under_both_entry_points(
    anon: ApiClient, crm_anon: ApiClient, app_client: Registered, admin: User
) -> None:
    for client in (anon, crm_anon):
        got = token_post(
            client, {"grant_type": "client_credentials", "scope": "read", **app_client.creds()}
        )
        assert got.status_code == 200, got.text
        me = client.get("/me", headers=bearer(got.json()["access_token"]))
        assert me.status_code == 200 and me.json()["id"] == admin.id


def test_a_trailing_slash_answers_as_without_one(api: ApiClient, crm: ApiClient) -> None:
    listed = api.get("/data/Account/", params={"limit": 1})
    assert listed.status_code == 200 and "records" in listed.json()
    created = api.post("/data/Account/", json={"data": {"name": "Slashed"}})
    assert created.status_code == 200, created.text
    account_id = created.json()["id"]
    got = crm.get(f"/data/Account/{account_id}/")
    assert got.status_code == 200 and got.json()["record"]["name"] == "Slashed"
    patched = api.patch(f"/data/Account/{account_id}//", json={"data": {"name": "Twice"}})
    assert patched.status_code == 200, patched.text
    assert api.get(f"/data/Account/{account_id}").json()["record"]["name"] == "Twice"
    assert api.get("/me/").status_code == 200


def test_state_is_echoed_by_the_token_endpoint(anon: ApiClient, app_client: Registered) -> None:
    creds = {"grant_type": "client_credentials", **app_client.creds()}
    with_state = token_post(anon, {**creds, "state": "xyz-123"})
    assert with_state.status_code == 200 and with_state.json()["state"] == "xyz-123"
    as_form = token_post(anon, {**creds, "state": "form state"}, form=True)
    assert as_form.json()["state"] == "form state"
    assert "state" not in token_post(anon, creds).json()
    failed = token_post(anon, {**creds, "client_secret": "wrong", "state": "s1"})
    assert failed.status_code == 401 and failed.json()["state"] == "s1"


# -- client_credentials for a contact -------------------------------------------------


@pytest.fixture
def contact_id(services: Services) -> str:
    return services.records.create(
        SYSTEM, "Contact", {"first_name": "Cora", "last_name": "Portal", "email1": "cora@x.test"}
    )


def contact_client(services: Services, allow_portal: bool) -> Registered:
    return register(
        services,
        grants=["client_credentials"],
        user="admin",
        owner_types=["user", "contact"],
        allow_portal=allow_portal,
        redirect_uris=[],
    )


def test_an_allowed_client_acts_for_the_contact_it_names(
    anon: ApiClient, services: Services, admin: User, contact_id: str
) -> None:
    client = contact_client(services, allow_portal=True)
    got = token_post(
        anon,
        {"grant_type": "client_credentials", "contact_id": contact_id, **client.creds()},
        owner_type="contact",
    )
    assert got.status_code == 200, got.text
    token = got.json()
    assert token["scope"] == "profile" and "refresh_token" not in token
    me = anon.get("/me", headers=bearer(token["access_token"])).json()
    assert me["id"] == contact_id and me["role"] == "contact"
    # a contact's token reaches only the contact's own records
    other = services.records.create(SYSTEM, "Contact", {"last_name": "Someone"})
    hidden = anon.get(f"/data/Contact/{other}", headers=bearer(token["access_token"]))
    assert hidden.status_code == 404


@pytest.mark.parametrize(
    ("allow_portal", "extra", "status", "error"),
    [
        (False, {"contact_id": "C"}, 400, "unauthorized_client"),  # no admin's permission
        (True, {}, 400, "invalid_request"),  # which contact?
        (True, {"contact_id": "no-such-contact"}, 400, "invalid_grant"),
        (True, {"contact_id": "C", "client_secret": "wrong"}, 401, "invalid_client"),
    ],
)
def test_contact_client_credentials_refused(
    anon: ApiClient,
    services: Services,
    admin: User,
    contact_id: str,
    allow_portal: bool,
    extra: dict[str, str],
    status: int,
    error: str,
) -> None:
    client = contact_client(services, allow_portal=allow_portal)
    body = {"grant_type": "client_credentials", **client.creds(), **extra}
    if body.get("contact_id") == "C":
        body["contact_id"] = contact_id
    got = token_post(anon, body, owner_type="contact")
    assert got.status_code == status, got.text
    answer = got.json()
    assert answer["error"] == error and answer["message"] and "access_token" not in answer


def test_a_user_only_client_cannot_act_for_contacts(
    anon: ApiClient, app_client: Registered, contact_id: str
) -> None:
    got = token_post(
        anon,
        {"grant_type": "client_credentials", "contact_id": contact_id, **app_client.creds()},
        owner_type="contact",
    )
    assert got.status_code == 400 and got.json()["error"] == "unauthorized_client"
