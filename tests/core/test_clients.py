"""The API client registry: hashed secrets, redirect URI rules, grant rules, removal."""

from __future__ import annotations

import re

import pytest
import sqlalchemy as sa

from amity.core.actor import Actor
from amity.core.auth.clients import ClientRegistry, ClientSpec, new_client_id
from amity.core.services import Services
from amity.errors import BadRequest, Forbidden, NotFound
from tests.conftest import User

APP_URI = "https://app.example.com/callback"


@pytest.fixture
def registry(services: Services) -> ClientRegistry:
    return services.clients


def add(registry: ClientRegistry, admin: User, **options: object) -> tuple[dict, str | None]:
    options.setdefault("redirect_uris", [APP_URI])
    return registry.add(admin.actor, ClientSpec(name="App", **options))  # type: ignore[arg-type]


def test_defaults_are_a_confidential_code_client(registry: ClientRegistry, admin: User) -> None:
    client, secret = add(registry, admin)
    assert secret and len(secret) >= 43  # 32 random bytes, url-safe
    assert client["confidential"] is True
    assert client["grants"] == ["authorization_code", "refresh_token"]
    assert sorted(client["scopes"]) == ["profile", "read", "write"]
    assert client["owner_types"] == ["user"]
    assert client["redirect_uris"] == [APP_URI]
    assert registry.get(client["client_id"]) == client
    other, other_secret = add(registry, admin)
    assert other["client_id"] != client["client_id"] and other_secret != secret


def test_client_ids_are_hex_so_no_command_line_takes_one_for_an_option() -> None:
    ids = {new_client_id() for _ in range(2000)}
    assert len(ids) == 2000
    assert all(re.fullmatch(r"[0-9a-f]{32}", client_id) for client_id in ids)


def test_secret_is_stored_only_as_a_hash(
    services: Services, registry: ClientRegistry, admin: User
) -> None:
    client, secret = add(registry, admin)
    assert secret is not None
    table = services.db.tables.system("api_clients")
    with services.db.read() as conn:
        rows = [dict(r) for r in conn.execute(sa.select(table)).mappings()]
    assert len(rows) == 1
    stored = " ".join(str(v) for v in rows[0].values())
    assert secret not in stored
    assert rows[0]["secret_hash"].startswith("$argon2")
    assert "secret_hash" not in client and all(secret not in str(v) for v in client.values())


def test_verify_secret(registry: ClientRegistry, admin: User) -> None:
    client, secret = add(registry, admin)
    assert secret is not None
    assert registry.verify_secret(client["client_id"], secret)
    assert not registry.verify_secret(client["client_id"], secret[:-1] + "x")
    assert not registry.verify_secret(client["client_id"], "")
    assert not registry.verify_secret("no-such-client", secret)


def test_public_client_has_no_secret(
    services: Services, registry: ClientRegistry, admin: User
) -> None:
    client, secret = add(
        registry, admin, confidential=False, redirect_uris=["http://127.0.0.1:8765/cb"]
    )
    assert secret is None and client["confidential"] is False
    assert not registry.verify_secret(client["client_id"], "")
    table = services.db.tables.system("api_clients")
    with services.db.read() as conn:
        assert conn.execute(sa.select(table.c.secret_hash)).scalar() is None


@pytest.mark.parametrize(
    "uri",
    [
        "https://app.example.com/cb",
        "https://app.example.com:8443/cb?x=1",
        "http://127.0.0.1:5000/callback",
        "http://localhost/cb",
        "http://[::1]:9000/cb",
    ],
)
def test_accepted_redirect_uris(registry: ClientRegistry, admin: User, uri: str) -> None:
    client, _ = add(registry, admin, redirect_uris=[uri])
    assert client["redirect_uris"] == [uri]


