"""OAuth negative cases, one per rule of RFC 9700 that the server enforces."""

from __future__ import annotations

import base64
import json
import time
from datetime import timedelta
from typing import Any
from urllib.parse import parse_qs, urlsplit

import pytest
import sqlalchemy as sa
from joserfc import jwt
from joserfc.jwk import RSAKey

from amity.core.auth.tokens import token_hash
from amity.core.services import Services
from tests.api.oauth_helpers import (
    Registered,
    authorize,
    bearer,
    code_params,
    exchange,
    get_code,
    pkce,
    redirect_query,
    register,
    token_post,
)
from tests.conftest import ApiClient, User, raw_get


@pytest.fixture
def public(services: Services) -> Registered:
    return register(services, public=True, redirect_uris=["http://127.0.0.1:9000/cb"])


def tokens(anon: ApiClient, app: Registered, admin: User, **kw: Any) -> dict[str, Any]:
    code = get_code(anon, app, "admin", admin.password, **kw)
    got = exchange(anon, app, code)
    assert got.status_code == 200, got.text
    result: dict[str, Any] = got.json()
    return result


def assert_oauth_error(response: Any, error: str, status: int = 400) -> None:
    assert response.status_code == status, response.text
    body = response.json()
    assert body["error"] == error
    assert body["message"] and "hint" in body and "error_description" in body


# -- redirect URIs ------------------------------------------------------------------------
@pytest.mark.parametrize(
    "uri",
    [
        "https://app.example/callback/",
        "https://app.example/callbackx",
        "https://app.example/callback?x=1",
        "https://evil.example/cb",
        "http://app.example/callback",
        "HTTPS://app.example/callback",
    ],
)
def test_redirect_uri_must_match_exactly(anon: ApiClient, app_client: Registered, uri: str) -> None:
    page = anon.get("/auth/user/authorize", params=code_params(app_client, redirect_uri=uri))
    assert page.status_code == 400
    assert "location" not in page.headers  # never redirect to an unregistered address
    assert "not supported" in page.text


def test_unknown_client_gets_an_error_page(anon: ApiClient) -> None:
    page = anon.get(
        "/auth/user/authorize",
        params={"response_type": "code", "client_id": "nobody", "state": "x"},
    )
    assert page.status_code == 400 and "location" not in page.headers


def test_code_exchange_needs_the_same_redirect_uri(
    anon: ApiClient, services: Services, admin: User
) -> None:
    app = register(services, redirect_uris=["https://a.example/cb", "https://b.example/cb"])
    code = get_code(anon, app, "admin", admin.password)
    got = exchange(anon, app, code, redirect_uri="https://b.example/cb")
    assert_oauth_error(got, "invalid_grant")


# -- PKCE ---------------------------------------------------------------------------------
def test_public_client_without_pkce_is_refused(
    anon: ApiClient, public: Registered, admin: User
) -> None:
    response = anon.get("/auth/user/authorize", params=code_params(public, state="st"))
    answer = redirect_query(response)
    assert answer["error"] == "invalid_request" and answer["state"] == "st"
    assert "PKCE" in answer["error_description"]


def test_plain_pkce_is_refused(anon: ApiClient, app_client: Registered) -> None:
    verifier, _ = pkce()
    for method in ("plain", None):
        params = code_params(app_client, code_challenge=verifier)
        if method:
            params["code_challenge_method"] = method
        answer = redirect_query(anon.get("/auth/user/authorize", params=params))
        assert answer["error"] == "invalid_request"


def test_wrong_or_missing_verifier_is_refused(
    anon: ApiClient, public: Registered, admin: User
) -> None:
    _, challenge = pkce()
    code = get_code(anon, public, "admin", admin.password, challenge=challenge)
    assert_oauth_error(exchange(anon, public, code, verifier=pkce()[0]), "invalid_grant")
    code = get_code(anon, public, "admin", admin.password, challenge=challenge)
    assert_oauth_error(exchange(anon, public, code), "invalid_request")


def test_confidential_client_pkce_is_honoured(
    anon: ApiClient, app_client: Registered, admin: User
) -> None:
    verifier, challenge = pkce()
    code = get_code(anon, app_client, "admin", admin.password, challenge=challenge)
    assert_oauth_error(exchange(anon, app_client, code), "invalid_request")
    code = get_code(anon, app_client, "admin", admin.password, challenge=challenge)
    assert exchange(anon, app_client, code, verifier=verifier).status_code == 200


