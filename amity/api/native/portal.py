"""/portal: access tokens for portal contacts (issued by administrators)."""

from __future__ import annotations

from starlette.requests import Request
from starlette.routing import Route

from amity.api.context import require_actor, run_write, services
from amity.api.params import read_json
from amity.api.responses import JSONResponse


async def portal_auth(request: Request) -> JSONResponse:
    """{"contact_id"} -> {"access_token", "token_type": "Bearer", "expires_in"}."""
    actor = require_actor(request)
    portal = services(request).auth.portal
    portal.ensure_issuer(actor)  # refuse before reading the body
    payload = await read_json(request)
    token = await run_write(request, lambda: portal.issue(actor, payload.get("contact_id")))
    return JSONResponse(token, headers={"Cache-Control": "no-store"})


async def portal_logout(request: Request) -> JSONResponse:
    """A portal token revokes itself."""
    actor = require_actor(request)
    portal = services(request).auth.portal
    await run_write(request, lambda: portal.revoke_own(actor))
    portal.forget()  # again, now that the revocation is committed
    return JSONResponse({"result": True})


async def revoke_contact_tokens(request: Request) -> JSONResponse:
    """An administrator revokes every token of a contact."""
    actor = require_actor(request)
    portal = services(request).auth.portal
    contact_id = request.path_params["contact_id"]
    count = await run_write(request, lambda: portal.revoke_contact(actor, contact_id))
    portal.forget()
    return JSONResponse({"result": True, "revoked": count})


routes = [
    Route("/portal/auth", portal_auth, methods=["POST"]),
    Route("/portal/auth", portal_logout, methods=["DELETE"]),
    Route("/portal/tokens/{contact_id}", revoke_contact_tokens, methods=["DELETE"]),
]
