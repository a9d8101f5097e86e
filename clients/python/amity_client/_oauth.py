"""/auth/{owner_type}/...: the OAuth 2 flows of the 1CRM API (AuthorizationFlow).

Grants: authorization_code (authorization_url, then finalize with the redirect's
query; with PKCE S256 unless `pkce=False`), password, client_credentials, refresh_token.
Token requests are POSTed as JSON to `/auth/{owner_type}/access_token`, as the 1CRM PHP
client does; the answer is a token dict {"token_type", "expires_in", "access_token",
"refresh_token"}.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import secrets
from collections.abc import Mapping
from typing import Any, Literal
from urllib.parse import urlencode

import httpx

from amity_client._core import check_base_url, decode_response, encode_json, join_url, path
from amity_client._errors import Error, NetworkError

OwnerType = Literal["user", "contact"]
DEFAULT_TIMEOUT = httpx.Timeout(30.0, connect=10.0)


class AuthorizationFlow:
    """The OAuth 2 flows against one server (`url` is the entry point with api.php)."""

    def __init__(
        self,
        url: str,
        *,
        client_id: str,
        client_secret: str | None = None,
        redirect_uri: str | None = None,
        username: str | None = None,
        password: str | None = None,
        scope: str = "profile",
        owner_type: OwnerType = "user",
        state: str | None = None,
        pkce: bool = True,
        code_verifier: str | None = None,
        timeout: float | httpx.Timeout = DEFAULT_TIMEOUT,
        transport: httpx.BaseTransport | httpx.AsyncBaseTransport | None = None,
    ) -> None:
        self.url = check_base_url(url)
        self.client_id = client_id
        self.client_secret = client_secret
        self.redirect_uri = redirect_uri
        self.username = username
        self.password = password
        self.scope = scope
        self.owner_type = owner_type
        self.state = secrets.token_urlsafe(16) if state is None else state
        """Sent with the authorization request and checked when the redirect comes back;
        random unless given (keep the flow object, or this value, between the two)."""
        self.code_verifier = code_verifier or (secrets.token_urlsafe(48) if pkce else None)
        """The PKCE secret (RFC 7636) whose S256 hash goes into the authorization URL and
        which the code exchange proves; None when PKCE is off."""
        self.timeout = timeout
        self._transport = transport

    # -- IO-free: URLs, requests, answers --------------------------------------------------
    def endpoint(self, name: str) -> str:
        return join_url(self.url, path("auth", self.owner_type, name))

    @property
    def code_challenge(self) -> str | None:
        if self.code_verifier is None:
            return None
        digest = hashlib.sha256(self.code_verifier.encode("ascii")).digest()
        return base64.urlsafe_b64encode(digest).rstrip(b"=").decode("ascii")

    def authorization_url(self, response_type: Literal["code", "token"] = "code") -> str:
        """Where to send the user to grant access (Authorization Code or Implicit grant)."""
        query = {
            "response_type": response_type,
            "client_id": self.client_id,
            "redirect_uri": self.redirect_uri or "",
            "scope": self.scope,
            "state": self.state,
        }
        challenge = self.code_challenge
        if response_type == "code" and challenge is not None:
            query.update(code_challenge=challenge, code_challenge_method="S256")
        return self.endpoint("authorize") + "?" + urlencode(query)

    def token_request(self, grant_type: str, **fields: str | None) -> httpx.Request:
        """The POST to the token endpoint for a grant (None fields are left out)."""
        body: dict[str, Any] = {
            "grant_type": grant_type,
            "client_id": self.client_id,
            "client_secret": self.client_secret,
            "scope": self.scope,
        }
        body.update(fields)
        body = {k: v for k, v in body.items() if v is not None}
        return httpx.Request(
            "POST",
            self.endpoint("access_token"),
            content=encode_json(body),
            headers={"Content-Type": "application/json", "Accept": "application/json"},
        )

    def refresh_request(self, refresh_token: str) -> httpx.Request:
        return self.token_request("refresh_token", refresh_token=refresh_token)

    def grant_request(self, grant: str) -> httpx.Request:
        if grant == "password":
            return self.token_request("password", username=self.username, password=self.password)
        if grant == "client_credentials":
            return self.token_request("client_credentials")
        raise ValueError(
            f"unknown grant {grant!r}: use authorization_code, password or client_credentials"
        )

    def code_request(self, query: Mapping[str, str]) -> httpx.Request:
        """The code exchange for the query the server redirected back with (state checked)."""
        if not hmac.compare_digest(str(query.get("state", "")).encode(), self.state.encode()):
            raise Error("Invalid state passed back to the redirect URI", type="invalid_state")
        if "code" not in query:
            raise Error(
                str(
                    query.get("error_description")
                    or query.get("error")
                    or "No authorization code in the redirect"
                ),
                type=str(query.get("error") or "invalid_request"),
            )
        return self.token_request(
            "authorization_code",
            redirect_uri=self.redirect_uri,
            code=str(query["code"]),
            code_verifier=self.code_verifier,
        )

    @staticmethod
    def parse_token(response: httpx.Response) -> dict[str, Any]:
        """The token dict of a token endpoint answer; raises Error for a failed one."""
        body = decode_response(response.status_code, response.headers, response.read())
        if not isinstance(body, dict) or not body.get("access_token"):
            raise Error(
                "Unexpected reply from the token endpoint: no access_token",
                status=response.status_code,
                type="invalid_response",
            )
        return body

    # -- sync ------------------------------------------------------------------------------
    def _send(self, request: httpx.Request) -> dict[str, Any]:
        transport = self._transport if isinstance(self._transport, httpx.BaseTransport) else None
        try:
            with httpx.Client(timeout=self.timeout, transport=transport) as http:
                return self.parse_token(http.send(request))
        except httpx.TransportError as exc:
            raise NetworkError(f"{type(exc).__name__}: {exc}", type="network_error") from exc

    def init(self, grant: str) -> str | dict[str, Any]:
        """Start a flow as the PHP client does: for authorization_code the URL to send the
        user to; for password and client_credentials the token dict."""
        if grant == "authorization_code":
            return self.authorization_url()
        return self._send(self.grant_request(grant))

    def finalize(self, query: Mapping[str, str]) -> dict[str, Any]:
        """Finish the Authorization Code flow with the redirect's query parameters."""
        return self._send(self.code_request(query))

    def refresh_token(self, refresh_token: str) -> dict[str, Any]:
        """A new token dict for a refresh token."""
        return self._send(self.refresh_request(refresh_token))

    # -- async -----------------------------------------------------------------------------
    async def _asend(self, request: httpx.Request) -> dict[str, Any]:
        transport = (
            self._transport if isinstance(self._transport, httpx.AsyncBaseTransport) else None
        )
        try:
            async with httpx.AsyncClient(timeout=self.timeout, transport=transport) as http:
                response = await http.send(request)
                await response.aread()
                return self.parse_token(response)
        except httpx.TransportError as exc:
            raise NetworkError(f"{type(exc).__name__}: {exc}", type="network_error") from exc

    async def ainit(self, grant: str) -> str | dict[str, Any]:
        if grant == "authorization_code":
            return self.authorization_url()
        return await self._asend(self.grant_request(grant))

    async def afinalize(self, query: Mapping[str, str]) -> dict[str, Any]:
        return await self._asend(self.code_request(query))

    async def arefresh_token(self, refresh_token: str) -> dict[str, Any]:
        return await self._asend(self.refresh_request(refresh_token))
