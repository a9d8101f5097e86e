"""OAuth and AuthorizationFlow.

The wire details (request bodies, URLs, refresh on 401) against httpx.MockTransport
playing the 1CRM token endpoint; test_oauth_server.py runs the same flows against a real
Amity server.
"""

from __future__ import annotations

import asyncio
import base64
import json
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import parse_qs, urlsplit

import httpx
import pytest

from amity_client import (
    AsyncClient,
    AuthorizationFlow,
    BadRequest,
    Client,
    Error,
    OAuth,
    Unauthorized,
)
from amity_client._auth import jwt_expiry

URL = "https://crm.example.test/api.php"
TOKEN_PATH = "/api.php/auth/user/access_token"


@dataclass
class FakeOAuthServer:
    """A token endpoint and a /me that accepts only the current access token."""

    valid: set[str] = field(default_factory=lambda: {"new-access"})
    grants: list[dict[str, Any]] = field(default_factory=list)
    refresh_answer: tuple[int, dict[str, Any]] = (
        200,
        {
            "token_type": "Bearer",
            "expires_in": 86399,
            "access_token": "new-access",
            "refresh_token": "new-refresh",
        },
    )
    seen_bearers: list[str] = field(default_factory=list)

    def __call__(self, request: httpx.Request) -> httpx.Response:
        if request.url.path == TOKEN_PATH:
            assert request.method == "POST"
            assert request.headers["content-type"] == "application/json"
            self.grants.append(json.loads(request.content))
            status, body = self.refresh_answer
            return httpx.Response(status, json=body)
        assert request.url.path == "/api.php/me"
        bearer = request.headers.get("authorization", "").removeprefix("Bearer ")
        self.seen_bearers.append(bearer)
        if bearer not in self.valid:
            return httpx.Response(
                401, json={"error": "unauthorized", "message": "Token expired", "hint": ""}
            )
        return httpx.Response(200, json={"id": "1", "user_name": "admin"})


def flow(server: FakeOAuthServer, **options: Any) -> AuthorizationFlow:
    return AuthorizationFlow(
        URL,
        client_id="cid",
        client_secret="secret",
        scope="read write",
        transport=httpx.MockTransport(server),
        **options,
    )


def expired_token() -> dict[str, Any]:
    return {"access_token": "old-access", "refresh_token": "old-refresh", "expires_at": 1.0}


def test_an_expired_token_refreshes_itself_and_reports_the_new_one() -> None:
    server = FakeOAuthServer()
    stored: list[dict[str, Any]] = []
    auth = OAuth(expired_token(), flow(server), stored.append, clock=lambda: 1000.0)
    with Client(URL, auth, transport=httpx.MockTransport(server)) as client:
        assert client.me()["user_name"] == "admin"
        client.me()
    assert server.grants == [
        {
            "grant_type": "refresh_token",
            "client_id": "cid",
            "client_secret": "secret",
            "scope": "read write",
            "refresh_token": "old-refresh",
        }
    ]
    assert server.seen_bearers == ["new-access", "new-access"]
    assert len(stored) == 1
    assert stored[0]["access_token"] == "new-access"
    assert stored[0]["refresh_token"] == "new-refresh"
    assert stored[0]["expires_at"] == 1000.0 + 86399
    assert auth.token == stored[0]


def test_a_valid_token_is_sent_as_is() -> None:
    server = FakeOAuthServer(valid={"fresh"})
    auth = OAuth({"access_token": "fresh", "refresh_token": "r", "expires_in": 3600}, flow(server))
    with Client(URL, auth, transport=httpx.MockTransport(server)) as client:
        client.me()
    assert server.grants == [] and server.seen_bearers == ["fresh"]


def test_a_rejected_token_is_refreshed_once_and_the_request_repeated() -> None:
    server = FakeOAuthServer()
    auth = OAuth({"access_token": "revoked", "refresh_token": "r"}, flow(server))
    with Client(URL, auth, transport=httpx.MockTransport(server)) as client:
        assert client.me()["id"] == "1"
    assert server.seen_bearers == ["revoked", "new-access"]
    assert len(server.grants) == 1


def test_a_refreshed_token_that_is_still_rejected_surfaces_unauthorized() -> None:
    server = FakeOAuthServer(valid=set())
    auth = OAuth({"access_token": "revoked", "refresh_token": "r"}, flow(server))
    with (
        Client(URL, auth, transport=httpx.MockTransport(server)) as client,
        pytest.raises(Unauthorized),
    ):
        client.me()
    assert len(server.grants) == 1


def test_a_refresh_answer_without_a_new_refresh_token_keeps_the_old_one() -> None:
    server = FakeOAuthServer(refresh_answer=(200, {"access_token": "new-access", "expires_in": 60}))
    auth = OAuth(expired_token(), flow(server), clock=lambda: 5000.0)
    with Client(URL, auth, transport=httpx.MockTransport(server)) as client:
        client.me()
    assert auth.token["refresh_token"] == "old-refresh"
    assert auth.token["expires_at"] == 5060.0


