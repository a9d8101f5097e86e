"""Credentials: BasicAuth, TokenAuth (personal access token) and OAuth (an OAuth 2 token
that refreshes itself). Each is an httpx.Auth, so the same object serves Client and
AsyncClient."""

from __future__ import annotations

import base64
import binascii
import json
import time
from collections.abc import AsyncGenerator, Callable, Generator, Mapping
from typing import TYPE_CHECKING, Any

import httpx

if TYPE_CHECKING:
    from amity_client._oauth import AuthorizationFlow

TokenCallback = Callable[[dict[str, Any]], None]


class BasicAuth(httpx.Auth):
    """HTTP Basic with a user name and password (`Authorization: Basic ...`)."""

    def __init__(self, user: str, password: str) -> None:
        pair = f"{user}:{password}".encode()
        self._header = "Basic " + base64.b64encode(pair).decode("ascii")

    def auth_flow(self, request: httpx.Request) -> Generator[httpx.Request, httpx.Response, None]:
        request.headers["Authorization"] = self._header
        yield request


class TokenAuth(httpx.Auth):
    """A bearer token, such as a personal access token from `amity token create USER`."""

    def __init__(self, token: str) -> None:
        if not token:
            raise ValueError("token must not be empty")
        self._header = f"Bearer {token}"

    def auth_flow(self, request: httpx.Request) -> Generator[httpx.Request, httpx.Response, None]:
        request.headers["Authorization"] = self._header
        yield request


def jwt_expiry(access_token: str) -> float | None:
    """The `exp` claim of a JWT access token, read without verifying it (None if absent)."""
    parts = access_token.split(".")
    if len(parts) != 3:
        return None
    segment = parts[1] + "=" * (-len(parts[1]) % 4)
    try:
        claims = json.loads(base64.urlsafe_b64decode(segment))
    except (ValueError, binascii.Error):
        return None
    exp = claims.get("exp") if isinstance(claims, dict) else None
    return float(exp) if isinstance(exp, int | float) else None


def with_expiry(token: Mapping[str, Any], now: float) -> dict[str, Any]:
    """The token with `expires_at` (epoch seconds): kept if present, else the JWT's `exp`,
    else `expires_in` counted from now. Without any of them it has no expiry."""
    out = dict(token)
    if isinstance(out.get("expires_at"), int | float):
        return out
    exp = jwt_expiry(str(out.get("access_token", "")))
    if exp is None and isinstance(out.get("expires_in"), int | float):
        exp = now + float(out["expires_in"])
    if exp is not None:
        out["expires_at"] = exp
    return out


class OAuth(httpx.Auth):
    """An OAuth 2 token dict (as the token endpoint answers it); sends its `access_token`.

    Given a `refresh_token` and an AuthorizationFlow, it refreshes the token itself when it
    has expired (or expires within `leeway` seconds), and once more if the server still
    answers 401; `on_refresh` receives each new token dict, with `expires_at` added, so the
    caller can store it. `token` is the current one.
    """

    # only the token endpoint's answers are read here (below): other bodies, a download's
    # among them, stay unread for the caller to stream
    requires_response_body = False

    def __init__(
        self,
        token: Mapping[str, Any],
        flow: AuthorizationFlow | None = None,
        on_refresh: TokenCallback | None = None,
        *,
        leeway: float = 30.0,
        clock: Callable[[], float] = time.time,
    ) -> None:
        if not token.get("access_token"):
            raise ValueError("the token dict needs an access_token")
        self._clock = clock
        self._token = with_expiry(token, clock())
        self.flow = flow
        self.on_refresh = on_refresh
        self.leeway = leeway

    @property
    def token(self) -> dict[str, Any]:
        return dict(self._token)

    @property
    def can_refresh(self) -> bool:
        return self.flow is not None and bool(self._token.get("refresh_token"))

    def expired(self) -> bool:
        expires_at = self._token.get("expires_at")
        return isinstance(expires_at, int | float) and self._clock() + self.leeway >= expires_at

    def auth_flow(self, request: httpx.Request) -> Generator[httpx.Request, httpx.Response, None]:
        refreshed = False
        if self.can_refresh and self.expired():
            yield from self._refresh()
            refreshed = True
        request.headers["Authorization"] = f"Bearer {self._token['access_token']}"
        response = yield request
        if response.status_code == 401 and self.can_refresh and not refreshed:
            yield from self._refresh()
            request.headers["Authorization"] = f"Bearer {self._token['access_token']}"
            yield request

    def sync_auth_flow(
        self, request: httpx.Request
    ) -> Generator[httpx.Request, httpx.Response, None]:
        flow = self.auth_flow(request)
        outgoing = next(flow)
        while True:
            response = yield outgoing
            if outgoing is not request:  # a refresh: the new token is in its body
                response.read()
            try:
                outgoing = flow.send(response)
            except StopIteration:
                return

    async def async_auth_flow(
        self, request: httpx.Request
    ) -> AsyncGenerator[httpx.Request, httpx.Response]:
        flow = self.auth_flow(request)
        outgoing = next(flow)
        while True:
            response = yield outgoing
            if outgoing is not request:
                await response.aread()
            try:
                outgoing = flow.send(response)
            except StopIteration:
                return

    def _refresh(self) -> Generator[httpx.Request, httpx.Response, None]:
        assert self.flow is not None
        response = yield self.flow.refresh_request(str(self._token["refresh_token"]))
        token = self.flow.parse_token(response)
        if not token.get("refresh_token"):
            token["refresh_token"] = self._token["refresh_token"]
        self._token = with_expiry(token, self._clock())
        if self.on_refresh is not None:
            self.on_refresh(dict(self._token))