def test_pkce_downgrade_verifier_without_challenge(
    anon: ApiClient, app_client: Registered, admin: User
) -> None:
    code = get_code(anon, app_client, "admin", admin.password)
    assert_oauth_error(exchange(anon, app_client, code, verifier=pkce()[0]), "invalid_request")


# -- codes --------------------------------------------------------------------------------
def test_code_reuse_is_refused_and_revokes_the_first_tokens(
    anon: ApiClient, admin: User, app_client: Registered
) -> None:
    code = get_code(anon, app_client, "admin", admin.password)
    first = exchange(anon, app_client, code).json()
    assert anon.get("/me", headers=bearer(first["access_token"])).status_code == 200
    assert_oauth_error(exchange(anon, app_client, code), "invalid_grant")
    assert anon.get("/me", headers=bearer(first["access_token"])).status_code == 401
    refreshed = token_post(
        anon,
        {
            "grant_type": "refresh_token",
            "refresh_token": first["refresh_token"],
            **app_client.creds(),
        },
    )
    assert_oauth_error(refreshed, "invalid_grant")


def test_expired_code_is_refused(
    anon: ApiClient, services: Services, admin: User, app_client: Registered
) -> None:
    code = get_code(anon, app_client, "admin", admin.password)
    codes = services.db.tables.system("oauth_codes")
    with services.db.write() as conn:
        row = conn.execute(sa.select(codes.c.expires_at)).one()
        assert row.expires_at - timedelta(seconds=60) <= row.expires_at  # lives <= 60 s
        conn.execute(sa.update(codes).values(expires_at=row.expires_at - timedelta(seconds=61)))
    assert_oauth_error(exchange(anon, app_client, code), "invalid_grant")


def test_code_lifetime_is_at_most_60_seconds(
    anon: ApiClient, services: Services, admin: User, app_client: Registered
) -> None:
    from amity.core.clock import utcnow

    before = utcnow()
    get_code(anon, app_client, "admin", admin.password)
    codes = services.db.tables.system("oauth_codes")
    with services.db.read() as conn:
        expires = conn.execute(sa.select(codes.c.expires_at)).scalar_one()
    assert expires <= utcnow() + timedelta(seconds=60)
    assert expires >= before + timedelta(seconds=59)


def test_code_of_another_client_is_refused(
    anon: ApiClient, services: Services, admin: User, app_client: Registered
) -> None:
    other = register(services)
    code = get_code(anon, app_client, "admin", admin.password)
    assert_oauth_error(exchange(anon, other, code), "invalid_grant")
    assert exchange(anon, app_client, code).status_code == 200  # not spent by the attempt


# -- refresh tokens -----------------------------------------------------------------------
def test_refresh_reuse_revokes_the_whole_grant(
    anon: ApiClient, admin: User, app_client: Registered
) -> None:
    first = tokens(anon, app_client, admin)
    second = token_post(
        anon,
        {
            "grant_type": "refresh_token",
            "refresh_token": first["refresh_token"],
            **app_client.creds(),
        },
    )
    assert second.status_code == 200
    rotated = second.json()
    replay = token_post(
        anon,
        {
            "grant_type": "refresh_token",
            "refresh_token": first["refresh_token"],
            **app_client.creds(),
        },
    )
    assert_oauth_error(replay, "invalid_grant")
    for token in (first["access_token"], rotated["access_token"]):
        assert anon.get("/me", headers=bearer(token)).status_code == 401
    after = token_post(
        anon,
        {
            "grant_type": "refresh_token",
            "refresh_token": rotated["refresh_token"],
            **app_client.creds(),
        },
    )
    assert_oauth_error(after, "invalid_grant")


def test_refresh_token_of_another_client_or_owner_type(
    anon: ApiClient, services: Services, admin: User, app_client: Registered
) -> None:
    first = tokens(anon, app_client, admin)
    other = register(services)
    body = {"grant_type": "refresh_token", "refresh_token": first["refresh_token"]}
    assert_oauth_error(token_post(anon, {**body, **other.creds()}), "invalid_grant")
    assert_oauth_error(
        token_post(anon, {**body, **app_client.creds()}, owner_type="contact"),
        "unauthorized_client",
    )
    assert token_post(anon, {**body, **app_client.creds()}).status_code == 200


def test_refresh_cannot_widen_the_scope(
    anon: ApiClient, admin: User, app_client: Registered
) -> None:
    first = tokens(anon, app_client, admin, scope="read")
    wider = token_post(
        anon,
        {
            "grant_type": "refresh_token",
            "scope": "read write",
            "refresh_token": first["refresh_token"],
            **app_client.creds(),
        },
    )
    assert_oauth_error(wider, "invalid_scope")


