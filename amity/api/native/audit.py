"""/audit/{model} and /audit/{model}/{id}: the field-level audit of records, newest first."""

from __future__ import annotations

from starlette.requests import Request
from starlette.routing import Route

from amity.api.context import require_actor, services
from amity.api.params import int_param, parse_query
from amity.api.responses import JSONResponse


async def model_audit(request: Request) -> JSONResponse:
    return audit_page(request, None)


async def record_audit(request: Request) -> JSONResponse:
    return audit_page(request, request.path_params["id"])


def audit_page(request: Request, record_id: str | None) -> JSONResponse:
    actor = require_actor(request)
    params = parse_query(request.scope["query_string"])
    page = services(request).audit.list(
        actor,
        request.path_params["model"],
        record_id,
        offset=int_param(params, "offset", 0),
        limit=int_param(params, "limit", 20),
    )
    return JSONResponse(page.as_json())


routes = [
    Route("/audit/{model}", model_audit, methods=["GET"]),
    Route("/audit/{model}/{id}", record_audit, methods=["GET"]),
]
