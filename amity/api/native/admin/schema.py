"""/admin/schema: export and import the configuration (custom models and fields,
picklist dependencies, layouts) as one JSON document."""

from __future__ import annotations

from starlette.requests import Request
from starlette.routing import Route

from amity.api.context import require_actor, run_write, services
from amity.api.params import read_json
from amity.api.responses import JSONResponse


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


routes = [
    Route("/admin/schema", export_schema, methods=["GET"]),
    Route("/admin/schema", import_schema, methods=["POST"]),
]
