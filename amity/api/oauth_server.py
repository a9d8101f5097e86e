"""authlib's framework-agnostic AuthorizationServer, wired to Amity's clients and OAuthService.

One server object per request and owner type (building it costs a few allocations); it
knows the issuer (this server's base URL) and the owner type of the endpoint it serves.
authlib runs the protocol: client authentication, grant selection, redirect URI and PKCE
checks, error responses. Amity's rules sit in the hooks below: exact redirect URIs, PKCE
S256 only and required for public clients, codes and refresh tokens single-use with
replays revoking the grant, opt-in password and implicit grants, owner types per client.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any, ClassVar

from authlib.oauth2 import AuthorizationServer
from authlib.oauth2.rfc6749 import (
    ClientMixin,
    InvalidGrantError,
    InvalidRequestError,
    InvalidScopeError,
    OAuth2Request,
    UnauthorizedClientError,
    grants,
)
from authlib.oauth2.rfc6749.requests import BasicOAuth2Payload
from authlib.oauth2.rfc7009 import RevocationEndpoint
from authlib.oauth2.rfc7636 import CodeChallenge
from authlib.oauth2.rfc7636.challenge import compare_s256_code_challenge

from amity.core.auth.clients import SCOPES, ClientRegistry
from amity.core.auth.oauth import OAuthService, Owner, ScopeError

# authlib logs issued tokens at DEBUG; they must never reach a log, whatever the root level
logging.getLogger("authlib").setLevel(logging.INFO)

ALL_AUTH_METHODS = ["client_secret_basic", "client_secret_post", "none"]
SECRET_AUTH_METHODS = ["client_secret_basic", "client_secret_post"]


class Client(ClientMixin):  # type: ignore[misc]
    """A registered API client as authlib sees it, at one owner type's endpoints."""

    def __init__(
        self, row: dict[str, Any], owner_type: str, registry: ClientRegistry, oauth: OAuthService
    ) -> None:
        self.row = row
        self.owner_type = owner_type
        self.registry = registry
        self.oauth = oauth

    @property
    def client_id(self) -> str:
        return str(self.row["client_id"])

    @property
    def confidential(self) -> bool:
        return bool(self.row["confidential"])

    def get_client_id(self) -> str:
        return self.client_id

    def get_default_redirect_uri(self) -> str | None:
        uris = self.row["redirect_uris"]
        return str(uris[0]) if len(uris) == 1 else None

    def get_allowed_scope(self, scope: str | None) -> str | None:
        try:
            return self.oauth.resolve_scope(scope, self.row["scopes"], self.owner_type)
        except ScopeError:
            return None

    def check_redirect_uri(self, redirect_uri: str) -> bool:
        return redirect_uri in self.row["redirect_uris"]  # exact string match, RFC 9700

    def check_client_secret(self, client_secret: str) -> bool:
        return self.confidential and self.registry.verify_secret(self.client_id, client_secret)

    def check_endpoint_auth_method(self, method: str, endpoint: str) -> bool:
        if self.confidential:
            return method in SECRET_AUTH_METHODS
        return method == "none"

    def _serves_owner_type(self) -> bool:
        return self.owner_type in self.row["owner_types"]

    def check_response_type(self, response_type: str) -> bool:
        grant = {"code": "authorization_code", "token": "implicit"}.get(response_type)
        return self._serves_owner_type() and grant in self.row["grants"]

    def check_grant_type(self, grant_type: str) -> bool:
        contact_grant = grant_type == "client_credentials" and self.owner_type == "contact"
        if contact_grant and not self.row.get("allow_portal"):
            return False  # acting for a contact it names: only if an admin allowed it
        return self._serves_owner_type() and grant_type in self.row["grants"]


@dataclass(frozen=True)
class Granted:
    """A resource owner under an existing grant (code or refresh token exchange)."""

    owner: Owner
    grant_id: str
    scope: str


class StoredCode:
    def __init__(self, row: dict[str, Any], scope: str) -> None:
        self.row = row
        self.scope = scope
        self.code_challenge = row["code_challenge"]
        self.code_challenge_method = row["code_challenge_method"]

    def get_redirect_uri(self) -> str | None:
        return self.row["redirect_uri"]  # type: ignore[no-any-return]

    def get_scope(self) -> str:
        return self.scope


class StoredRefreshToken:
    def __init__(self, row: dict[str, Any]) -> None:
        self.row = row

    def check_client(self, client: Client) -> bool:
        return bool(self.row["client_id"] == client.client_id)

    def get_scope(self) -> str:
        return str(self.row["scope"])


def server_of(grant: Any) -> AmityServer:
    server: AmityServer = grant.server
    return server


