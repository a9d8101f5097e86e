"""Portal tokens: opaque bearer tokens an administrator issues for one contact.

A token is random, shown once, stored only as its SHA-256 hash, expires after
AMITY_PORTAL_TOKEN_SECONDS and can be revoked. It authenticates as an Actor with
credential "portal" and the contact's id; the access policy (amity/core/acl.py) confines
such an actor to the contact's own and portal-visible records.
"""

from __future__ import annotations

import secrets
from typing import Any

from sqlalchemy.engine import Connection

from amity.core.actor import Actor, ensure_admin
from amity.core.auth.clients import ClientRegistry
from amity.core.auth.tokens import token_hash
from amity.core.clock import seconds_from_now, utcnow
from amity.core.ids import new_id
from amity.core.records import Records, storable_id
from amity.core.ttlcache import TtlCache
from amity.errors import BadRequest, Forbidden, NotFound, Unauthorized
from amity.store.portal import PortalStore

PORTAL_PREFIX = "amity_portal_"
EVENT_MODEL = "PortalToken"  # the pseudo-model of portal tokens' events (never the token)
FALLBACK_USER = "1"  # the admin: writes of a contact with no assigned user are attributed here


class PortalTokens:
    """Issues, checks and revokes portal contacts' access tokens."""

    def __init__(self, records: Records) -> None:
        self.records = records
        self.db = records.db
        self.settings = records.settings
        self.store = PortalStore(self.db.tables)
        self.clients = ClientRegistry(self.db, records.writer)
        self._cache: TtlCache[str, dict[str, Any]] = TtlCache(self.settings.auth_cache_seconds)
        records.db.listeners.append(self._forget_contacts)

    @staticmethod
    def is_portal_token(token: str) -> bool:
        return token.startswith(PORTAL_PREFIX)

    def ensure_issuer(self, actor: Actor) -> None:
        """Administrators issue portal tokens, and API clients an admin allowed to (with
        their client_credentials tokens); never a contact's credential."""
        if actor.is_contact or actor.credential == "portal":
            raise Forbidden("Only administrators may issue portal tokens")
        if actor.is_admin:
            return
        client = actor.client_id if actor.credential == "oauth" else None
        if client is None or not self.clients.may_issue_portal_tokens(client):
            raise Forbidden(
                "Only administrators may issue portal tokens",
                "or an API client registered with allow_portal",
            )

    def issue(self, actor: Actor, contact_id: Any) -> dict[str, Any]:
        """A new token for the contact: {"access_token", "token_type", "expires_in"}."""
        self.ensure_issuer(actor)
        if not isinstance(contact_id, str) or not contact_id:
            raise BadRequest("contact_id is required", '{"contact_id": "<a Contact id>"}')
        contact = self.records.model("Contact")
        token = PORTAL_PREFIX + secrets.token_urlsafe(32)
        lifetime = self.settings.portal_token_seconds
        now = utcnow()
        with self.db.write() as conn:
            if not storable_id(contact_id) or not self.records.writer.live_ids(
                conn, contact, [contact_id]
            ):
                raise NotFound(
                    "Not found", "No Contact with id {contact_id}", contact_id=contact_id
                )
            self.store.prune(conn, now)
            token_id = new_id()
            expires = seconds_from_now(lifetime)
            self.store.add(
                conn,
                token_id=token_id,
                contact_id=contact_id,
                token_hash=token_hash(token),
                created_by=actor.user_id,
                at=now,
                expires=expires,
            )
            self._emit(
                conn,
                actor,
                token_id,
                "create",
                {
                    "contact_id": [None, contact_id],
                    "expires": [None, expires.strftime("%Y-%m-%d %H:%M:%S")],
                },
            )
        return {"access_token": token, "token_type": "Bearer", "expires_in": lifetime}

    def authenticate(self, token: str, source: str) -> Actor:
        """The contact's actor; 401 for unknown, revoked or expired tokens."""
        row = self._owner(token_hash(token))
        if row is None or row["expires"] <= utcnow():
            raise Unauthorized(
                "Invalid, expired or revoked portal token",
                "ask for a new portal token",
            )
        return Actor(
            user_id=row["assigned_user_id"] or FALLBACK_USER,
            user_name=f"contact:{row['contact_id']}",
            is_admin=False,
            credential="portal",
            credential_id=row["token_id"],
            source=source,
            contact_id=row["contact_id"],
        )

    def _owner(self, digest: str) -> dict[str, Any] | None:
        """The token's row, remembered for AMITY_AUTH_CACHE_SECONDS like access tokens."""

        def load() -> dict[str, Any] | None:
            with self.db.read() as conn:
                return self.store.owner(conn, digest)

        return self._cache.get(digest, load)

    def forget(self) -> None:
        """Drop every remembered token (after a revocation commits)."""
        self._cache.clear()

    def _forget_contacts(self, model: str, record_id: str) -> None:
        """A contact (deleted, reassigned) or a portal token changed, in this process or
        another: drop remembered tokens at once."""
        if model in ("Contact", EVENT_MODEL, "*"):
            self._cache.clear()

    def _emit(
        self, conn: Connection, actor: Actor, token_id: str, kind: str, changes: dict[str, Any]
    ) -> None:
        self.records.writer.emit(
            conn,
            actor,
            model=EVENT_MODEL,
            record_id=token_id,
            kind=kind,
            changes=changes,
            at=utcnow(),
        )

    def revoke_own(self, actor: Actor) -> None:
        """A portal token revokes itself (log out)."""
        if actor.credential != "portal" or actor.credential_id is None:
            raise Forbidden(
                "Only a portal token can log itself out",
                "administrators revoke a contact's portal tokens",
            )
        with self.db.write() as conn:
            if self.store.revoke(conn, actor.credential_id):
                self._emit(conn, actor, actor.credential_id, "revoke", {"revoked": [False, True]})

    def revoke_contact(self, actor: Actor, contact_id: str) -> int:
        """Revoke every token of the contact (administrators); returns how many."""
        ensure_admin(actor, "portal tokens")
        with self.db.write() as conn:
            revoked = self.store.revoke_contact(conn, contact_id) if storable_id(contact_id) else []
            for token_id in revoked:
                self._emit(conn, actor, token_id, "revoke", {"revoked": [False, True]})
        return len(revoked)
