"""Cookie sessions for apps embedded in the CRM's own pages (AMITY_SESSION_AUTH, off by default).

A session starts with a user name and password and lives in the `sessions` table (so every
worker process sees it, and signing out ends it everywhere). The browser holds a random
session secret in an HttpOnly cookie; the database holds only its SHA-256. Requests that
authenticate with the cookie and change something must also send the session's CSRF token,
an HMAC of the cookie secret that a page can read (from the sign-in answer or
GET /session) but another site cannot.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
from dataclasses import dataclass
from typing import Any

from amity.core.actor import Actor
from amity.core.auth.service import AuthService
from amity.core.auth.tokens import token_hash
from amity.core.clock import seconds_from_now, utcnow
from amity.core.ttlcache import TtlCache
from amity.errors import Unauthorized
from amity.store.sessions import SessionStore

SESSION_PREFIX = "amity_ses_"
SESSION_MODEL = "Session"  # what an ended session is published as (no event)


@dataclass(frozen=True)
class NewSession:
    secret: str  # the cookie value: shown to the browser only
    csrf_token: str
    expires_in: int
    user: dict[str, Any]


def csrf_token_for(secret: str) -> str:
    """The CSRF token that goes with a session secret (keyed hash; the secret never leaves
    the cookie)."""
    return hmac.new(
        secret.encode("utf-8", "surrogatepass"), b"amity-csrf", hashlib.sha256
    ).hexdigest()


def csrf_matches(secret: str, sent: str | None) -> bool:
    return sent is not None and hmac.compare_digest(csrf_token_for(secret), sent.strip())


class SessionService:
    """Starts, resolves and ends cookie sessions."""

    def __init__(self, auth: AuthService) -> None:
        self.auth = auth
        self.db = auth.db
        self.settings = auth.settings
        self.store = SessionStore(self.db.tables)
        self._cache: TtlCache[str, dict[str, Any]] = TtlCache(self.settings.auth_cache_seconds)
        auth.records.db.listeners.append(self._forget_users)

    @property
    def enabled(self) -> bool:
        return bool(self.settings.session_auth)

    def start(self, user_name: str, password: str) -> NewSession:
        """Check the password and open a session; 401 for wrong credentials."""
        user = self.auth.check_password(user_name, password)
        secret = SESSION_PREFIX + secrets.token_urlsafe(32)
        now = utcnow()
        lifetime = self.settings.session_lifetime_seconds
        with self.db.write() as conn:
            self.store.add(conn, token_hash(secret), user["id"], now, seconds_from_now(lifetime))
        public = {"id": user["id"], "user_name": user["user_name"]}
        return NewSession(secret, csrf_token_for(secret), lifetime, public)

    def end(self, secret: str) -> bool:
        """Sign out: the session stops working in every process (at once in this one)."""
        digest = token_hash(secret)
        self._cache.pop(digest)
        with self.db.write() as conn:
            removed = self.store.remove(conn, digest)
            if removed:  # sign-in state, not an event: still every process forgets it
                self.db.changed(SESSION_MODEL, digest)
            return removed

    def actor(self, secret: str, source: str) -> Actor:
        """The user of a session cookie; 401 when it is unknown, expired or its user left."""
        digest = token_hash(secret)
        row = self._session_row(digest)
        if row is None:
            raise Unauthorized("Session expired or signed out", "sign in again")
        return Actor(
            user_id=row["id"],
            user_name=row["user_name"],
            is_admin=bool(row["is_admin"]),
            credential="session",
            credential_id=digest[:16],
            source=source,
        )

    def expires_in(self, secret: str) -> int:
        row = self._session_row(token_hash(secret))
        if row is None:
            return 0
        return max(0, int((row["expires_at"] - utcnow()).total_seconds()))

    def _session_row(self, digest: str) -> dict[str, Any] | None:
        """Like personal tokens: remembered for AMITY_AUTH_CACHE_SECONDS per process (and
        never past the session's end)."""

        def load() -> dict[str, Any] | None:
            with self.db.read() as conn:
                return self.store.find(conn, digest, utcnow())

        row = self._cache.get(digest, load)
        return row if row is not None and row["expires_at"] > utcnow() else None

    def _forget_users(self, model: str, record_id: str) -> None:
        if model == SESSION_MODEL:
            self._cache.pop(record_id)
        elif model in ("User", "*"):
            self._cache.clear()