def test_a_failed_refresh_raises_the_servers_error() -> None:
    server = FakeOAuthServer(
        refresh_answer=(400, {"error": "invalid_grant", "message": "Refresh token revoked"})
    )
    auth = OAuth(expired_token(), flow(server))
    with (
        Client(URL, auth, transport=httpx.MockTransport(server)) as client,
        pytest.raises(BadRequest) as info,
    ):
        client.me()
    assert info.value.type == "invalid_grant" and server.seen_bearers == []


def test_without_a_flow_an_expired_token_is_sent_and_rejected() -> None:
    server = FakeOAuthServer()
    with (
        Client(URL, OAuth(expired_token()), transport=httpx.MockTransport(server)) as client,
        pytest.raises(Unauthorized),
    ):
        client.me()
    assert server.grants == []


def test_the_async_client_refreshes_too() -> None:
    server = FakeOAuthServer()
    stored: list[dict[str, Any]] = []

    async def main() -> None:
        auth = OAuth(expired_token(), flow(server), stored.append)
        async with AsyncClient(URL, auth, transport=httpx.MockTransport(server)) as client:
            assert (await client.me())["user_name"] == "admin"

    asyncio.run(main())
    assert [s["access_token"] for s in stored] == ["new-access"]


def test_expiry_is_read_from_a_jwt_access_token() -> None:
    claims = (
        base64.urlsafe_b64encode(json.dumps({"sub": "Users:1", "exp": 1700000000}).encode())
        .decode()
        .rstrip("=")
    )
    jwt = f"eyJhbGciOiJSUzI1NiJ9.{claims}.signature"
    assert jwt_expiry(jwt) == 1700000000
    assert OAuth({"access_token": jwt}).token["expires_at"] == 1700000000
    assert jwt_expiry("not-a-jwt") is None
    with pytest.raises(ValueError):
        OAuth({"refresh_token": "r"})


# -- AuthorizationFlow -----------------------------------------------------------------------
def test_authorization_code_flow() -> None:
    server = FakeOAuthServer()
    auth_flow = flow(
        server, redirect_uri="https://app.example.test/cb", state="xyz", owner_type="contact"
    )
    address = auth_flow.init("authorization_code")
    assert isinstance(address, str)
    parts = urlsplit(address)
    assert parts.path == "/api.php/auth/contact/authorize"
    assert {k: v[0] for k, v in parse_qs(parts.query).items()} == {
        "response_type": "code",
        "client_id": "cid",
        "redirect_uri": "https://app.example.test/cb",
        "scope": "read write",
        "state": "xyz",
        "code_challenge": auth_flow.code_challenge,
        "code_challenge_method": "S256",
    }
    assert auth_flow.code_verifier and len(auth_flow.code_verifier) >= 43
    with pytest.raises(Error) as info:
        auth_flow.finalize({"code": "c0de", "state": "forged"})
    assert info.value.type == "invalid_state"
    with pytest.raises(Error) as denied:
        auth_flow.finalize({"state": "xyz", "error": "access_denied"})
    assert denied.value.type == "access_denied"


def test_code_exchange_posts_the_code() -> None:
    server = FakeOAuthServer()
    auth_flow = AuthorizationFlow(
        URL,
        client_id="cid",
        client_secret="secret",
        redirect_uri="https://app.example.test/cb",
        state="xyz",
        code_verifier="v" * 43,
        transport=httpx.MockTransport(server),
    )
    token = auth_flow.finalize({"code": "c0de", "state": "xyz"})
    assert token["access_token"] == "new-access"
    assert server.grants[-1] == {
        "grant_type": "authorization_code",
        "client_id": "cid",
        "client_secret": "secret",
        "scope": "profile",
        "redirect_uri": "https://app.example.test/cb",
        "code": "c0de",
        "code_verifier": "v" * 43,
    }


def test_password_client_credentials_and_refresh_grants() -> None:
    server = FakeOAuthServer()
    auth_flow = flow(server, username="admin", password="pw")
    assert isinstance(auth_flow.init("password"), dict)
    assert auth_flow.init("client_credentials") == server.refresh_answer[1]
    assert auth_flow.refresh_token("r1")["refresh_token"] == "new-refresh"
    assert [
        (g["grant_type"], g.get("username"), g.get("refresh_token")) for g in server.grants
    ] == [
        ("password", "admin", None),
        ("client_credentials", None, None),
        ("refresh_token", None, "r1"),
    ]
    with pytest.raises(ValueError):
        auth_flow.init("implicit")


def test_async_grants() -> None:
    server = FakeOAuthServer()
    auth_flow = flow(server, username="admin", password="pw", state="s")

    async def main() -> None:
        assert (await auth_flow.ainit("password"))["access_token"] == "new-access"  # type: ignore[index]
        assert (await auth_flow.arefresh_token("r"))["access_token"] == "new-access"
        assert (await auth_flow.afinalize({"code": "c", "state": "s"}))["access_token"]

    asyncio.run(main())
    assert [g["grant_type"] for g in server.grants] == [
        "password",
        "refresh_token",
        "authorization_code",
    ]
