"""/api/tokens: each user creates, lists and revokes their own personal access tokens
(the token service; a new token is shown once, its hash alone is stored)."""

from __future__ import annotations

from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from amity.api.context import require_actor, run_write, services
from amity.api.params import read_json
from amity.api.responses import JSONResponse
from amity.core.actor import Actor
from amity.errors import BadRequest, Forbidden, NotFound


def token_owner(request: Request) -> Actor:
    """The user whose tokens these are; 403 for a portal contact (no tokens of its own)."""
    actor = require_actor(request)
    if actor.is_contact:
        raise Forbidden("Portal contacts have no personal access tokens")
    return actor


async def list_tokens(request: Request) -> JSONResponse:
    actor = token_owner(request)
    tokens = services(request).auth.list_tokens(actor.user_name)
    return JSONResponse({"data": [t for t in tokens if not t.get("revoked")]})


async def create_token(request: Request) -> JSONResponse:
    actor = token_owner(request)
    payload = await read_json(request)
    name = payload.get("name", "")
    if not isinstance(name, str) or len(name) > 100:
        raise BadRequest("{field} must be a text of at most 100 characters", field="name")
    auth = services(request).auth
    return await run_write(
        request,
        lambda: auth.create_token(actor.user_name, name, actor=actor),
        respond=lambda made: JSONResponse(
            {"id": made[0], "name": name or "token", "token": made[1]}, status_code=201
        ),
    )


async def revoke_token(request: Request) -> Response:
    actor = token_owner(request)
    token_id = request.path_params["id"]
    auth = services(request).auth
    mine = {t["id"] for t in auth.list_tokens(actor.user_name) if not t.get("revoked")}
    if token_id not in mine:
        raise NotFound("No token with id {token_id}", token_id=token_id)
    return await run_write(
        request,
        lambda: auth.revoke_token(token_id, actor=actor),
        respond=lambda _: Response(status_code=204),
    )


routes = [
    Route("/api/tokens", list_tokens, methods=["GET"]),
    Route("/api/tokens", create_token, methods=["POST"]),
    Route("/api/tokens/{id}", revoke_token, methods=["DELETE"]),
]