class AuthorizationCodeGrant(grants.AuthorizationCodeGrant):  # type: ignore[misc]
    TOKEN_ENDPOINT_AUTH_METHODS = ALL_AUTH_METHODS

    def save_authorization_code(self, code: str, request: OAuth2Request) -> None:
        server = server_of(self)
        owner: Owner = request.user
        grant_id = server.oauth.create_grant(request.client.client_id, owner, request.scope)
        data = request.payload.data
        challenge = data.get("code_challenge") or None
        server.oauth.save_code(
            code,
            grant_id,
            request.client.client_id,
            request.payload.redirect_uri,
            challenge,
            "S256" if challenge else None,
        )

    def query_authorization_code(self, code: str, client: Client) -> StoredCode | None:
        server = server_of(self)
        row = server.oauth.use_code(code, client.client_id)
        if row is None:
            return None
        grant = server.oauth.grant(row["grant_id"])
        if grant is None or grant["revoked"] or grant["owner_type"] != server.owner_type:
            return None
        self.request.amity_grant = grant
        return StoredCode(row, grant["scope"])

    def delete_authorization_code(self, authorization_code: StoredCode) -> None:
        """Nothing to do: the code was spent when it was looked up."""

    def authenticate_user(self, authorization_code: StoredCode) -> Granted | None:
        grant = self.request.amity_grant
        owner = server_of(self).oauth.owner(grant["owner_type"], grant["owner_id"])
        return Granted(owner, grant["id"], grant["scope"]) if owner else None


class S256CodeChallenge(CodeChallenge):  # type: ignore[misc]
    """PKCE with S256 only (plain is refused), required for public clients; a verifier
    sent for a code issued without a challenge is refused (authlib does that)."""

    DEFAULT_CODE_CHALLENGE_METHOD = "S256"
    SUPPORTED_CODE_CHALLENGE_METHOD: ClassVar[list[str]] = ["S256"]
    CODE_CHALLENGE_METHODS: ClassVar[dict[str, Any]] = {"S256": compare_s256_code_challenge}

    def validate_code_challenge(self, grant: Any, redirect_uri: str) -> None:
        data = grant.request.payload.data
        challenge = data.get("code_challenge")
        if challenge and data.get("code_challenge_method") != "S256":
            raise InvalidRequestError("code_challenge_method must be S256 (plain is refused)")
        if not challenge and not grant.request.client.confidential:
            raise InvalidRequestError(
                "PKCE is required for public clients: send "
                "code_challenge and code_challenge_method=S256"
            )
        super().validate_code_challenge(grant, redirect_uri)


class RefreshTokenGrant(grants.RefreshTokenGrant):  # type: ignore[misc]
    TOKEN_ENDPOINT_AUTH_METHODS = ALL_AUTH_METHODS
    INCLUDE_NEW_REFRESH_TOKEN = True  # rotate on every use

    def authenticate_refresh_token(self, refresh_token: str) -> StoredRefreshToken | None:
        server = server_of(self)
        row = server.oauth.use_refresh_token(
            refresh_token, self.request.client.client_id, server.owner_type
        )
        if row is None:
            return None
        self.request.amity_grant = row["grant"]
        return StoredRefreshToken(row)

    def authenticate_user(self, refresh_token: StoredRefreshToken) -> Granted | None:
        grant = self.request.amity_grant
        owner = server_of(self).oauth.owner(grant["owner_type"], grant["owner_id"])
        return Granted(owner, grant["id"], refresh_token.get_scope()) if owner else None

    def revoke_old_credential(self, refresh_token: StoredRefreshToken) -> None:
        """Nothing to do: the token was spent when it was looked up."""


class PasswordGrant(grants.ResourceOwnerPasswordCredentialsGrant):  # type: ignore[misc]
    TOKEN_ENDPOINT_AUTH_METHODS = ALL_AUTH_METHODS

    def authenticate_user(self, username: str, password: str) -> Owner:
        server = server_of(self)
        owner = server.oauth.check_password(server.owner_type, username, password)
        if owner is None:  # RFC 6749 5.2: invalid resource owner credentials
            raise InvalidGrantError("Invalid username or password")
        return owner


class ClientCredentialsGrant(grants.ClientCredentialsGrant):  # type: ignore[misc]
    """At the user endpoint the client acts as its configured user; at the contact
    endpoint, for the contact named by `contact_id` (clients registered with
    allow_portal only: Client.check_grant_type)."""

    TOKEN_ENDPOINT_AUTH_METHODS = SECRET_AUTH_METHODS

    def validate_token_request(self) -> None:
        super().validate_token_request()
        server = server_of(self)
        if server.owner_type != "contact":
            return
        contact_id = self.request.payload.data.get("contact_id")
        if not contact_id:
            raise InvalidRequestError(
                "client_credentials for a contact needs contact_id, the contact to act for"
            )
        usable = len(contact_id) <= 36 and "\x00" not in contact_id  # PostgreSQL refuses NULs
        owner = server.oauth.owner("contact", contact_id) if usable else None
        if owner is None:
            raise InvalidGrantError("No contact with this contact_id")
        self.request.user = owner

    def create_token_response(self) -> tuple[int, Any, list[tuple[str, str]]]:
        token = self.generate_token(
            user=self.request.user, scope=self.request.payload.scope, include_refresh_token=False
        )
        return 200, token, self.TOKEN_RESPONSE_HEADER


