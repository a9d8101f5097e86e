"""The OAuth server's state and rules, below HTTP: resource owners, grants, codes, tokens.

A grant is one authorization of a client by a resource owner (a user or a portal contact)
with a scope. Everything issued under it points back to it: the authorization code, the
refresh tokens (one live at a time: each use spends it and issues the next), and the
access-token JWTs (claim `gid`). Revoking the grant kills all of them; that is what a
replayed code, a replayed refresh token or a revocation request does. Codes and refresh
tokens are stored only as SHA-256 hashes.
"""

from __future__ import annotations

import logging
import secrets
import time
from dataclasses import dataclass
from datetime import timedelta
from typing import Any

from amity.config import Settings
from amity.core.actor import SYSTEM, Actor
from amity.core.auth.passwords import check_password_policy, hash_password, verify_password
from amity.core.auth.signing import InvalidToken, TokenSigner
from amity.core.auth.tokens import token_hash
from amity.core.clock import utcnow
from amity.core.ids import new_id
from amity.core.ttlcache import TtlCache
from amity.errors import NotFound
from amity.store.accounts import AccountStore
from amity.store.engine import Database
from amity.store.oauth import OAuthStore
from amity.store.writes import SECRET_CHANGE, Writer

log = logging.getLogger("amity.oauth")
CODE_SECONDS = 60
GRANT_MODEL = "OAuthGrant"  # what a revoked grant is published as (no event: sign-in state)
DEFAULT_SCOPE = "profile"
CONTACT_SCOPES = frozenset({"profile"})
SUBJECT_PREFIX = {"user": "Users:", "contact": "Contacts:"}


@dataclass(frozen=True)
class Owner:
    """A resource owner; `user_id` is the user that writes are attributed to."""

    owner_type: str  # user | contact
    id: str
    user_id: str
    user_name: str
    is_admin: bool = False

    @property
    def subject(self) -> str:
        return SUBJECT_PREFIX[self.owner_type] + self.id


class ScopeError(ValueError):
    """A requested scope the client or the owner type may not have."""


def looks_like_jwt(token: str) -> bool:
    return token.count(".") == 2 and token.startswith("eyJ")


