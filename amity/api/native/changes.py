"""/changes: the change feed, every committed event once, oldest first, after a cursor."""

from __future__ import annotations

from starlette.requests import Request
from starlette.routing import Route

from amity.api.context import require_actor, services
from amity.api.events_wire import render_event
from amity.api.params import int_param, list_param, parse_query, str_param
from amity.api.responses import JSONResponse
from amity.core.changes import DEFAULT_LIMIT


async def changes(request: Request) -> JSONResponse:
    """Events after the cursor `after`, with the cursor to ask for next."""
    actor = require_actor(request)
    params = parse_query(request.scope["query_string"])
    limit = int_param(params, "limit", DEFAULT_LIMIT)
    after = str_param(params, "after") or None
    models = list_param(params, "models")
    page = services(request).changes.page(actor, after, limit, models)
    return JSONResponse(
        {
            "records": [render_event(event) for event in page.events],
            "next": page.next,
            "has_more": page.has_more,
        }
    )


routes = [
    Route("/changes", changes, methods=["GET"]),
]
