"""/reports: the 1CRM reports API (reports of a model, their archived runs, a run's rows)
and Amity's definitions, runs as jobs, schedules and CSV/XLSX exports."""

from __future__ import annotations

from starlette.requests import Request
from starlette.responses import Response, StreamingResponse
from starlette.routing import Route

from amity.api.context import require_actor, run_write, services
from amity.api.native.data import done
from amity.api.native.listing import query_params
from amity.api.params import paging_params, read_json, str_param
from amity.api.responses import JSONResponse
from amity.core.files.kinds import disposition
from amity.core.reports.export import csv_chunks, xlsx_chunks
from amity.core.reports.reader_dates import ReaderDates
from amity.errors import BadRequest

MEDIA = {
    "csv": "text/csv; charset=utf-8",
    "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
}


async def list_reports(request: Request) -> JSONResponse:
    actor = require_actor(request)
    offset, limit = paging_params(query_params(request))
    rows, total = services(request).reports.list_reports(
        actor, request.path_params["model"], offset, limit
    )
    return JSONResponse({"records": rows, "total_results": total})


async def list_runs(request: Request) -> JSONResponse:
    actor = require_actor(request)
    offset, limit = paging_params(query_params(request))
    p = request.path_params
    rows, total = services(request).reports.runs(actor, p["model"], p["id"], offset, limit)
    return JSONResponse({"records": rows, "total_results": total})


async def run_data(request: Request) -> Response:
    """A run's rows: a page of JSON, or the whole run as CSV or XLSX (?format=)."""
    actor = require_actor(request)
    params = query_params(request)
    p = request.path_params
    reports = services(request).reports
    fmt = str_param(params, "format")
    if fmt is None or fmt == "json":
        offset, limit = paging_params(params)
        rows, total = reports.data(actor, p["model"], p["id"], offset, limit)
        return JSONResponse({"records": rows, "total_results": total})
    if fmt not in MEDIA:
        raise BadRequest("format must be json, csv or xlsx, got {format!r}", format=fmt)
    run, layout, archived = reports.export_rows(actor, p["model"], p["id"])
    name = f"{run['name']} {run['reportdata_number']}"
    svc = services(request)
    dates = ReaderDates.of(
        svc.records.model(run["primary_module"]),
        [column for column, _ in layout],
        svc.preferences.for_user(actor.user_id),
    )
    chunks = (
        csv_chunks(layout, dates.rows(archived))
        if fmt == "csv"
        else xlsx_chunks(layout, archived, run["name"], dates)
    )
    return StreamingResponse(  # a sync iterator: Starlette runs it in a worker thread
        chunks,
        media_type=MEDIA[fmt],
        headers={"Content-Disposition": disposition(f"{name}.{fmt}", False)},
    )


async def define_report(request: Request) -> JSONResponse:
    actor = require_actor(request)
    payload = await read_json(request)
    reports = services(request).reports
    return await run_write(
        request,
        lambda: reports.define(actor, payload.get("data")),
        respond=lambda report_id: JSONResponse({"id": report_id}),
    )


async def update_report(request: Request) -> JSONResponse:
    actor = require_actor(request)
    payload = await read_json(request)
    p = request.path_params
    reports = services(request).reports
    return await run_write(
        request,
        lambda: reports.update(actor, p["model"], p["id"], payload.get("data")),
        respond=done,
    )


async def delete_report(request: Request) -> JSONResponse:
    actor = require_actor(request)
    p = request.path_params
    reports = services(request).reports
    return await run_write(
        request, lambda: reports.delete(actor, p["model"], p["id"]), respond=done
    )


async def run_report(request: Request) -> JSONResponse:
    """Start a run (a job) with the caller's rights; the run, state queued."""
    actor = require_actor(request)
    p = request.path_params
    reports = services(request).reports
    return await run_write(
        request, lambda: reports.run(actor, p["model"], p["id"]), respond=JSONResponse
    )


routes = [
    Route("/reports", define_report, methods=["POST"]),
    Route("/reports/data/{model}/{id}", run_data, methods=["GET"]),
    Route("/reports/{model}", list_reports, methods=["GET"]),
    Route("/reports/{model}/{id}", list_runs, methods=["GET"]),
    Route("/reports/{model}/{id}", update_report, methods=["PATCH"]),
    Route("/reports/{model}/{id}", delete_report, methods=["DELETE"]),
    Route("/reports/{model}/{id}/run", run_report, methods=["POST"]),
]
