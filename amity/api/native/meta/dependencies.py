"""/meta/dependencies/{model}: the picklist dependencies of a model, for everyone who
may see it."""

from __future__ import annotations

from starlette.requests import Request
from starlette.routing import Route

from amity.api.context import require_actor, services
from amity.api.responses import JSONResponse


async def dependencies(request: Request) -> JSONResponse:
    """{"dependencies": {field: {"source": field, "map": {value: [allowed values]}}}}."""
    actor = require_actor(request)
    deps = services(request).picklists.describe(actor, request.path_params["model"])
    return JSONResponse({"dependencies": deps})


routes = [
    Route("/meta/dependencies/{model}", dependencies, methods=["GET"]),
]
