"""Users and credentials: create users, set passwords, issue tokens, authenticate."""

from __future__ import annotations

import base64
import hashlib
from collections import OrderedDict
from typing import Any

from sqlalchemy.engine import Connection

from amity.core.actor import SYSTEM, Actor
from amity.core.auth.oauth import OAuthService, looks_like_jwt
from amity.core.auth.passwords import check_password_policy, hash_password, verify_password
from amity.core.auth.tokens import new_token, token_hash
from amity.core.clock import utcnow
from amity.core.ids import new_id
from amity.core.portal import PortalTokens
from amity.core.records import Records
from amity.core.ttlcache import TtlCache
from amity.errors import BadRequest, NotFound, Unauthorized
from amity.store.writes import SECRET_CHANGE

_VERIFIED_CACHE_SIZE = 1024
TOKEN_MODEL = "AccessToken"  # the pseudo-model of personal access tokens' events


class AuthService:
    """Users, passwords and personal access tokens."""

    def __init__(self, records: Records) -> None:
        self.records = records
        self.db = records.db
        self.store = records.accounts
        self.settings = records.settings
        self._token_lookup = self.db.prepare(self.store.token_statement)
        self._token_cache: TtlCache[str, dict[str, Any]] = TtlCache(
            self.settings.auth_cache_seconds
        )
        self._active_users: TtlCache[str, dict[str, Any]] = TtlCache(
            self.settings.auth_cache_seconds
        )
        self.portal = PortalTokens(records)
        records.db.listeners.append(self._forget_users)
        # (user id, stored hash, sha256 of the password) already verified with argon2
        self._verified: OrderedDict[tuple[str, str, str], None] = OrderedDict()
        self.oauth: OAuthService | None = None  # OAuth access tokens (JWTs), when set

    # -- users ------------------------------------------------------------------------
    def add_user(
        self,
        actor: Actor,
        user_name: str,
        password: str | None,
        *,
        admin: bool = False,
        first_name: str = "",
        last_name: str | None = None,
        email: str | None = None,
        user_id: str | None = None,
    ) -> str:
        """Create a user through the records service (so it is validated and audited)."""
        if password:
            check_password_policy(password)
        with self.db.read() as conn:
            if self.store.user_by_name(conn, user_name) is not None:
                raise BadRequest("User {user_name} already exists", user_name=user_name)
        data: dict[str, Any] = {
            "user_name": user_name,
            "first_name": first_name or None,
            "last_name": last_name or user_name,
        }
        if email:
            data["email1"] = email
        digest = hash_password(password) if password else None  # slow: before the write

        def secrets(conn: Connection, uid: str) -> dict[str, Any]:
            """The admin flag and the password, in the user's create unit and event."""
            changes: dict[str, Any] = {}
            if admin:
                self.store.set_admin(conn, uid, True)
                changes["is_admin"] = [None, True]
            if digest:
                self.store.set_password_hash(conn, uid, digest)
                changes["password"] = SECRET_CHANGE
            return changes

        return self.records.create(actor, "User", data, record_id=user_id, then=secrets)

    def set_password(self, user_id: str, password: str, *, actor: Actor = SYSTEM) -> None:
        """Give a user a new password (it must meet the password policy); the event says
        only that it changed."""
        check_password_policy(password)
        digest = hash_password(password)
        with self.db.write() as conn:
            if self.store.user_by_id(conn, user_id) is None:
                raise NotFound("No {kind} with id {subject_id}", kind="user", subject_id=user_id)
            self.store.set_password_hash(conn, user_id, digest)
            self.records.writer.emit(
                conn,
                actor,
                model="User",
                record_id=user_id,
                kind="update",
                changes={"password": SECRET_CHANGE},
                at=utcnow(),
            )

    def set_active(self, actor: Actor, user_name: str, active: bool) -> None:
        """Activate or deactivate a user: an inactive one cannot sign in, and its tokens
        stop working. The last active administrator cannot be deactivated (the records
        service keeps that rule for every path)."""
        user = self.user_by_name(user_name)
        self.records.update(
            actor, "User", user["id"], {"status": "Active" if active else "Inactive"}
        )

    def remove_user(self, actor: Actor, user_name: str) -> None:
        """Remove (soft-delete) a user; not the last active administrator."""
        self.records.delete(actor, "User", self.user_by_name(user_name)["id"])

    def list_users(self) -> list[dict[str, Any]]:
        with self.db.read() as conn:
            return self.store.list_users(conn)

    def user_by_name(self, user_name: str) -> dict[str, Any]:
        with self.db.read() as conn:
            user = self.store.user_by_name(conn, user_name)
        if user is None:
            raise NotFound("No user named {user_name}", user_name=user_name)
        return user

    def user_by_id(self, user_id: str) -> dict[str, Any] | None:
        with self.db.read() as conn:
            return self.store.user_by_id(conn, user_id)

    def active_user(self, user_id: str) -> dict[str, Any] | None:
        """The row of an active user (None for a deactivated or removed one), remembered
        for AMITY_AUTH_CACHE_SECONDS like the users behind tokens."""

        def load() -> dict[str, Any] | None:
            user = self.user_by_id(user_id)
            return user if user is not None and user.get("status") == "Active" else None

        return self._active_users.get(user_id, load)

    # -- tokens -----------------------------------------------------------------------
    def create_token(
        self, user_name: str, name: str = "", *, actor: Actor = SYSTEM
    ) -> tuple[str, str]:
        """A new personal access token for the user: (token id, the token, shown once; its
        event names the user and the token's name, never the token or its hash)."""
        user = self.user_by_name(user_name)
        token = new_token()
        token_id = new_id()
        name = name or "token"
        now = utcnow()
        with self.db.write() as conn:
            self.store.add_token(
                conn,
                token_id=token_id,
                user_id=user["id"],
                name=name,
                token_hash=token_hash(token),
                at=now,
            )
            self.records.writer.emit(
                conn,
                actor,
                model=TOKEN_MODEL,
                record_id=token_id,
                kind="create",
                changes={"user_id": [None, user["id"]], "name": [None, name]},
                at=now,
            )
        return token_id, token

    def list_tokens(self, user_name: str) -> list[dict[str, Any]]:
        user = self.user_by_name(user_name)
        with self.db.read() as conn:
            return self.store.tokens_of(conn, user["id"])

    def revoke_token(self, token_id: str, *, actor: Actor = SYSTEM) -> None:
        """Revoke a personal access token; every process forgets it once this commits."""
        with self.db.write() as conn:
            if not self.store.revoke_token(conn, token_id):
                raise NotFound("No token with id {token_id}", token_id=token_id)
            self.records.writer.emit(
                conn,
                actor,
                model=TOKEN_MODEL,
                record_id=token_id,
                kind="revoke",
                changes={"revoked": [False, True]},
                at=utcnow(),
            )

    # -- authentication ---------------------------------------------------------------
    def authenticate(
        self, authorization: str | None, source: str, issuer: str | None = None
    ) -> Actor | None:
        """The actor for an Authorization header; None without one; 401 for bad ones.
        `issuer` is this server's base URL, which OAuth access tokens must name."""
        if not authorization:
            return None
        scheme, _, credentials = authorization.partition(" ")
        scheme = scheme.lower()
        credentials = credentials.strip()
        if scheme == "bearer" and credentials:
            if self.oauth is not None and looks_like_jwt(credentials):
                return self._oauth(credentials, source, issuer)
            return self._bearer(credentials, source)
        if scheme == "basic" and credentials:
            if not self.settings.basic_auth:
                raise Unauthorized(
                    "Basic authentication is disabled",
                    "use a personal access token: Authorization: Bearer <token>",
                )
            return self._basic(credentials, source)
        raise Unauthorized(
            "Unsupported authorization scheme",
            "send Authorization: Bearer <token> or Basic <base64 user:password>",
        )

    def _bearer(self, token: str, source: str) -> Actor:
        if self.portal.is_portal_token(token):
            return self.portal.authenticate(token, source)
        digest = token_hash(token)
        row = self._token_owner(digest)
        if row is None:
            raise Unauthorized(
                "Invalid or revoked access token", "create one with: amity token create USER"
            )
        return Actor(
            user_id=row["id"],
            user_name=row["user_name"],
            is_admin=bool(row["is_admin"]),
            credential="token",
            credential_id=row["token_id"],
            source=source,
        )

    def _oauth(self, token: str, source: str, issuer: str | None) -> Actor:
        assert self.oauth is not None
        actor = self.oauth.actor(token, issuer, source)
        if actor is None:
            raise Unauthorized(
                "Invalid, expired or revoked OAuth access token",
                "get a new one from the token endpoint (refresh_token grant)",
            )
        return actor

    def _token_owner(self, digest: str) -> dict[str, Any] | None:
        """The user row behind a token hash, remembered for AMITY_AUTH_CACHE_SECONDS so a
        busy client costs one lookup per interval; a revocation (or a deactivated user)
        takes effect in every process within that interval."""

        def load() -> dict[str, Any] | None:
            rows = self.db.fetch(self._token_lookup, {"token_hash": digest})
            return rows[0] if rows else None

        return self._token_cache.get(digest, load)

    def _forget_users(self, model: str, record_id: str) -> None:
        """A user (deactivated, deleted) or a token changed, in this process or another:
        drop remembered tokens at once."""
        if model in ("User", TOKEN_MODEL, "*"):
            self._token_cache.clear()
            self._active_users.clear()
        if model in ("User", "*") and self.oauth is not None:
            self.oauth.forget()

    def _basic(self, credentials: str, source: str) -> Actor:
        try:
            decoded = base64.b64decode(credentials, validate=True).decode("utf-8")
        except ValueError:  # binascii.Error, UnicodeDecodeError, non-ASCII input
            raise Unauthorized(
                "Malformed Basic credentials", "send base64 of user:password"
            ) from None
        user_name, sep, password = decoded.partition(":")
        if not sep or "\x00" in user_name:
            raise Unauthorized("Malformed Basic credentials", "send base64 of user:password")
        user = self.check_password(user_name, password)
        return Actor(
            user_id=user["id"],
            user_name=user["user_name"],
            is_admin=bool(user["is_admin"]),
            credential="basic",
            source=source,
        )

    def check_password(self, user_name: str, password: str) -> dict[str, Any]:
        """The active user with this name and password; 401 otherwise, with the same message
        and the same argon2 cost for an unknown user and a wrong password. Blocks for an
        argon2 check: callers on the event loop run it in a worker thread."""
        with self.db.read() as conn:
            user = self.store.user_by_name(conn, user_name)
            stored = self.store.password_hash(conn, user["id"]) if user else None
        if user is None or stored is None or user.get("status") != "Active":
            verify_password(None, password)  # the same argon2 cost as a wrong password
            raise Unauthorized("Invalid user name or password")
        key = (user["id"], stored, hashlib.sha256(password.encode()).hexdigest())
        if key not in self._verified:
            if not verify_password(stored, password):
                raise Unauthorized("Invalid user name or password")
            self._verified[key] = None
            if len(self._verified) > _VERIFIED_CACHE_SIZE:
                self._verified.popitem(last=False)
        return user
