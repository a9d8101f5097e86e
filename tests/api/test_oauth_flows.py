"""The OAuth grants as a client uses them: code + PKCE, refresh, client credentials,
password, implicit; JSON and form bodies; state; scopes; metadata, keys, revocation."""

from __future__ import annotations

from typing import Any
from urllib.parse import parse_qs, urlsplit

from joserfc import jwt
from joserfc.jwk import RSAKey

from amity.core.services import Services
from tests.api.oauth_helpers import (
    REDIRECT,
    Registered,
    authorize,
    bearer,
    code_params,
    consent_form,
    exchange,
    get_code,
    pkce,
    redirect_query,
    register,
    token_post,
)
from tests.conftest import ApiClient, User


def decode(token: str, anon: ApiClient) -> dict[str, Any]:
    pem = anon.get("/public_key").json()["key"]
    return dict(jwt.decode(token, RSAKey.import_key(pem), algorithms=["RS256"]).claims)


def test_code_flow_with_pkce_refresh_and_api_calls(
    anon: ApiClient, admin: User, app_client: Registered
) -> None:
    verifier, challenge = pkce()
    answer = redirect_query(
        authorize(
            anon,
            code_params(app_client, state="s t&ä", challenge=challenge),
            "admin",
            admin.password,
        )
    )
    assert answer["state"] == "s t&ä"
    got = exchange(anon, app_client, answer["code"], verifier=verifier)
    assert got.status_code == 200, got.text
    token = got.json()
    assert token["token_type"] == "Bearer" and token["expires_in"] > 0
    assert token["refresh_token"] and token["access_token"].count(".") == 2
    assert got.headers["cache-control"] == "no-store"

    claims = decode(token["access_token"], anon)
    assert claims["sub"] == f"Users:{admin.id}" and claims["owner_type"] == "user"
    assert claims["iss"] == "http://testserver" and claims["aud"] == "http://testserver/api.php"
    assert claims["scopes"] == ["read", "write"] and claims["client_id"] == app_client.client_id
    assert claims["exp"] > claims["iat"] and claims["jti"] and claims["gid"]

    me = anon.get("/me", headers=bearer(token["access_token"]))
    assert me.status_code == 200 and me.json()["id"] == admin.id
    created = anon.post(
        "/data/Contact",
        headers=bearer(token["access_token"]),
        json={"data": {"last_name": "Oauth"}},
    )
    assert created.status_code == 200, created.text

    refreshed = token_post(
        anon,
        {
            "grant_type": "refresh_token",
            "refresh_token": token["refresh_token"],
            **app_client.creds(),
        },
    )
    assert refreshed.status_code == 200, refreshed.text
    new = refreshed.json()
    assert new["refresh_token"] != token["refresh_token"]
    assert anon.get("/data/Contact", headers=bearer(new["access_token"])).status_code == 200


def test_form_encoded_token_request_and_basic_client_auth(
    anon: ApiClient, admin: User, app_client: Registered
) -> None:
    code = get_code(anon, app_client, "admin", admin.password)
    form = {
        "grant_type": "authorization_code",
        "code": code,
        "redirect_uri": app_client.redirect_uri,
    }
    assert app_client.secret
    got = anon.post(
        "/auth/user/access_token", data=form, auth=(app_client.client_id, app_client.secret)
    )
    assert got.status_code == 200, got.text
    assert got.json()["token_type"] == "Bearer"


def test_client_credentials_acts_as_the_clients_user(
    anon: ApiClient, admin: User, app_client: Registered
) -> None:
    got = token_post(
        anon, {"grant_type": "client_credentials", "scope": "read", **app_client.creds()}, form=True
    )
    assert got.status_code == 200, got.text
    token = got.json()
    assert "refresh_token" not in token
    assert decode(token["access_token"], anon)["sub"] == f"Users:{admin.id}"
    assert anon.get("/me", headers=bearer(token["access_token"])).json()["id"] == admin.id


def test_public_client_code_flow(anon: ApiClient, services: Services, admin: User) -> None:
    public = register(services, public=True, redirect_uris=["http://127.0.0.1:8765/cb"])
    verifier, challenge = pkce()
    code = get_code(anon, public, "admin", admin.password, challenge=challenge)
    got = exchange(anon, public, code, verifier=verifier)
    assert got.status_code == 200, got.text


def test_password_grant_when_enabled(anon: ApiClient, services: Services, admin: User) -> None:
    app = register(services, allow_password=True)
    got = token_post(
        anon,
        {
            "grant_type": "password",
            "username": "admin",
            "password": admin.password,
            "scope": "read",
            **app.creds(),
        },
    )
    assert got.status_code == 200, got.text
    assert got.json()["refresh_token"]
    wrong = token_post(
        anon, {"grant_type": "password", "username": "admin", "password": "nope", **app.creds()}
    )
    assert wrong.status_code == 400 and wrong.json()["error"] == "invalid_grant"


def test_implicit_grant_when_enabled_for_a_public_client(
    anon: ApiClient, services: Services, admin: User
) -> None:
    app = register(services, public=True, allow_implicit=True)
    params = {
        "response_type": "token",
        "client_id": app.client_id,
        "redirect_uri": REDIRECT,
        "scope": "read",
        "state": "st",
    }
    response = authorize(anon, params, "admin", admin.password)
    assert response.status_code == 303
    fragment = parse_qs(urlsplit(response.headers["location"]).fragment)
    assert fragment["state"] == ["st"] and fragment["token_type"] == ["Bearer"]
    assert "refresh_token" not in fragment
    token = fragment["access_token"][0]
    assert anon.get("/data/Contact", headers=bearer(token)).status_code == 200


