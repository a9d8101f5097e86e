"""/admin/schema: export and import the configuration (custom models and fields, picklist
dependencies, layouts); /admin/metadata/history: who changed the metadata, and when."""

from __future__ import annotations

from starlette.requests import Request
from starlette.routing import Route

from amity.api.context import require_actor, run_write, services
from amity.api.params import int_param, parse_query, read_json
from amity.api.responses import JSONResponse
from amity.errors import BadRequest

MAX_LIMIT = 200


async def export_schema(request: Request) -> JSONResponse:
    actor = require_actor(request)
    return JSONResponse(services(request).schema.export(actor))


async def import_schema(request: Request) -> JSONResponse:
    """Apply an exported document; answers what was changed (nothing when it matched)."""
    actor = require_actor(request)
    svc = services(request)
    svc.schema.export(actor)  # refuses non-admins before the body is read
    document = await read_json(request)
    done = await run_write(request, lambda: svc.schema.import_(actor, document))
    return JSONResponse({"changes": done})


async def metadata_history(request: Request) -> JSONResponse:
    actor = require_actor(request)
    params = parse_query(request.scope["query_string"])
    offset, limit = int_param(params, "offset", 0), int_param(params, "limit", 20)
    if offset < 0 or not 1 <= limit <= MAX_LIMIT:
        raise BadRequest("offset must be >= 0 and limit 1..{max_limit}", max_limit=MAX_LIMIT)
    records, total = services(request).schema.history(actor, offset, limit)
    return JSONResponse({"records": records, "total_results": total})


routes = [
    Route("/admin/schema", export_schema, methods=["GET"]),
    Route("/admin/schema", import_schema, methods=["POST"]),
    Route("/admin/metadata/history", metadata_history, methods=["GET"]),
]
