"""/reports: saved queries over one model (columns, filters, order, groups, aggregates),
their runs (jobs on the server, with the rights of the user who runs them) and each run's
archived rows, as JSON pages or exported to CSV or XLSX.

The call builders are IO-free; `Reports` runs them on a Client (`client.reports`),
`AsyncReports` on an AsyncClient, with the same method names and arguments.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Mapping
from typing import Any

from amity_client._core import Call, as_dict, identity, key, path
from amity_client._downloads import DownloadedFile, Received, Target, async_sink, sink
from amity_client._errors import Error
from amity_client._files import AsyncFileRunner, SyncFileRunner
from amity_client._paging import Page, parse_page
from amity_client._printer import disposition_filename
from amity_client._uploads import CHUNK_BYTES

__all__ = ["AsyncReports", "Reports"]

FINISHED = ("done", "failed")
POLL_SECONDS = 0.2
EXPORT_TYPES = {
    "csv": "text/csv",
    "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
}


# -- call builders (IO-free) -----------------------------------------------------------------
def list_call(model: str, offset: int = 0, limit: int = 20) -> Call[Page]:
    """GET /reports/{model}: the model's reports the caller may read."""
    return Call("GET", path("reports", model), parse_page, {"offset": offset, "limit": limit})


def runs_call(model: str, report_id: str, offset: int = 0, limit: int = 20) -> Call[Page]:
    """GET /reports/{model}/{id}: a report's runs, newest first."""
    params = {"offset": offset, "limit": limit}
    return Call("GET", path("reports", model, report_id), parse_page, params)


def data_call(model: str, run_id: str, offset: int = 0, limit: int = 20) -> Call[Page]:
    """GET /reports/data/{model}/{id}: a page of a finished run's rows."""
    params = {"offset": offset, "limit": limit}
    return Call("GET", path("reports", "data", model, run_id), parse_page, params)


def define_call(data: Mapping[str, Any]) -> Call[str]:
    """POST /reports {"data": {...}}: the new report's id."""
    return Call("POST", "reports", lambda body: str(key("id")(body)), json={"data": dict(data)})


def update_call(model: str, report_id: str, data: Mapping[str, Any]) -> Call[Any]:
    return Call("PATCH", path("reports", model, report_id), identity, json={"data": dict(data)})


def delete_call(model: str, report_id: str) -> Call[Any]:
    return Call("DELETE", path("reports", model, report_id), identity)


def run_call(model: str, report_id: str) -> Call[dict[str, Any]]:
    """POST /reports/{model}/{id}/run: the run, status "queued"."""
    return Call("POST", path("reports", model, report_id, "run"), as_dict)


def export_call(model: str, run_id: str, fmt: str) -> Call[Any]:
    if fmt not in EXPORT_TYPES:
        raise ValueError("format must be 'csv' or 'xlsx'")
    headers = {"Accept": f"{EXPORT_TYPES[fmt]}, application/json"}
    endpoint = path("reports", "data", model, run_id)
    return Call("GET", endpoint, identity, {"format": fmt}, headers=headers)


def find_run(page: Page, run_id: str) -> dict[str, Any] | None:
    return next((r for r in page.records if r.get("id") == run_id), None)


def _missing(run_id: str) -> Error:
    return Error(f"Report run {run_id} is gone", status=404, type="not_found")


def _timed_out(run_id: str) -> Error:
    return Error(f"Report run {run_id} did not finish in time", status=0, type="timeout")