def test_deny_redirects_with_access_denied_and_state(
    anon: ApiClient, admin: User, app_client: Registered
) -> None:
    response = authorize(anon, code_params(app_client, state="keep"), "", "", decision="deny")
    answer = redirect_query(response)
    assert (answer["error"], answer["state"]) == ("access_denied", "keep")
    assert "code" not in answer


def test_wrong_password_shows_the_form_again(
    anon: ApiClient, app_client: Registered, admin: User
) -> None:
    response = authorize(anon, code_params(app_client), "admin", "wrong")
    assert response.status_code == 401
    assert "Wrong login or password" in response.text
    assert consent_form(anon.get("/auth/user/authorize", params=code_params(app_client)))


def test_default_scope_is_profile(anon: ApiClient, admin: User, app_client: Registered) -> None:
    params = code_params(app_client)
    del params["scope"]
    code = redirect_query(authorize(anon, params, "admin", admin.password))["code"]
    token = exchange(anon, app_client, code).json()
    assert token["scope"] == "profile"
    headers = bearer(token["access_token"])
    assert anon.get("/me", headers=headers).status_code == 200
    denied = anon.get("/data/Contact", headers=headers)
    assert denied.status_code == 403 and denied.json()["error"] == "insufficient_scope"


def test_read_scope_cannot_write(anon: ApiClient, admin: User, app_client: Registered) -> None:
    code = get_code(anon, app_client, "admin", admin.password, scope="read")
    headers = bearer(exchange(anon, app_client, code).json()["access_token"])
    assert anon.get("/data/Contact", headers=headers).status_code == 200
    denied = anon.post("/data/Contact", headers=headers, json={"data": {"last_name": "X"}})
    assert denied.status_code == 403
    assert set(denied.json()) == {"error", "message", "hint"}
    assert denied.json()["error"] == "insufficient_scope"


def test_metadata_document(anon: ApiClient) -> None:
    for path in (
        "/.well-known/oauth-authorization-server",
        "/.well-known/oauth-authorization-server/api.php",
    ):
        doc = anon.get("http://testserver" + path).json()
        assert doc["issuer"] == "http://testserver"
        assert doc["authorization_endpoint"] == "http://testserver/api.php/auth/user/authorize"
        assert doc["token_endpoint"] == "http://testserver/api.php/auth/user/access_token"
        assert doc["revocation_endpoint"] == "http://testserver/api.php/auth/user/revoke"
        assert doc["code_challenge_methods_supported"] == ["S256"]
        assert set(doc["scopes_supported"]) == {"read", "write", "profile"}
        assert "authorization_code" in doc["grant_types_supported"]
        assert "none" in doc["token_endpoint_auth_methods_supported"]
        assert anon.get(doc["jwks_uri"]).json()["keys"][0]["alg"] == "RS256"


def test_public_key_verifies_tokens(anon: ApiClient, app_client: Registered) -> None:
    key = anon.get("/public_key").json()["key"]
    assert key.startswith("-----BEGIN PUBLIC KEY-----")
    assert "PRIVATE" not in key
    token = token_post(anon, {"grant_type": "client_credentials", **app_client.creds()})
    assert decode(token.json()["access_token"], anon)["owner_type"] == "user"


def test_revocation_kills_the_grant(anon: ApiClient, admin: User, app_client: Registered) -> None:
    code = get_code(anon, app_client, "admin", admin.password)
    token = exchange(anon, app_client, code).json()
    headers = bearer(token["access_token"])
    assert anon.get("/data/Contact", headers=headers).status_code == 200
    revoked = anon.post(
        "/auth/user/revoke",
        data={
            "token": token["refresh_token"],
            "token_type_hint": "refresh_token",
            **app_client.creds(),
        },
    )
    assert revoked.status_code == 200, revoked.text
    assert anon.get("/data/Contact", headers=headers).status_code == 401
    again = token_post(
        anon,
        {
            "grant_type": "refresh_token",
            "refresh_token": token["refresh_token"],
            **app_client.creds(),
        },
    )
    assert again.status_code == 400 and again.json()["error"] == "invalid_grant"
    # an unknown token is answered 200 too (RFC 7009 2.2)
    assert (
        anon.post("/auth/user/revoke", data={"token": "nonsense", **app_client.creds()}).status_code
        == 200
    )


def test_revoking_an_access_token(anon: ApiClient, app_client: Registered) -> None:
    token = token_post(anon, {"grant_type": "client_credentials", **app_client.creds()}).json()
    headers = bearer(token["access_token"])
    assert anon.get("/me", headers=headers).status_code == 200
    assert (
        anon.post(
            "/auth/user/revoke", json={"token": token["access_token"], **app_client.creds()}
        ).status_code
        == 200
    )
    assert anon.get("/me", headers=headers).status_code == 401


def test_revocation_needs_the_issuing_client(
    anon: ApiClient, services: Services, app_client: Registered
) -> None:
    other = register(services, grants=["client_credentials"], user="admin")
    token = token_post(anon, {"grant_type": "client_credentials", **app_client.creds()}).json()
    assert (
        anon.post(
            "/auth/user/revoke", data={"token": token["access_token"], **other.creds()}
        ).status_code
        == 200
    )
    assert anon.get("/me", headers=bearer(token["access_token"])).status_code == 200
    unauthenticated = anon.post(
        "/auth/user/revoke",
        data={
            "token": token["access_token"],
            "client_id": app_client.client_id,
            "client_secret": "wrong",
        },
    )
    assert unauthenticated.status_code in (400, 401)
    assert unauthenticated.json()["error"] == "invalid_client"
