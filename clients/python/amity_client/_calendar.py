"""/calendar/events: calls, meetings, tasks and project tasks that overlap a date range.

Rows come grouped by type and sorted by date within a type, at most 200 of each; each has
`id`, `name`, `type`, `location` and its dates in both spellings (`date_start`/`date_due`
and `start_date`/`due_date`), as `Y-m-d H:i:s` GMT strings. `Calendar` runs the call on a
Client (`client.calendar`), `AsyncCalendar` on an AsyncClient.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, date, datetime
from typing import Any, Protocol, TypeVar

from amity_client._core import Call
from amity_client._errors import Error

__all__ = ["AsyncCalendar", "Calendar"]

Bound = datetime | date | str
T = TypeVar("T")


def wire_bound(value: Bound) -> str:
    """A bound as the server reads it: an aware datetime is converted to GMT, a naive one
    is taken as GMT, a date means the whole day, a string is sent as it is."""
    if isinstance(value, datetime):
        if value.tzinfo is not None:
            value = value.astimezone(UTC).replace(tzinfo=None)
        return value.strftime("%Y-%m-%d %H:%M:%S")
    if isinstance(value, date):
        return value.isoformat()
    return value


def _rows(body: Any) -> list[dict[str, Any]]:
    records = body.get("records") if isinstance(body, dict) else None
    if not isinstance(records, list):
        raise Error(
            "Unexpected reply from server: no 'records' list in the answer",
            status=200,
            type="invalid_response",
        )
    return records


def events_call(
    start: Bound, end: Bound, types: Sequence[str] | None = None
) -> Call[list[dict[str, Any]]]:
    """GET /calendar/events -> the event rows; both bounds inclusive."""
    params: list[tuple[str, Any]] = [
        ("start_date", wire_bound(start)),
        ("end_date", wire_bound(end)),
    ]
    params += [("types[]", name) for name in types or ()]
    return Call("GET", "/calendar/events", _rows, params=params)


class _SyncRunner(Protocol):
    def _run(self, call: Call[T]) -> T: ...


class _AsyncRunner(Protocol):
    async def _run(self, call: Call[T]) -> T: ...


class Calendar:
    """The server's calendar (`client.calendar`)."""

    def __init__(self, client: _SyncRunner) -> None:
        self._client = client

    def __repr__(self) -> str:
        return "Calendar()"

    def events(
        self, start: Bound, end: Bound, types: Sequence[str] | None = None
    ) -> list[dict[str, Any]]:
        """Events overlapping [start, end] that the caller may read; `types` limits them to
        these of Call, Meeting, Task, ProjectTask, in this order."""
        return self._client._run(events_call(start, end, types))


class AsyncCalendar:
    """Calendar for AsyncClient: the same method, awaited."""

    def __init__(self, client: _AsyncRunner) -> None:
        self._client = client

    def __repr__(self) -> str:
        return "AsyncCalendar()"

    async def events(
        self, start: Bound, end: Bound, types: Sequence[str] | None = None
    ) -> list[dict[str, Any]]:
        return await self._client._run(events_call(start, end, types))
