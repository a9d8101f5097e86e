"""Who is acting: the user and the credential a request came with."""

from __future__ import annotations

from dataclasses import dataclass

from amity.errors import Forbidden, Text


@dataclass(frozen=True)
class Actor:
    """The acting user of a service call; `source` says where the call came from."""

    user_id: str
    user_name: str
    is_admin: bool = False
    credential: str = "system"  # token | basic | oauth | portal | session | cli | system
    credential_id: str | None = None
    source: str = "system"
    scopes: frozenset[str] | None = None
    """OAuth scopes granted (read, write, profile); None: whatever the user's role allows."""
    contact_id: str | None = None
    """Set when the resource owner is a portal contact (OAuth owner type contact, portal
    token): such an actor reaches only that contact's own and portal-visible records,
    whatever `user_id` (kept for attribution of writes) may do."""
    client_id: str | None = None
    """The OAuth client (or API client) the credential was issued to."""
    request_id: str | None = None
    """The request this call serves (X-Request-Id); events carry it."""

    @property
    def is_contact(self) -> bool:
        return self.contact_id is not None


SYSTEM = Actor(user_id="1", user_name="admin", is_admin=True)
CLI = Actor(user_id="1", user_name="admin", is_admin=True, credential="cli", source="cli")
"""The actor of `amity` commands: the administrator, its writes marked `cli`."""


def ensure_admin(actor: Actor, what: str) -> None:
    """403 unless the actor is an administrator (never a portal contact's credential);
    `what` names what is managed, a literal with a German entry in amity/i18n/de.json."""
    if not actor.is_admin or actor.is_contact:
        raise Forbidden("Only administrators may manage {what}", what=Text(what))
