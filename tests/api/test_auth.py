"""Authentication: personal access tokens, HTTP Basic, /version and /me."""

from __future__ import annotations

import base64
from typing import Any

import pytest
import sqlalchemy as sa

from amity.config import Settings
from amity.core.services import Services
from tests.conftest import ApiClient, User


def basic(user: str, password: str) -> dict[str, str]:
    raw = base64.b64encode(f"{user}:{password}".encode()).decode()
    return {"Authorization": f"Basic {raw}"}


def bearer(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


def assert_401(resp: Any) -> dict[str, Any]:
    assert resp.status_code == 401, resp.text
    body = resp.json()
    assert set(body) == {"error", "message", "hint"}
    assert body["error"] == "unauthorized"
    assert "www-authenticate" in resp.headers
    return dict(body)


@pytest.fixture
def sam(services: Services, admin: User) -> User:
    """A second, non-admin user with a password and a token."""
    user_id = services.auth.add_user(
        admin.actor,
        "sam",
        "sam:pass word",
        first_name="Sam",
        last_name="Sample",
        email="sam@example.com",
    )
    _, token = services.auth.create_token("sam", "laptop")
    return User(user_id, "sam", "sam:pass word", token, admin.actor)


# -- tokens ----------------------------------------------------------------------------------
def test_bearer_token_authenticates_its_user(anon: ApiClient, sam: User) -> None:
    resp = anon.get("/me", headers=bearer(sam.token))
    assert resp.status_code == 200
    assert resp.json()["id"] == sam.id
    assert anon.get("/data/Account", headers=bearer(sam.token)).status_code == 200


def test_no_credentials_is_401_in_the_error_shape(anon: ApiClient, admin: User) -> None:
    for path in (
        "/data/Account",
        "/data/Account/1",
        "/me",
        "/meta/fields/Account",
        "/data/link/Account/linked-records/contacts",
    ):
        body = assert_401(anon.get(path))
        assert body["hint"]
    assert_401(anon.post("/data/Account", json={"data": {"name": "A"}}))


@pytest.mark.parametrize(
    "header",
    [
        "Bearer nope",
        "Bearer amity_pat_" + "x" * 43,
        "Bearer ",
        "Bearer \u00e9t\u00e9".encode(),
        b"Basic \xff\xfe",
        "Token abc",
        "Basic",
        "Basic not-base64!!",
        "Basic " + base64.b64encode(b"no-colon-here").decode(),
        "Basic " + base64.b64encode(b"\xff\xfe:\xff").decode(),
        "Basic " + base64.b64encode(b"nobody:whatever").decode(),
        "Basic " + base64.b64encode(b"ad\x00min:admin-secret-pw").decode(),
        "Basic " + base64.b64encode("\u00e9:\u00e9".encode()).decode(),
    ],
)
def test_bad_credentials_are_401(anon: ApiClient, admin: User, header: str | bytes) -> None:
    assert_401(anon.get("/data/Account", headers={"Authorization": header}))


def test_revoked_token_is_401(anon: ApiClient, services: Services, sam: User) -> None:
    token_id, token = services.auth.create_token("sam", "temp")
    assert anon.get("/me", headers=bearer(token)).status_code == 200
    services.auth.revoke_token(token_id)
    body = assert_401(anon.get("/me", headers=bearer(token)))
    assert "revoked" in body["message"].lower() or "invalid" in body["message"].lower()
    # the user's other token keeps working
    assert anon.get("/me", headers=bearer(sam.token)).status_code == 200


def test_tokens_are_stored_hashed(services: Services, admin: User, sam: User) -> None:
    with services.db.read() as conn:
        rows = conn.execute(sa.select(services.db.tables.system("api_tokens"))).all()
    assert len(rows) == 2
    stored = " ".join(str(value) for row in rows for value in row)
    for token in (admin.token, sam.token):
        assert token not in stored
        assert token[len("amity_pat_") :][:20] not in stored


def test_inactive_or_deleted_users_cannot_authenticate(
    api: ApiClient, anon: ApiClient, sam: User
) -> None:
    api.patch(f"/data/User/{sam.id}", json={"data": {"status": "Inactive"}})
    assert_401(anon.get("/me", headers=bearer(sam.token)))
    assert_401(anon.get("/me", headers=basic("sam", sam.password)))
    api.patch(f"/data/User/{sam.id}", json={"data": {"status": "Active"}})
    assert anon.get("/me", headers=bearer(sam.token)).status_code == 200
    api.delete(f"/data/User/{sam.id}")
    assert_401(anon.get("/me", headers=bearer(sam.token)))
    assert_401(anon.get("/me", headers=basic("sam", sam.password)))


# -- basic -----------------------------------------------------------------------------------
def test_basic_auth_with_user_name_and_password(anon: ApiClient, admin: User, sam: User) -> None:
    resp = anon.get("/me", headers=basic("admin", admin.password))
    assert resp.status_code == 200 and resp.json()["id"] == admin.id
    resp = anon.get("/me", headers=basic("sam", sam.password))  # a password with ':' in it
    assert resp.status_code == 200 and resp.json()["id"] == sam.id
    created = anon.post(
        "/data/Account", json={"data": {"name": "Via basic"}}, headers=basic("sam", sam.password)
    )
    assert created.status_code == 200
    record = anon.get(f"/data/Account/{created.json()['id']}", headers=bearer(sam.token))
    assert record.json()["record"]["created_by"] == sam.id


def test_basic_auth_wrong_password_is_401(anon: ApiClient, admin: User) -> None:
    assert_401(anon.get("/me", headers=basic("admin", "wrong")))
    assert_401(anon.get("/me", headers=basic("admin", admin.password + "x")))
    assert_401(anon.get("/me", headers=basic("admin", "")))
    assert anon.get("/me", headers=basic("admin", admin.password)).status_code == 200


def test_passwords_are_stored_as_argon2_hashes(services: Services, admin: User) -> None:
    with services.db.read() as conn:
        hashes = (
            conn.execute(sa.select(services.db.tables.system("user_secrets").c.password_hash))
            .scalars()
            .all()
        )
    assert len(hashes) == 1
    assert hashes[0].startswith("$argon2")
    assert admin.password not in hashes[0]


def test_user_records_do_not_expose_secrets(api: ApiClient, sam: User) -> None:
    record = api.get(f"/data/User/{sam.id}").json()["record"]
    assert record["user_name"] == "sam"
    text = str(record)
    assert sam.password not in text and "argon2" not in text and sam.token not in text


class TestBasicDisabled:
    """With basic_auth=False, Basic credentials are refused with a hint to use tokens."""

    @pytest.fixture
    def settings(self, database_url: str) -> Settings:
        return Settings(database_url=database_url, log_level="WARNING", basic_auth=False)

    def test_basic_is_refused_with_a_hint(self, anon: ApiClient, admin: User) -> None:
        body = assert_401(anon.get("/me", headers=basic("admin", admin.password)))
        assert "disabled" in body["message"].lower()
        assert "Bearer" in body["hint"]
        assert anon.get("/me", headers=bearer(admin.token)).status_code == 200

    def test_version_says_not_authenticated(self, anon: ApiClient, admin: User) -> None:
        resp = anon.get("/version", headers=basic("admin", admin.password))
        assert resp.status_code == 200
        assert resp.json()["authenticated"] is False


# -- /version and /me ------------------------------------------------------------------------
def test_version_needs_no_auth_and_tells_whether_credentials_are_valid(
    anon: ApiClient, admin: User
) -> None:
    resp = anon.get("/version")
    assert resp.status_code == 200
    body = resp.json()
    assert {"version", "products", "authenticated"} <= set(body)
    assert isinstance(body["version"], str) and body["version"]
    assert isinstance(body["products"], list)
    assert body["authenticated"] is False
    assert anon.get("/version", headers=bearer(admin.token)).json()["authenticated"] is True
    assert (
        anon.get("/version", headers=basic("admin", admin.password)).json()["authenticated"] is True
    )
    for header in (
        {"Authorization": "Bearer nope"},
        basic("admin", "wrong"),
        {"Authorization": "Basic ###"},
        {"Authorization": "Weird"},
    ):
        resp = anon.get("/version", headers=header)
        assert resp.status_code == 200
        assert resp.json()["authenticated"] is False


def test_me_describes_the_authenticated_user(anon: ApiClient, admin: User, sam: User) -> None:
    keys = {"id", "name", "first_name", "last_name", "role", "groups", "email", "timezone"}
    me = anon.get("/me", headers=bearer(sam.token)).json()
    assert keys <= set(me)
    assert me["id"] == sam.id
    assert me["name"] == "Sam Sample"
    assert (me["first_name"], me["last_name"]) == ("Sam", "Sample")
    assert me["email"] == "sam@example.com"
    assert isinstance(me["groups"], list)
    assert isinstance(me["role"], str)
    assert isinstance(me["timezone"], str) and me["timezone"]
    boss = anon.get("/me", headers=bearer(admin.token)).json()
    assert keys <= set(boss)
    assert boss["id"] == admin.id and boss["last_name"] == "Administrator"
    assert boss["role"] != me["role"]  # admin and a plain user differ
