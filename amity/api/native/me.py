"""/me: who the caller is (a user, or a portal contact)."""

from __future__ import annotations

from typing import Any

from starlette.requests import Request
from starlette.routing import Route

from amity.api.context import require_actor, services
from amity.api.responses import JSONResponse
from amity.core.actor import Actor
from amity.core.fields import person_name


async def me(request: Request) -> JSONResponse:
    actor = require_actor(request)
    if actor.contact_id is not None:
        return JSONResponse(contact_me(request, actor))
    user = services(request).auth.user_by_id(actor.user_id) or {}
    role, teams = services(request).acl.role_and_teams(actor.user_id)
    return JSONResponse(
        {
            "id": actor.user_id,
            "name": person_name(user) or actor.user_name,
            "user_name": actor.user_name,
            "first_name": user.get("first_name"),
            "last_name": user.get("last_name"),
            "role": "admin"
            if actor.is_admin
            else (role or services(request).settings.default_role or "user"),
            "groups": teams,
            "email": user.get("email1"),
            "timezone": user.get("timezone") or "UTC",
        }
    )


def contact_me(request: Request, actor: Actor) -> dict[str, Any]:
    """/me of a portal contact: the contact's own information."""
    assert actor.contact_id is not None
    contact = services(request).records.get(
        actor,
        "Contact",
        actor.contact_id,
        ["salutation", "first_name", "last_name", "name", "email1"],
    )
    return {
        "id": actor.contact_id,
        "name": contact.get("name"),
        "first_name": contact.get("first_name"),
        "last_name": contact.get("last_name"),
        "role": "contact",
        "groups": [],
        "email": contact.get("email1"),
        "timezone": "UTC",
        "type": "contact",
    }


routes = [Route("/me", me, methods=["GET"])]
