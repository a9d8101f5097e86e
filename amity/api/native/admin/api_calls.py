"""/admin/api_calls: administrators read the API call log."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from starlette.requests import Request
from starlette.routing import Route

from amity.api.context import require_actor, services
from amity.api.params import int_param, paging_params, parse_query, str_param
from amity.api.responses import JSONResponse
from amity.core.apilog import CallFilter
from amity.errors import BadRequest

MAX_LIMIT = 200
DATETIME_FORMAT = "%Y-%m-%d %H:%M:%S"


async def api_calls(request: Request) -> JSONResponse:
    """The logged API calls, newest first, filtered by user, method, status, time and path
    (a prefix)."""
    actor = require_actor(request)
    params = parse_query(request.scope["query_string"])
    offset, limit = paging_params(params, MAX_LIMIT)
    method = str_param(params, "method")
    status = int_param(params, "status", 0) or None
    where = CallFilter(
        user_name=str_param(params, "user") or None,
        method=method.upper() if method else None,
        status=status,
        since=datetime_param(params, "since"),
        until=datetime_param(params, "until"),
        path=str_param(params, "path") or None,
    )
    records, total = services(request).api_log.list_calls(actor, where, offset, limit)
    return JSONResponse({"records": records, "total_results": total})


def datetime_param(params: dict[str, Any], name: str) -> datetime | None:
    raw = str_param(params, name)
    if not raw:
        return None
    try:
        return datetime.strptime(raw.strip(), DATETIME_FORMAT)
    except ValueError:
        raise BadRequest(
            "{name} must be a date and time, got {raw!r}",
            "use the format Y-m-d H:i:s, e.g. 2026-01-31 13:45:00",
            name=name,
            raw=raw,
        ) from None


routes = [
    Route("/admin/api_calls", api_calls, methods=["GET"]),
]