# -- forged and foreign JWTs --------------------------------------------------------------
def b64(data: dict[str, Any]) -> str:
    return base64.urlsafe_b64encode(json.dumps(data).encode()).rstrip(b"=").decode()


def claims_of(token: str) -> dict[str, Any]:
    segment = token.split(".")[1]
    padded = segment + "=" * (-len(segment) % 4)
    result: dict[str, Any] = json.loads(base64.urlsafe_b64decode(padded))
    return result


def refused(anon: ApiClient, token: str) -> None:
    response = anon.get("/me", headers=bearer(token))
    assert response.status_code == 401, response.text
    assert set(response.json()) == {"error", "message", "hint"}


@pytest.fixture
def valid(anon: ApiClient, app_client: Registered) -> str:
    got = token_post(
        anon, {"grant_type": "client_credentials", "scope": "read write", **app_client.creds()}
    )
    token: str = got.json()["access_token"]
    assert anon.get("/me", headers=bearer(token)).status_code == 200
    return token


def test_alg_none_is_refused(anon: ApiClient, valid: str) -> None:
    forged = b64({"alg": "none", "typ": "JWT"}) + "." + b64(claims_of(valid)) + "."
    refused(anon, forged)


def test_another_key_is_refused(anon: ApiClient, valid: str) -> None:
    other = RSAKey.generate_key(2048, private=True)
    refused(anon, jwt.encode({"alg": "RS256"}, claims_of(valid), other))


def test_hmac_with_the_public_key_is_refused(anon: ApiClient, valid: str) -> None:
    import hashlib
    import hmac

    pem = anon.get("/public_key").json()["key"].encode()
    signing_input = b64({"alg": "HS256", "typ": "JWT"}) + "." + b64(claims_of(valid))
    signature = hmac.new(pem, signing_input.encode(), hashlib.sha256).digest()
    refused(anon, signing_input + "." + base64.urlsafe_b64encode(signature).rstrip(b"=").decode())


def test_tampered_payload_is_refused(anon: ApiClient, valid: str) -> None:
    header, _, signature = valid.split(".")
    claims = {**claims_of(valid), "sub": "Users:someone-else"}
    refused(anon, f"{header}.{b64(claims)}.{signature}")


def resign(services: Services, token: str, **changes: Any) -> str:
    """The same token with changed claims, signed with the server's own key."""
    return services.oauth.signer.sign({**claims_of(token), **changes})


def test_expired_token_is_refused(anon: ApiClient, services: Services, valid: str) -> None:
    refused(anon, resign(services, valid, exp=int(time.time()) - 5))


def test_wrong_audience_or_issuer_is_refused(
    anon: ApiClient, services: Services, valid: str
) -> None:
    refused(anon, resign(services, valid, aud="https://other.example/api.php"))
    refused(anon, resign(services, valid, iss="https://other.example"))


def test_owner_type_must_match_the_subject(anon: ApiClient, services: Services, valid: str) -> None:
    refused(anon, resign(services, valid, owner_type="contact"))
    refused(anon, resign(services, valid, gid="not-a-grant"))


def test_removed_client_kills_its_tokens(
    anon: ApiClient, services: Services, valid: str, app_client: Registered
) -> None:
    from amity.core.actor import SYSTEM

    services.clients.remove(SYSTEM, app_client.client_id)
    services.oauth.forget()
    refused(anon, valid)


def test_personal_tokens_still_work(api: ApiClient) -> None:
    assert api.get("/me").status_code == 200


# -- grants a client does not have --------------------------------------------------------
def test_password_grant_is_refused_unless_enabled(
    anon: ApiClient, admin: User, app_client: Registered
) -> None:
    got = token_post(
        anon,
        {
            "grant_type": "password",
            "username": "admin",
            "password": admin.password,
            **app_client.creds(),
        },
    )
    assert_oauth_error(got, "unauthorized_client")


def test_implicit_is_refused_unless_enabled(anon: ApiClient, public: Registered) -> None:
    params = {
        "response_type": "token",
        "client_id": public.client_id,
        "redirect_uri": public.redirect_uri,
        "state": "s",
    }
    response = anon.get("/auth/user/authorize", params=params)
    assert response.status_code == 302
    answer = parse_qs(urlsplit(response.headers["location"]).fragment)
    assert answer["error"] == ["unauthorized_client"] and answer["state"] == ["s"]


