"""Laravel-style paging: ?page (from 1) and ?per_page (15 unless given, at most 100), and
the envelope of a page: data, links, meta."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlencode

from amity.errors import BadRequest

DEFAULT_PER_PAGE = 15
MAX_PER_PAGE = 100


@dataclass(frozen=True)
class PageRequest:
    page: int
    per_page: int

    @property
    def offset(self) -> int:
        return (self.page - 1) * self.per_page


def whole_number(params: dict[str, Any], name: str, default: int, high: int) -> int:
    """A query parameter between 1 and `high`; BadRequest naming it (a 422) otherwise."""
    raw = params.get(name)
    if raw is None or raw == "":
        return default
    text = raw if isinstance(raw, str) else ""
    if not text.isascii() or not text.isdigit() or not 1 <= int(text) <= high:
        raise BadRequest("{field} must be a whole number from 1 to {high}", field=name, high=high)
    return int(text)


MAX_PAGE = 10**9


def page_request(params: dict[str, Any]) -> PageRequest:
    return PageRequest(
        page=whole_number(params, "page", 1, MAX_PAGE),
        per_page=whole_number(params, "per_page", DEFAULT_PER_PAGE, MAX_PER_PAGE),
    )


def envelope(
    records: list[dict[str, Any]],
    total: int,
    paging: PageRequest,
    path: str,
    kept: Sequence[tuple[str, str]] = (),
) -> dict[str, Any]:
    """The page in Laravel's paginator shape; `path` is the list's URL without query,
    `kept` the query parameters every link repeats (sort, filters)."""
    last = max(1, -(-total // paging.per_page))

    def link(page: int) -> str:
        return f"{path}?{urlencode([*kept, ('page', page), ('per_page', paging.per_page)])}"

    first_item = paging.offset + 1 if records else None
    return {
        "data": records,
        "links": {
            "first": link(1),
            "last": link(last),
            "prev": link(paging.page - 1) if paging.page > 1 else None,
            "next": link(paging.page + 1) if paging.page < last else None,
        },
        "meta": {
            "current_page": paging.page,
            "from": first_item,
            "last_page": last,
            "per_page": paging.per_page,
            "to": paging.offset + len(records) if records else None,
            "total": total,
            "path": path,
        },
    }
