"""/admin/rate_limits: administrators give one user or one OAuth client a rate limit of
its own (instead of AMITY_RATE_LIMIT), list those limits and clear them."""

from __future__ import annotations

from starlette.requests import Request
from starlette.routing import Route

from amity.api.context import require_actor, run_write, services
from amity.api.params import read_json
from amity.api.responses import JSONResponse


async def list_limits(request: Request) -> JSONResponse:
    actor = require_actor(request)
    return JSONResponse({"records": services(request).rate_limits.list(actor)})


async def put_limit(request: Request) -> JSONResponse:
    """Body {"rate_limit": "100/minute"}; the path names kind (user|client) and id."""
    actor = require_actor(request)
    svc = services(request)
    body = await read_json(request)
    kind, subject = request.path_params["kind"], request.path_params["subject_id"]
    rate = body.get("rate_limit")
    row = await run_write(
        request,
        lambda: svc.rate_limits.set(actor, kind, subject, rate if isinstance(rate, str) else ""),
    )
    return JSONResponse({"record": row})


async def remove_limit(request: Request) -> JSONResponse:
    actor = require_actor(request)
    svc = services(request)
    kind, subject = request.path_params["kind"], request.path_params["subject_id"]
    await run_write(request, lambda: svc.rate_limits.remove(actor, kind, subject))
    return JSONResponse({"kind": kind, "id": subject, "rate_limit": None})


routes = [
    Route("/admin/rate_limits", list_limits, methods=["GET"]),
    Route("/admin/rate_limits/{kind}/{subject_id}", put_limit, methods=["PUT"]),
    Route("/admin/rate_limits/{kind}/{subject_id}", remove_limit, methods=["DELETE"]),
]
