"""Pagination state (IO-free): one page of a list answer, and where a walk over all
matching records stands."""

from __future__ import annotations

from dataclasses import dataclass, replace
from typing import Any

from amity_client._core import Call, Record
from amity_client._errors import Error


@dataclass(frozen=True)
class Page:
    """One answer of a list endpoint: its records, the total matching the query, and
    (from an Amity server) the cursor of the next page, None on the last."""

    records: list[Record]
    total_results: int
    next_cursor: str | None = None
    keyset: bool = False  # the answer had a next_cursor (None on the last page)


def parse_page(body: Any) -> Page:
    if (
        not isinstance(body, dict)
        or not isinstance(body.get("records"), list)
        or not isinstance(body.get("total_results"), int)
    ):
        raise Error(
            "Unexpected reply from server: expected records and total_results",
            status=200,
            type="invalid_response",
        )
    cursor = body.get("next_cursor")
    return Page(
        body["records"],
        body["total_results"],
        cursor if isinstance(cursor, str) else None,
        "next_cursor" in body,
    )


class PageWalk:
    """Walks a list query page by page: `take` each page, then ask `next_call` for the
    call that fetches the next one (None when done).

    When the server answers a `next_cursor` (Amity does), the walk follows the cursors:
    each page costs what the first does, and records others add or delete meanwhile make
    it skip or repeat none of the rest; it ends on a page without one. Other servers
    (1CRM) are walked by offset: the walk ends when the position reaches the latest
    total_results, or when a page comes back empty (records deleted meanwhile), so it
    always terminates."""

    def __init__(self, call: Call[Page]) -> None:
        self.call = call
        params = dict(call.params or {}) if isinstance(call.params, dict) else {}
        self.position = int(params.get("offset") or 0)
        self.cursor: str | None = None
        self.done = False

    def take(self, page: Page) -> list[Record]:
        self.position += len(page.records)
        self.cursor = page.next_cursor
        if page.keyset:
            self.done = page.next_cursor is None or not page.records
        elif not page.records or self.position >= page.total_results:
            self.done = True
        return page.records

    def next_call(self) -> Call[Page] | None:
        if self.done:
            return None
        params = dict(self.call.params) if isinstance(self.call.params, dict) else {}
        if self.cursor is not None:
            params.pop("offset", None)
            params["cursor"] = self.cursor
        else:
            params["offset"] = self.position
        return replace(self.call, params=params)
