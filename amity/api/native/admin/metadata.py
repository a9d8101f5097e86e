"""/admin/metadata/history: who changed the metadata (custom fields and models, layouts,
picklist dependencies), and when."""

from __future__ import annotations

from starlette.requests import Request
from starlette.routing import Route

from amity.api.context import require_actor, services
from amity.api.params import int_param, parse_query
from amity.api.responses import JSONResponse
from amity.errors import BadRequest

MAX_LIMIT = 200


async def metadata_history(request: Request) -> JSONResponse:
    actor = require_actor(request)
    params = parse_query(request.scope["query_string"])
    offset, limit = int_param(params, "offset", 0), int_param(params, "limit", 20)
    if offset < 0 or not 1 <= limit <= MAX_LIMIT:
        raise BadRequest("offset must be >= 0 and limit 1..{max_limit}", max_limit=MAX_LIMIT)
    records, total = services(request).schema.history(actor, offset, limit)
    return JSONResponse({"records": records, "total_results": total})


routes = [
    Route("/admin/metadata/history", metadata_history, methods=["GET"]),
]