class OAuthService:
    """Resource owners, grants, codes and tokens; verifies access tokens for the API."""

    def __init__(self, db: Database, settings: Settings, writer: Writer) -> None:
        self.db = db
        self.writer = writer
        self.settings = settings
        self.store = OAuthStore(db.tables)
        self.accounts = AccountStore(db.tables)
        self.signer = TokenSigner(settings)
        self._grant_lookup = db.prepare(self.store.live_grant_statement)
        self._grant_cache: TtlCache[str, Owner] = TtlCache(settings.auth_cache_seconds)
        db.listeners.append(self._changed)

    # -- resource owners --------------------------------------------------------------
    def owner(self, owner_type: str, owner_id: str) -> Owner | None:
        """An active user or a live contact, by id."""
        with self.db.read() as conn:
            if owner_type == "user":
                user = self.store.active_user(conn, owner_id)
                if user is None:
                    return None
                return Owner(
                    "user", user["id"], user["id"], user["user_name"], bool(user["is_admin"])
                )
            contact = self.store.contact(conn, owner_id)
            if contact is None:
                return None
            acting = contact["assigned_user_id"] or "1"
            label = contact["email1"] or f"contact {contact['id']}"
            return Owner("contact", contact["id"], acting, label[:60])  # the API log's width

    def check_password(self, owner_type: str, login: str, password: str) -> Owner | None:
        """The owner whose login (user name, or a contact's e-mail) and password match."""
        candidates: list[tuple[str, str]] = []
        with self.db.read() as conn:
            if owner_type == "user":
                row = self.accounts.user_by_name(conn, login)
                stored = self.accounts.password_hash(conn, row["id"]) if row else None
                if row is not None and stored and row.get("status") == "Active":
                    candidates.append((row["id"], stored))
            elif login:
                candidates = [
                    (r["id"], r["password_hash"])
                    for r in self.store.contacts_with_password(conn, login)
                ]
        for owner_id, stored in candidates:
            if verify_password(stored, password):
                return self.owner(owner_type, owner_id)
        if not candidates:  # same cost as a real check: no probing for logins
            verify_password(None, password)
        return None

    def set_contact_password(
        self, contact_id: str, password: str, *, actor: Actor = SYSTEM
    ) -> None:
        """Give a contact a portal password (for the contact owner type's logins); it must
        meet the password policy. The event says only that it changed."""
        check_password_policy(password)
        digest = hash_password(password)
        with self.db.write() as conn:
            if self.store.contact(conn, contact_id) is None:
                raise NotFound("No contact {contact_id}", contact_id=contact_id)
            self.store.set_contact_password(conn, contact_id, digest)
            self.writer.emit(
                conn,
                actor,
                model="Contact",
                record_id=contact_id,
                kind="update",
                changes={"password": SECRET_CHANGE},
                at=utcnow(),
            )

    # -- scopes -----------------------------------------------------------------------
    @staticmethod
    def resolve_scope(requested: str | None, client_scopes: list[str], owner_type: str) -> str:
        """The granted scope: `profile` when none is asked; only the client's scopes; for
        contacts only `profile`. ScopeError otherwise."""
        wanted = list(dict.fromkeys((requested or "").split())) or [DEFAULT_SCOPE]
        for scope in wanted:
            if scope not in client_scopes:
                raise ScopeError(f"The client may not ask for the scope {scope}")
            if owner_type == "contact" and scope not in CONTACT_SCOPES:
                raise ScopeError("Contacts can grant the profile scope only")
        return " ".join(wanted)

    # -- grants, codes, refresh tokens ------------------------------------------------
    def create_grant(self, client_id: str, owner: Owner, scope: str) -> str:
        grant_id = new_id()
        with self.db.write() as conn:
            self.store.add_grant(
                conn,
                {
                    "id": grant_id,
                    "client_id": client_id,
                    "owner_type": owner.owner_type,
                    "owner_id": owner.id,
                    "scope": scope,
                    "date_created": utcnow(),
                },
            )
        return grant_id

    def grant(self, grant_id: str) -> dict[str, Any] | None:
        with self.db.read() as conn:
            return self.store.grant(conn, grant_id)

    def revoke_grant(self, grant_id: str, reason: str) -> None:
        with self.db.write() as conn:
            revoked = self.store.revoke_grant(conn, grant_id)
            if revoked:  # sign-in state, not an event: still every process forgets it
                self.db.changed(GRANT_MODEL, grant_id)
        if revoked:
            log.warning("OAuth grant %s revoked: %s", grant_id, reason)
        self._grant_cache.pop(grant_id)

    def save_code(
        self,
        code: str,
        grant_id: str,
        client_id: str,
        redirect_uri: str | None,
        challenge: str | None,
        method: str | None,
    ) -> None:
        now = utcnow()
        with self.db.write() as conn:
            self.store.delete_expired_codes(conn, now - timedelta(days=1))
            self.store.add_code(
                conn,
                {
                    "code_hash": token_hash(code),
                    "grant_id": grant_id,
                    "client_id": client_id,
                    "redirect_uri": redirect_uri,
                    "code_challenge": challenge,
                    "code_challenge_method": method,
                    "expires_at": now + timedelta(seconds=CODE_SECONDS),
                },
            )

    def use_code(self, code: str, client_id: str) -> dict[str, Any] | None:
        """The code's row, spent now; None when unknown, another client's, expired or
        already used. A second use revokes the grant and so all it issued."""
        digest = token_hash(code)
        with self.db.write() as conn:
            row = self.store.code(conn, digest)
            if row is None or row["client_id"] != client_id:
                return None
            first_use = self.store.spend_code(conn, digest)
        if not first_use:
            self.revoke_grant(row["grant_id"], "authorization code used twice")
            return None
        if row["expires_at"] < utcnow():
            return None
        return row

    def use_refresh_token(
        self, token: str, client_id: str, owner_type: str
    ) -> dict[str, Any] | None:
        """The refresh token's row and grant, spent now; None when unknown, another
        client's or owner type's, expired, or its grant is revoked. A spent token used
        again revokes its grant."""
        digest = token_hash(token)
        with self.db.write() as conn:
            row = self.store.refresh_token(conn, digest)
            if row is None or row["client_id"] != client_id:
                return None
            grant = self.store.grant(conn, row["grant_id"])
            if grant is None or grant["revoked"] or grant["owner_type"] != owner_type:
                return None
            first_use = self.store.spend_refresh(conn, digest)
        if not first_use:
            self.revoke_grant(row["grant_id"], "refresh token used twice")
            return None
        if row["expires_at"] < utcnow():
            return None
        return {**row, "grant": grant}

    def issue_tokens(
        self, *, grant_id: str, client_id: str, owner: Owner, scope: str, issuer: str, refresh: bool
    ) -> dict[str, Any]:
        """A token response: a signed access token and, if asked, a new refresh token."""
        now = int(time.time())
        lifetime = self.settings.oauth_access_token_seconds
        claims = {
            "iss": issuer,
            "aud": audience(issuer),
            "sub": owner.subject,
            "iat": now,
            "nbf": now,
            "exp": now + lifetime,
            "jti": new_id(),
            "client_id": client_id,
            "scope": scope,
            "scopes": scope.split(),
            "owner_type": owner.owner_type,
            "gid": grant_id,
        }
        token: dict[str, Any] = {
            "token_type": "Bearer",
            "expires_in": lifetime,
            "access_token": self.signer.sign(claims),
            "scope": scope,
        }
        if refresh:
            value = secrets.token_urlsafe(32)
            created = utcnow()
            with self.db.write() as conn:
                self.store.add_refresh(
                    conn,
                    {
                        "token_hash": token_hash(value),
                        "grant_id": grant_id,
                        "client_id": client_id,
                        "scope": scope,
                        "date_created": created,
                        "expires_at": created
                        + timedelta(days=self.settings.oauth_refresh_token_days),
                    },
                )
            token["refresh_token"] = value
        return token

    def revoke_token(self, token: str, client_id: str) -> None:
        """RFC 7009: revoke the grant behind a refresh or access token of this client.
        Unknown tokens, or another client's, change nothing (and say nothing)."""
        grant_id: str | None = None
        if looks_like_jwt(token):
            try:
                claims = self.signer.verify(token, issuer=None, audience=None)
            except InvalidToken:
                claims = {}
            if claims.get("client_id") == client_id:
                grant_id = str(claims.get("gid") or "") or None
        else:
            with self.db.read() as conn:
                row = self.store.refresh_token(conn, token_hash(token))
            if row is not None and row["client_id"] == client_id:
                grant_id = row["grant_id"]
        if grant_id:
            self.revoke_grant(grant_id, "revoked by the client")

    # -- access tokens on API requests ------------------------------------------------
    def actor(self, token: str, issuer: str | None, source: str) -> Actor | None:
        """The actor of a valid access token whose grant is live; None otherwise."""
        try:
            claims = self.signer.verify(
                token, issuer=issuer, audience=audience(issuer) if issuer else None
            )
        except InvalidToken:
            return None
        owner_type = claims.get("owner_type")
        sub = claims.get("sub")
        scope = claims.get("scope")
        grant_id = claims.get("gid")
        if (
            owner_type not in SUBJECT_PREFIX
            or not isinstance(sub, str)
            or not sub.startswith(SUBJECT_PREFIX[owner_type])
            or not isinstance(scope, str)
            or not isinstance(grant_id, str)
        ):
            return None
        owner = self._live_owner(grant_id)
        if owner is None or owner.subject != sub:
            return None
        scopes = frozenset(scope.split())
        if owner.owner_type == "contact":
            scopes &= CONTACT_SCOPES
        return Actor(
            user_id=owner.user_id,
            user_name=owner.user_name,
            is_admin=owner.is_admin and owner.owner_type == "user",
            credential="oauth",
            credential_id=grant_id,
            source=source,
            scopes=scopes,
            client_id=str(claims.get("client_id") or "") or None,
            contact_id=owner.id if owner.owner_type == "contact" else None,
        )

    def _live_owner(self, grant_id: str) -> Owner | None:
        """The owner of a live grant, remembered for AMITY_AUTH_CACHE_SECONDS like personal
        tokens: a revocation reaches every worker within that time."""

        def load() -> Owner | None:
            rows = self.db.fetch(self._grant_lookup, {"grant_id": grant_id})
            return self.owner(rows[0]["owner_type"], rows[0]["owner_id"]) if rows else None

        return self._grant_cache.get(grant_id, load, keep_missing=True)

    def forget(self) -> None:
        """Drop remembered grants (a user or client changed in this process)."""
        self._grant_cache.clear()

    def _changed(self, model: str, record_id: str) -> None:
        """A grant was revoked or a client removed, here or in another process."""
        if model == GRANT_MODEL:
            self._grant_cache.pop(record_id)
        elif model in ("ApiClient", "*"):
            self._grant_cache.clear()


def audience(issuer: str) -> str:
    """Access tokens are for the API of this server: its /api.php entry point."""
    return issuer.rstrip("/") + "/api.php"
