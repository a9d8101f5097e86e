"""/admin/jobs: administrators see background jobs and retry or cancel them."""

from __future__ import annotations

from starlette.requests import Request
from starlette.routing import Route

from amity.api.context import require_actor, run_write, services
from amity.api.params import paging_params, parse_query, str_param
from amity.api.responses import JSONResponse

MAX_LIMIT = 200


async def list_jobs(request: Request) -> JSONResponse:
    """Jobs newest first: offset, limit (1..200, default 20), optional state."""
    actor = require_actor(request)
    params = parse_query(request.scope["query_string"])
    offset, limit = paging_params(params, MAX_LIMIT)
    state = str_param(params, "state") or None
    records, total = services(request).jobs.list_jobs(
        actor, state=state, offset=offset, limit=limit
    )
    return JSONResponse({"records": records, "total_results": total})


async def retry_job(request: Request) -> JSONResponse:
    """Run a failed or cancelled job again now."""
    actor = require_actor(request)
    jobs, job_id = services(request).jobs, request.path_params["id"]
    return JSONResponse({"record": await run_write(request, lambda: jobs.retry(actor, job_id))})


async def cancel_job(request: Request) -> JSONResponse:
    """Cancel a job that waits to run."""
    actor = require_actor(request)
    jobs, job_id = services(request).jobs, request.path_params["id"]
    return JSONResponse({"record": await run_write(request, lambda: jobs.cancel(actor, job_id))})


routes = [
    Route("/admin/jobs", list_jobs, methods=["GET"]),
    Route("/admin/jobs/{id}/retry", retry_job, methods=["POST"]),
    Route("/admin/jobs/{id}/cancel", cancel_job, methods=["POST"]),
]