@pytest.mark.parametrize(
    ("uri", "reason"),
    [
        ("http://app.example.com/cb", "only loopback"),
        ("http://127.0.0.2.example.com/cb", "only loopback"),
        ("https://app.example.com/cb#top", "fragment"),
        ("/relative/cb", "absolute"),
        ("app.example.com/cb", "absolute"),
        ("com.example.app:/cb", "absolute"),
        ("javascript:alert(1)", "absolute"),
        ("ftp://example.com/cb", "absolute"),
        ("https:///cb", "absolute"),
        ("https://user:pw@app.example.com/cb", "credentials"),
        ("https://app.example.com:99999/cb", "malformed"),
        ("https://app.example.com/c b", "whitespace"),
        ("", "1 to"),
    ],
)
def test_rejected_redirect_uris(
    registry: ClientRegistry, admin: User, uri: str, reason: str
) -> None:
    with pytest.raises(BadRequest, match=reason):
        add(registry, admin, redirect_uris=[APP_URI, uri])
    assert registry.list(admin.actor) == []


def test_code_grant_needs_a_redirect_uri(registry: ClientRegistry, admin: User) -> None:
    with pytest.raises(BadRequest, match="redirect URI is needed"):
        add(registry, admin, redirect_uris=[])


def test_unknown_grant_scope_and_owner_type(registry: ClientRegistry, admin: User) -> None:
    with pytest.raises(BadRequest, match="Unknown grant 'device_code'"):
        add(registry, admin, grants=["device_code"])
    with pytest.raises(BadRequest, match="Unknown scope 'admin'"):
        add(registry, admin, scopes=["read", "admin"])
    with pytest.raises(BadRequest, match="Unknown owner type 'robot'"):
        add(registry, admin, owner_types=["robot"])
    client, _ = add(registry, admin, scopes=["read"], owner_types=["contact", "user"])
    assert client["scopes"] == ["read"] and client["owner_types"] == ["contact", "user"]


@pytest.mark.parametrize(
    ("grant", "flag"), [("password", "allow_password"), ("implicit", "allow_implicit")]
)
def test_discouraged_grants_need_an_explicit_switch(
    registry: ClientRegistry, admin: User, grant: str, flag: str
) -> None:
    with pytest.raises(BadRequest, match=f"{grant} grant is off"):
        add(registry, admin, grants=["authorization_code", grant])
    client, _ = add(registry, admin, **{flag: True})
    assert grant in client["grants"] and "authorization_code" in client["grants"]
    default, _ = add(registry, admin)
    assert grant not in default["grants"]


def test_client_credentials_rules(
    registry: ClientRegistry, services: Services, admin: User
) -> None:
    with pytest.raises(BadRequest, match="public client cannot use the client_credentials"):
        add(registry, admin, confidential=False, grants=["client_credentials"], user="admin")
    with pytest.raises(BadRequest, match="needs the user"):
        add(registry, admin, grants=["client_credentials"])
    with pytest.raises(BadRequest, match="No active user named nobody"):
        add(registry, admin, grants=["client_credentials"], user="nobody")
    with pytest.raises(BadRequest, match="only given for the client_credentials"):
        add(registry, admin, user="admin")
    client, secret = add(
        registry, admin, grants=["client_credentials"], user="admin", redirect_uris=[]
    )
    assert client["user_id"] == admin.id and client["redirect_uris"] == [] and secret


def test_remove(registry: ClientRegistry, admin: User) -> None:
    client, secret = add(registry, admin)
    kept, _ = add(registry, admin)
    assert secret is not None
    registry.remove(admin.actor, client["client_id"])
    assert [c["client_id"] for c in registry.list(admin.actor)] == [kept["client_id"]]
    with pytest.raises(NotFound):
        registry.get(client["client_id"])
    assert not registry.verify_secret(client["client_id"], secret)
    with pytest.raises(NotFound):
        registry.remove(admin.actor, client["client_id"])


def test_only_admins_manage_clients(
    registry: ClientRegistry, services: Services, admin: User
) -> None:
    user_id = services.auth.add_user(admin.actor, "sally", "pw-sally-123")
    sally = Actor(user_id=user_id, user_name="sally")
    with pytest.raises(Forbidden):
        registry.add(sally, ClientSpec(name="x", redirect_uris=[APP_URI]))
    with pytest.raises(Forbidden):
        registry.list(sally)
    client, _ = add(registry, admin)
    with pytest.raises(Forbidden):
        registry.remove(sally, client["client_id"])
    assert registry.get(client["client_id"])["client_id"] == client["client_id"]