class ImplicitGrant(grants.ImplicitGrant):  # type: ignore[misc]
    """response_type=token, for public clients that have it enabled."""


class Revocation(RevocationEndpoint):  # type: ignore[misc]
    CLIENT_AUTH_METHODS = ALL_AUTH_METHODS

    def authenticate_token(self, request: OAuth2Request, client: Client) -> str:
        self.check_params(request, client)
        return str(request.form["token"])

    def revoke_token(self, token: str, request: OAuth2Request) -> None:
        server_of(self).oauth.revoke_token(token, request.client.client_id)


class FormRequest(OAuth2Request):  # type: ignore[misc]
    """An OAuth request whose parameters were already parsed (query, form or JSON body)."""

    def __init__(
        self, method: str, uri: str, data: dict[str, str], headers: Mapping[str, str]
    ) -> None:
        # not super().__init__: its https check is AccessGuard's job (loopback, proxies)
        self.method, self.uri, self.headers, self._body = method, uri, headers, None
        self.client = self.auth_method = self.user = None
        self.authorization_code = self.refresh_token = self.credential = self._scope = None
        self.payload = BasicOAuth2Payload(data)
        self._data = data
        self.amity_grant: dict[str, Any] | None = None

    @property
    def args(self) -> dict[str, str]:
        return self._data

    @property
    def form(self) -> dict[str, str]:
        return self._data


class AmityServer(AuthorizationServer):  # type: ignore[misc]
    """The authorization server for one owner type, for one request."""

    def __init__(
        self, oauth: OAuthService, registry: ClientRegistry, owner_type: str, issuer: str
    ) -> None:
        super().__init__(scopes_supported=list(SCOPES))
        self.oauth = oauth
        self.registry = registry
        self.owner_type = owner_type
        self.issuer = issuer
        self.register_token_generator("default", self.generate_bearer)
        self.register_grant(AuthorizationCodeGrant, [S256CodeChallenge(required=True)])
        self.register_grant(RefreshTokenGrant)
        self.register_grant(PasswordGrant)
        self.register_grant(ClientCredentialsGrant)
        self.register_grant(ImplicitGrant)
        self.register_endpoint(Revocation)

    def create_oauth2_request(self, request: Any) -> FormRequest:
        assert isinstance(request, FormRequest)
        return request

    def query_client(self, client_id: str) -> Client | None:
        if not isinstance(client_id, str) or not client_id or len(client_id) > 64:
            return None
        with self.oauth.db.read() as conn:
            row = self.registry.store.get(conn, client_id)
        return Client(row, self.owner_type, self.registry, self.oauth) if row else None

    def save_token(self, token: dict[str, Any], request: OAuth2Request) -> None:
        """Nothing to do: tokens are stored (hashed) as they are issued."""

    def send_signal(self, name: str, *args: Any, **kwargs: Any) -> None:
        """No signals."""

    def handle_response(
        self, status: int, body: Any, headers: list[tuple[str, str]]
    ) -> tuple[int, Any, list[tuple[str, str]]]:
        return status, body, headers

    def generate_bearer(
        self,
        grant_type: str,
        client: Client,
        user: Any = None,
        scope: str | None = None,
        expires_in: int | None = None,
        include_refresh_token: bool = True,
    ) -> dict[str, Any]:
        """Issue a token response; a new grant unless the user came from an existing one."""
        owner: Owner | None
        if isinstance(user, Granted):
            owner, grant_id, granted = user.owner, user.grant_id, scope or user.scope
        else:
            owner = user if isinstance(user, Owner) else None
            if owner is None:  # client_credentials: the client's configured user
                owner = (
                    self.oauth.owner("user", client.row["user_id"])
                    if client.row["user_id"]
                    else None
                )
                if owner is None:
                    raise UnauthorizedClientError("The client's user is not active")
            try:
                granted = self.oauth.resolve_scope(scope, client.row["scopes"], self.owner_type)
            except ScopeError as exc:
                raise InvalidScopeError(str(exc)) from None
            grant_id = self.oauth.create_grant(client.client_id, owner, granted)
        refresh = (
            include_refresh_token
            and grant_type not in ("implicit", "client_credentials")
            and client.check_grant_type("refresh_token")
        )
        return self.oauth.issue_tokens(
            grant_id=grant_id,
            client_id=client.client_id,
            owner=owner,
            scope=granted,
            issuer=self.issuer,
            refresh=refresh,
        )
