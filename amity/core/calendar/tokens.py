"""Calendar feed tokens: a per-user secret that lets a calendar app read that user's
events, and nothing else. Shown once, stored only as a SHA-256 hash (as personal access
tokens are); a user has at most one: a new one replaces the old, revoking deletes it."""

from __future__ import annotations

import secrets

from amity.core.actor import Actor
from amity.core.auth.tokens import token_hash
from amity.core.clock import utcnow
from amity.core.ids import new_id
from amity.core.records import Records
from amity.errors import Forbidden, NotFound
from amity.store.calendar import CalendarTokenStore

TOKEN_PREFIX = "amity_cal_"
EVENT_MODEL = "CalendarToken"  # its events name the user, never the token or its hash


def new_feed_token() -> str:
    return TOKEN_PREFIX + secrets.token_urlsafe(32)


class CalendarTokens:
    """Issues, revokes and resolves calendar feed tokens."""

    def __init__(self, records: Records) -> None:
        self.records = records
        self.db = records.db
        self.store = CalendarTokenStore(self.db.tables)

    def issue(self, actor: Actor, user_id: str) -> str:
        """A new feed token for the user (replacing any earlier one); shown only now."""
        check_own(actor, user_id)
        token = new_feed_token()
        token_id = new_id()
        now = utcnow()
        with self.db.write() as conn:
            replaced = self.store.replace(
                conn, token_id=token_id, user_id=user_id, token_hash=token_hash(token), at=now
            )
            self.records.writer.emit(
                conn,
                actor,
                model=EVENT_MODEL,
                record_id=user_id,
                kind="update" if replaced else "create",
                changes={"token": ["(replaced)" if replaced else None, "(new)"]},
                at=now,
            )
        return token

    def revoke(self, actor: Actor, user_id: str) -> None:
        """Delete the user's feed token: its URL answers 404 from now on."""
        check_own(actor, user_id)
        with self.db.write() as conn:
            if not self.store.remove(conn, user_id):
                raise NotFound(
                    "No calendar feed token to revoke",
                    "create a calendar feed token first",
                )
            self.records.writer.emit(
                conn,
                actor,
                model=EVENT_MODEL,
                record_id=user_id,
                kind="revoke",
                changes={"token": ["(set)", None]},
                at=utcnow(),
            )

    def actor(self, token: str, source: str) -> Actor:
        """The actor a feed request reads as: the token's active user; 404 for a token
        that is unknown, revoked or whose user is gone or inactive."""
        owner = None
        if token.startswith(TOKEN_PREFIX) and "\x00" not in token and len(token) < 200:
            with self.db.read() as conn:
                owner = self.store.owner(conn, token_hash(token))
        if owner is None:
            raise NotFound("No calendar feed at this address", "ask its owner for a new link")
        return Actor(
            user_id=owner["id"],
            user_name=owner["user_name"],
            is_admin=bool(owner["is_admin"]),
            credential="calendar",
            credential_id=owner["token_id"],
            source=source,
            scopes=frozenset({"read"}),
        )


def check_own(actor: Actor, user_id: str) -> None:
    """Users manage their own feed token; the CLI (an administrator) anyone's."""
    if actor.is_contact:
        raise Forbidden("Portal contacts have no calendar feed")
    if actor.user_id != user_id and not (actor.is_admin and actor.credential == "cli"):
        raise Forbidden("Users manage only their own calendar feed token")
