"""The contact owner type: portal contacts log in with e-mail and portal password."""

from __future__ import annotations

import pytest

from amity.core.actor import SYSTEM
from amity.core.services import Services
from tests.api.oauth_helpers import (
    Registered,
    authorize,
    code_params,
    exchange,
    pkce,
    redirect_query,
    register,
    token_post,
)
from tests.conftest import ApiClient, User

PORTAL_PASSWORD = "portal-pw-123"


@pytest.fixture
def contact_id(services: Services, admin: User) -> str:
    cid = services.records.create(
        SYSTEM,
        "Contact",
        {
            "first_name": "Pat",
            "last_name": "Portal",
            "email1": "Pat@Example.com",
            "assigned_user_id": admin.id,
        },
    )
    services.oauth.set_contact_password(cid, PORTAL_PASSWORD)
    return cid


@pytest.fixture
def portal_app(services: Services) -> Registered:
    return register(services, owner_types=["contact"], allow_password=True)


def test_contact_password_grant_yields_a_contact_actor(
    anon: ApiClient, services: Services, contact_id: str, admin: User, portal_app: Registered
) -> None:
    got = token_post(
        anon,
        {
            "grant_type": "password",
            "username": "pat@example.com",
            "password": PORTAL_PASSWORD,
            **portal_app.creds(),
        },
        owner_type="contact",
    )
    assert got.status_code == 200, got.text
    token = got.json()
    assert token["scope"] == "profile"
    actor = services.auth.authenticate(
        f"Bearer {token['access_token']}", "test", "http://testserver"
    )
    assert actor is not None
    assert (actor.contact_id, actor.user_id, actor.credential) == (contact_id, admin.id, "oauth")
    assert actor.scopes == frozenset({"profile"}) and not actor.is_admin
    assert actor.client_id == portal_app.client_id


def test_contacts_get_profile_only(
    anon: ApiClient, contact_id: str, portal_app: Registered
) -> None:
    got = token_post(
        anon,
        {
            "grant_type": "password",
            "username": "pat@example.com",
            "password": PORTAL_PASSWORD,
            "scope": "read",
            **portal_app.creds(),
        },
        owner_type="contact",
    )
    assert got.status_code == 400 and got.json()["error"] == "invalid_scope"


def test_contact_code_flow(anon: ApiClient, services: Services, contact_id: str) -> None:
    app = register(
        services, public=True, owner_types=["contact"], redirect_uris=["http://localhost:7000/cb"]
    )
    verifier, challenge = pkce()
    page = anon.get(
        "/auth/contact/authorize", params=code_params(app, challenge=challenge, scope="profile")
    )
    assert "E-mail address" in page.text
    response = authorize(
        anon,
        code_params(app, challenge=challenge, scope="profile"),
        "pat@example.com",
        PORTAL_PASSWORD,
        owner_type="contact",
    )
    code = redirect_query(response)["code"]
    got = exchange(anon, app, code, verifier=verifier, owner_type="contact")
    assert got.status_code == 200, got.text
    actor = services.auth.authenticate(
        f"Bearer {got.json()['access_token']}", "test", "http://testserver"
    )
    assert actor is not None and actor.contact_id == contact_id


def test_a_user_cannot_log_in_as_a_contact(
    anon: ApiClient, admin: User, portal_app: Registered
) -> None:
    got = token_post(
        anon,
        {
            "grant_type": "password",
            "username": "admin",
            "password": admin.password,
            **portal_app.creds(),
        },
        owner_type="contact",
    )
    assert got.status_code == 400 and got.json()["error"] == "invalid_grant"


def test_client_for_users_only_is_refused_for_contacts(
    anon: ApiClient, services: Services, contact_id: str
) -> None:
    app = register(services, allow_password=True)  # owner types: user
    got = token_post(
        anon,
        {
            "grant_type": "password",
            "username": "pat@example.com",
            "password": PORTAL_PASSWORD,
            **app.creds(),
        },
        owner_type="contact",
    )
    assert got.status_code == 400 and got.json()["error"] == "unauthorized_client"


def test_contact_code_cannot_be_exchanged_at_the_user_endpoint(
    anon: ApiClient, services: Services, contact_id: str
) -> None:
    app = register(services, owner_types=["user", "contact"])
    response = authorize(
        anon,
        code_params(app, scope="profile"),
        "pat@example.com",
        PORTAL_PASSWORD,
        owner_type="contact",
    )
    code = redirect_query(response)["code"]
    got = exchange(anon, app, code, owner_type="user")
    assert got.status_code == 400 and got.json()["error"] == "invalid_grant"


def test_deleted_contact_loses_access(
    anon: ApiClient, services: Services, contact_id: str, portal_app: Registered
) -> None:
    token = token_post(
        anon,
        {
            "grant_type": "password",
            "username": "pat@example.com",
            "password": PORTAL_PASSWORD,
            **portal_app.creds(),
        },
        owner_type="contact",
    ).json()["access_token"]
    services.records.delete(SYSTEM, "Contact", contact_id)
    services.oauth.forget()
    assert anon.get("/me", headers={"Authorization": f"Bearer {token}"}).status_code == 401
