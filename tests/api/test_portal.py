"""Portal tokens: issued by admins for one contact, confined to its own records."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import timedelta
from typing import Any

import pytest
import sqlalchemy as sa

from amity.core import portal as portal_module
from amity.core.actor import Actor
from amity.core.clock import utcnow
from amity.core.records import ListQuery
from amity.core.services import Services
from amity.errors import BadRequest, Forbidden
from tests.api.acl_world import World, build_world
from tests.api.oauth_helpers import bearer, register, token_post
from tests.conftest import ApiClient, User


@pytest.fixture
def world(services: Services, admin: User) -> World:
    return build_world(services, admin)


@pytest.fixture
def portal(app: Any, world: World) -> Iterator[ApiClient]:
    client = ApiClient(app, {"Authorization": f"Bearer {world.tokens['portal']}"})
    yield client
    client.close()


def test_admin_issues_a_token(api: ApiClient, world: World, app: Any) -> None:
    resp = api.post("/portal/auth", json={"contact_id": world.ids["contact"]})
    assert resp.status_code == 200, resp.text
    body = resp.json()
    assert set(body) == {"access_token", "token_type", "expires_in"}
    assert body["token_type"] == "Bearer" and body["expires_in"] == 3600
    assert resp.headers["cache-control"] == "no-store"
    client = ApiClient(app, {"Authorization": f"Bearer {body['access_token']}"})
    try:
        me = client.get("/me").json()
    finally:
        client.close()
    assert me["id"] == world.ids["contact"] and me["name"] == "Cora Portal"
    assert me["email"] == "cora@example.com" and me["role"] == "contact"


@pytest.mark.parametrize(
    ("body", "status"),
    [
        ({}, 400),
        ({"contact_id": 5}, 400),
        ({"contact_id": "no-such-contact"}, 404),
    ],
)
def test_bad_token_requests(
    api: ApiClient, world: World, body: dict[str, Any], status: int
) -> None:
    resp = api.post("/portal/auth", json=body)
    assert resp.status_code == status, resp.text
    assert set(resp.json()) == {"error", "message", "hint"}


def test_only_admins_issue_tokens(
    app: Any, world: World, portal: ApiClient, anon: ApiClient
) -> None:
    body = {"contact_id": world.ids["contact"]}
    assert portal.post("/portal/auth", json=body).status_code == 403
    assert anon.post("/portal/auth", json=body).status_code == 401
    user = ApiClient(app, {"Authorization": f"Bearer {world.tokens['owner']}"})
    try:
        assert user.post("/portal/auth", json=body).status_code == 403
    finally:
        user.close()


def test_tokens_are_stored_hashed(services: Services, world: World) -> None:
    token = world.tokens["portal"]
    with services.db.read() as conn:
        rows = conn.execute(sa.select(services.db.tables.system("portal_tokens"))).all()
    assert rows and all(token not in str(tuple(row)) for row in rows)


def test_expired_revoked_and_deleted_contact_tokens_are_refused(
    api: ApiClient, world: World, portal: ApiClient, monkeypatch: pytest.MonkeyPatch, app: Any
) -> None:
    assert portal.get("/me").status_code == 200
    later = utcnow() + timedelta(seconds=3601)
    monkeypatch.setattr(portal_module, "utcnow", lambda: later)
    assert portal.get("/me").status_code == 401
    monkeypatch.undo()
    assert portal.delete("/portal/auth").json() == {"result": True}  # log out
    assert portal.get("/me").status_code == 401
    other = world.portal_token()
    client = ApiClient(app, {"Authorization": f"Bearer {other}"})
    try:
        assert client.get("/me").status_code == 200
        revoked = api.delete(f"/portal/tokens/{world.ids['contact']}").json()
        assert revoked == {"result": True, "revoked": 1}
        assert client.get("/me").status_code == 401
    finally:
        client.close()
    third = ApiClient(app, {"Authorization": f"Bearer {world.portal_token()}"})
    try:
        assert third.get("/me").status_code == 200
        assert api.delete(f"/data/Contact/{world.ids['contact']}").status_code == 200
        assert third.get("/me").status_code == 401  # the contact is gone
    finally:
        third.close()


def test_portal_sees_its_own_records_only(portal: ApiClient, world: World) -> None:
    cases = portal.get("/data/aCase").json()
    assert [r["id"] for r in cases["records"]] == [world.ids["case"]]
    assert cases["total_results"] == 1
    docs = portal.get(f"/data/Contact/{world.ids['contact']}/documents").json()
    assert [r["id"] for r in docs["records"]] == [world.ids["document"]]
    assert portal.get("/data/Contact").json()["total_results"] == 1


def test_portal_flag_publishes_a_document(api: ApiClient, portal: ApiClient, world: World) -> None:
    url = f"/data/Document/{world.ids['draft']}"
    assert portal.get(url).status_code == 404
    api.patch(url, json={"data": {"portal_flag": True}})
    assert portal.get(url).status_code == 200
    api.patch(f"/data/aCase/{world.ids['case']}", json={"data": {"portal_flag": False}})
    assert portal.get(f"/data/aCase/{world.ids['case']}").status_code == 404


def test_portal_opens_a_case_linked_to_itself(
    api: ApiClient, portal: ApiClient, world: World
) -> None:
    resp = portal.post("/data/aCase", json={"data": {"name": "Printer on fire"}})
    assert resp.status_code == 200, resp.text
    case = api.get(f"/data/aCase/{resp.json()['id']}").json()["record"]
    assert case["cust_contact_id"] == world.ids["contact"]
    assert case["assigned_user_id"] == world.users["alice"]  # the contact's user
    assert portal.get(f"/data/aCase/{case['id']}").status_code == 200
    assert (
        portal.patch(f"/data/aCase/{case['id']}", json={"data": {"name": "x"}}).status_code == 403
    )
    assert (
        portal.post(
            "/data/aCase",
            json={"data": {"name": "Someone else's", "cust_contact_id": world.ids["contact2"]}},
        ).status_code
        == 403
    )


def test_oauth_contact_actors_are_confined_alike(services: Services, world: World) -> None:
    """Any actor with contact_id (an OAuth contact token too) gets the portal's view."""
    actor = Actor(
        user_id=world.users["alice"],
        user_name="alice",
        credential="oauth",
        contact_id=world.ids["contact"],
        scopes=frozenset({"profile"}),
    )
    page = services.records.list_records(actor, "aCase", ListQuery())
    assert [r["id"] for r in page.records] == [world.ids["case"]]
    with pytest.raises(Forbidden):
        services.records.list_records(actor, "Account", ListQuery())
    admin_contact = Actor(
        user_id="1", user_name="admin", is_admin=True, contact_id=world.ids["contact"]
    )
    with pytest.raises(Forbidden):
        services.records.get(admin_contact, "Opportunity", world.ids["opportunity"])


@pytest.mark.parametrize("allowed", [True, False])
def test_a_client_an_admin_allowed_issues_portal_tokens(
    anon: ApiClient, services: Services, world: World, allowed: bool
) -> None:
    """A partner app (its client_credentials token acts as a plain user) may issue portal
    tokens only when registered with allow_portal."""
    app_client = register(
        services,
        grants=["client_credentials"],
        user="alice",
        allow_portal=allowed,
        redirect_uris=[],
    )
    got = token_post(
        anon, {"grant_type": "client_credentials", "scope": "write", **app_client.creds()}
    )
    assert got.status_code == 200, got.text
    headers = bearer(got.json()["access_token"])
    issued = anon.post("/portal/auth", json={"contact_id": world.ids["contact"]}, headers=headers)
    assert issued.status_code == (200 if allowed else 403), issued.text
    if allowed:
        portal_token = issued.json()["access_token"]
        me = anon.get("/me", headers=bearer(portal_token)).json()
        assert me["id"] == world.ids["contact"] and me["role"] == "contact"


def test_allow_portal_needs_client_credentials(services: Services) -> None:
    with pytest.raises(BadRequest, match="client_credentials"):
        register(services, allow_portal=True)