def test_client_credentials_refused_without_the_grant(anon: ApiClient, services: Services) -> None:
    app = register(services)
    assert_oauth_error(
        token_post(anon, {"grant_type": "client_credentials", **app.creds()}), "unauthorized_client"
    )


def test_unknown_grant_type(anon: ApiClient, app_client: Registered) -> None:
    assert_oauth_error(
        token_post(anon, {"grant_type": "magic", **app_client.creds()}), "unsupported_grant_type"
    )


# -- client authentication ----------------------------------------------------------------
def test_client_authentication_failures(anon: ApiClient, app_client: Registered) -> None:
    base = {"grant_type": "client_credentials"}
    for creds in (
        {"client_id": app_client.client_id, "client_secret": "wrong"},
        {"client_id": app_client.client_id},
        {"client_id": "unknown", "client_secret": "x"},
        {},
    ):
        got = token_post(anon, {**base, **creds})
        assert got.status_code in (400, 401), got.text
        assert got.json()["error"] == "invalid_client"
    wrong_basic = anon.post(
        "/auth/user/access_token", data=base, auth=(app_client.client_id, "wrong")
    )
    assert_oauth_error(wrong_basic, "invalid_client", 401)


def test_bad_bodies(anon: ApiClient, app_client: Registered) -> None:
    url = "/auth/user/access_token"
    assert_oauth_error(
        anon.post(url, content=b"{", headers={"content-type": "application/json"}),
        "invalid_request",
    )
    assert_oauth_error(anon.post(url, json={"grant_type": 5}), "invalid_request")
    assert_oauth_error(
        anon.post(
            url,
            content=b"grant_type=a&grant_type=b",
            headers={"content-type": "application/x-www-form-urlencoded"},
        ),
        "invalid_request",
    )
    assert_oauth_error(
        anon.post(url, content=b"x", headers={"content-type": "text/plain"}), "invalid_request"
    )
    assert anon.post("/auth/robot/access_token", json={}).status_code == 404


# -- the consent form ---------------------------------------------------------------------
def test_form_post_without_csrf_token_is_refused(
    anon: ApiClient, app_client: Registered, admin: User
) -> None:
    form = {
        **code_params(app_client),
        "login": "admin",
        "password": admin.password,
        "decision": "allow",
    }
    response = anon.post("/auth/user/authorize", data=form)
    assert response.status_code == 403 and "location" not in response.headers


def test_consent_page_escapes_and_forbids_framing(anon: ApiClient, services: Services) -> None:
    app = register(services, name="<script>alert(1)</script>")
    page = anon.get(
        "/auth/user/authorize", params=code_params(app, state="'><img src=x onerror=alert(1)>")
    )
    assert page.status_code == 200
    assert "<script>alert" not in page.text and "<img" not in page.text
    assert page.headers["x-frame-options"] == "DENY"
    assert "frame-ancestors 'none'" in page.headers["content-security-policy"]


def test_state_comes_back_unchanged_on_errors_too(
    anon: ApiClient, app_client: Registered, admin: User
) -> None:
    state = "a b+c/d=e&f%g"
    answer = redirect_query(
        authorize(anon, code_params(app_client, state=state), "admin", admin.password)
    )
    assert answer["state"] == state
    answer = redirect_query(
        anon.get("/auth/user/authorize", params=code_params(app_client, state=state, scope="admin"))
    )
    assert answer == {**answer, "error": "invalid_scope", "state": state}


# -- nothing secret in clear --------------------------------------------------------------
def test_no_secret_in_clear_in_the_database(
    anon: ApiClient, services: Services, admin: User, app_client: Registered
) -> None:
    code = get_code(anon, app_client, "admin", admin.password)
    first = exchange(anon, app_client, code).json()
    second = token_post(
        anon,
        {
            "grant_type": "refresh_token",
            "refresh_token": first["refresh_token"],
            **app_client.creds(),
        },
    ).json()
    secrets = [
        code,
        first["refresh_token"],
        second["refresh_token"],
        str(app_client.secret),
        first["access_token"],
        admin.password,
    ]
    dump = []
    with services.db.read() as conn:
        for table in services.db.tables.metadata.sorted_tables:
            for row in conn.execute(sa.select(table)):
                dump.append(" ".join(str(v) for v in row))
    text = "\n".join(dump)
    for secret in secrets:
        assert secret not in text
    assert token_hash(first["refresh_token"]) in text  # stored, but only as its hash


def test_invalid_utf8_in_the_authorization_request(app: Any) -> None:
    status, _ = raw_get(app, "/api.php/auth/user/authorize", b"client_id=%FF\xfe&state=\xff")
    assert status == 400
