"""/me and /version."""

from __future__ import annotations

from starlette.requests import Request
from starlette.routing import Route

from amity import __version__
from amity.api.context import optional_actor, require_actor, services
from amity.api.responses import JSONResponse
from amity.core.fields import person_name
from amity.errors import Unauthorized


async def me(request: Request) -> JSONResponse:
    actor = require_actor(request)
    user = services(request).auth.user_by_id(actor.user_id) or {}
    return JSONResponse({
        "id": actor.user_id,
        "name": person_name(user) or actor.user_name,
        "user_name": actor.user_name,
        "first_name": user.get("first_name"),
        "last_name": user.get("last_name"),
        "role": "admin" if actor.is_admin else "user",
        "groups": [],
        "email": user.get("email1"),
        "timezone": user.get("timezone") or "UTC",
    })


async def version(request: Request) -> JSONResponse:
    try:
        authenticated = optional_actor(request) is not None
    except Unauthorized:
        authenticated = False
    return JSONResponse({"version": __version__, "products": ["Amity", "CRM"],
                         "authenticated": authenticated})


routes = [
    Route("/me", me, methods=["GET"]),
    Route("/version", version, methods=["GET"]),
]
