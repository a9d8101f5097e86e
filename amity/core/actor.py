"""Who is acting: the user and the credential a request came with."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Actor:
    """The acting user of a service call; `source` says where the call came from."""

    user_id: str
    user_name: str
    is_admin: bool = False
    credential: str = "system"  # token | basic | system (later: oauth, portal, session)
    credential_id: str | None = None
    source: str = "system"


SYSTEM = Actor(user_id="1", user_name="admin", is_admin=True)