# -- runners ---------------------------------------------------------------------------------
class Reports:
    """Reports of the server (`client.reports`): list, runs, data, define, update, delete,
    run (and wait), export."""

    def __init__(self, client: SyncFileRunner) -> None:
        self._client = client

    def __repr__(self) -> str:
        return "Reports()"

    def list(self, model: str, offset: int = 0, limit: int = 20) -> Page:
        return self._client._run(list_call(model, offset, limit))

    def runs(self, model: str, report_id: str, offset: int = 0, limit: int = 20) -> Page:
        return self._client._run(runs_call(model, report_id, offset, limit))

    def data(self, model: str, run_id: str, offset: int = 0, limit: int = 20) -> Page:
        return self._client._run(data_call(model, run_id, offset, limit))

    def define(self, data: Mapping[str, Any]) -> str:
        """Define a report ({"name", "primary_module", "columns", "filters", "order",
        "groups", "aggregates", "max_keep", "shared_with", "run_interval", ...}); its id."""
        return self._client._run(define_call(data))

    def update(self, model: str, report_id: str, data: Mapping[str, Any]) -> None:
        self._client._run(update_call(model, report_id, data))

    def delete(self, model: str, report_id: str) -> None:
        self._client._run(delete_call(model, report_id))

    def run(
        self, model: str, report_id: str, *, wait: bool = False, timeout: float = 300.0
    ) -> dict[str, Any]:
        """Start a run; with `wait`, poll until it is done or failed and return it as the
        runs list shows it (`status`, `record_count`, `error`)."""
        started = self._client._run(run_call(model, report_id))
        if not wait:
            return started
        deadline = time.monotonic() + timeout
        run_id = str(started["id"])
        while True:
            page = self._client._run(runs_call(model, report_id, 0, 200))
            found = find_run(page, run_id)
            if found is None:
                raise _missing(run_id)
            if found.get("status") in FINISHED:
                return found
            if time.monotonic() > deadline:
                raise _timed_out(run_id)
            time.sleep(POLL_SECONDS)

    def export(self, model: str, run_id: str, to: Target, *, format: str = "csv") -> DownloadedFile:
        """Stream a finished run as CSV or XLSX into `to` (a path or a writable binary
        stream); its file name, type, size and SHA-256. A path is removed on failure."""
        with self._client._stream(export_call(model, run_id, format)) as response:
            received = Received()
            with sink(to) as write:
                for chunk in response.iter_bytes(CHUNK_BYTES):
                    write(received.add(chunk))
            return _downloaded(received, response.headers)


class AsyncReports:
    """Reports for AsyncClient: the same methods, awaited."""

    def __init__(self, client: AsyncFileRunner) -> None:
        self._client = client

    def __repr__(self) -> str:
        return "AsyncReports()"

    async def list(self, model: str, offset: int = 0, limit: int = 20) -> Page:
        return await self._client._run(list_call(model, offset, limit))

    async def runs(self, model: str, report_id: str, offset: int = 0, limit: int = 20) -> Page:
        return await self._client._run(runs_call(model, report_id, offset, limit))

    async def data(self, model: str, run_id: str, offset: int = 0, limit: int = 20) -> Page:
        return await self._client._run(data_call(model, run_id, offset, limit))

    async def define(self, data: Mapping[str, Any]) -> str:
        return await self._client._run(define_call(data))

    async def update(self, model: str, report_id: str, data: Mapping[str, Any]) -> None:
        await self._client._run(update_call(model, report_id, data))

    async def delete(self, model: str, report_id: str) -> None:
        await self._client._run(delete_call(model, report_id))

    async def run(
        self, model: str, report_id: str, *, wait: bool = False, timeout: float = 300.0
    ) -> dict[str, Any]:
        started = await self._client._run(run_call(model, report_id))
        if not wait:
            return started
        deadline = time.monotonic() + timeout
        run_id = str(started["id"])
        while True:
            page = await self._client._run(runs_call(model, report_id, 0, 200))
            found = find_run(page, run_id)
            if found is None:
                raise _missing(run_id)
            if found.get("status") in FINISHED:
                return found
            if time.monotonic() > deadline:
                raise _timed_out(run_id)
            await asyncio.sleep(POLL_SECONDS)

    async def export(
        self, model: str, run_id: str, to: Target, *, format: str = "csv"
    ) -> DownloadedFile:
        async with self._client._stream(export_call(model, run_id, format)) as response:
            received = Received()
            async with async_sink(to) as write:
                async for chunk in response.aiter_bytes(CHUNK_BYTES):
                    await write(received.add(chunk))
            return _downloaded(received, response.headers)


def _downloaded(received: Received, headers: Mapping[str, str]) -> DownloadedFile:
    file = received.file(headers)
    return DownloadedFile(disposition_filename(headers), file.mimetype, file.size, file.sha256)
