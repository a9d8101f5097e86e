"""Pagination state (IO-free): one page of a list answer, and where a walk over all
matching records stands."""

from __future__ import annotations

from dataclasses import dataclass, replace
from typing import Any

from amity_client._core import Call, Record
from amity_client._errors import Error


@dataclass(frozen=True)
class Page:
    """One answer of a list endpoint: its records and the total matching the query."""

    records: list[Record]
    total_results: int


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
    return Page(body["records"], body["total_results"])


class PageWalk:
    """Walks a list query page by page from its offset: `take` each page, then ask
    `next_call` for the call that fetches the next one (None when done).

    The walk ends when the position reaches the latest total_results, or when a page
    comes back empty (records deleted meanwhile), so it always terminates."""

    def __init__(self, call: Call[Page]) -> None:
        self.call = call
        params = dict(call.params or {}) if isinstance(call.params, dict) else {}
        self.position = int(params.get("offset") or 0)
        self.done = False

    def take(self, page: Page) -> list[Record]:
        self.position += len(page.records)
        if not page.records or self.position >= page.total_results:
            self.done = True
        return page.records

    def next_call(self) -> Call[Page] | None:
        if self.done:
            return None
        params = dict(self.call.params) if isinstance(self.call.params, dict) else {}
        params["offset"] = self.position
        return replace(self.call, params=params)
