"""The change feed (/changes): every committed change since a cursor, oldest first.

`client.changes(after=cursor)` returns a ChangeFeed: iterate it for the events, which it
fetches page by page following the server's cursor until the server has no more; then
store `feed.cursor` and pass it as `after` next time to get only what changed since.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Awaitable, Callable, Iterator, Sequence
from dataclasses import dataclass
from typing import Any

from amity_client._core import Call, Record
from amity_client._errors import Error


@dataclass(frozen=True)
class ChangePage:
    """One answer of /changes: its events, the cursor after them, whether more wait."""

    records: list[Record]
    next: str | None
    has_more: bool


def parse_change_page(body: Any) -> ChangePage:
    if (
        not isinstance(body, dict)
        or not isinstance(body.get("records"), list)
        or not isinstance(body.get("has_more"), bool)
        or not isinstance(body.get("next"), str | None)
    ):
        raise Error(
            "Unexpected reply from server: expected records, next and has_more",
            status=200,
            type="invalid_response",
        )
    return ChangePage(body["records"], body["next"], body["has_more"])


def changes_call(
    after: str | None, models: Sequence[str] | None, limit: int | None
) -> Call[ChangePage]:
    params: dict[str, Any] = {"after": after, "limit": limit}
    if models:
        params["models"] = list(models)
    return Call("GET", "/changes", parse_change_page, params)


class _FeedBase:
    def __init__(self, after: str | None, models: Sequence[str] | None, limit: int | None):
        self.cursor = after
        """Where the feed stands: after the last page iterated so far (store it)."""
        self._models = models
        self._limit = limit

    def _call(self) -> Call[ChangePage]:
        return changes_call(self.cursor, self._models, self._limit)

    def _advance(self, page: ChangePage) -> bool:
        """Move the cursor past a page; whether another page should be fetched."""
        if page.next is not None:
            self.cursor = page.next
        return page.has_more and page.next is not None

    def __repr__(self) -> str:
        return f"{type(self).__name__}(cursor={self.cursor!r})"


class ChangeFeed(_FeedBase):
    """`for event in feed` yields every change after the cursor; `feed.cursor` then holds
    the cursor to pass as `after` next time."""

    def __init__(
        self,
        run: Callable[[Call[ChangePage]], ChangePage],
        after: str | None = None,
        models: Sequence[str] | None = None,
        limit: int | None = None,
    ) -> None:
        super().__init__(after, models, limit)
        self._run = run

    def __iter__(self) -> Iterator[Record]:
        while True:
            page = self._run(self._call())
            yield from page.records
            if not self._advance(page):
                return


class AsyncChangeFeed(_FeedBase):
    """`async for event in feed` yields every change after the cursor; `feed.cursor` then
    holds the cursor to pass as `after` next time."""

    def __init__(
        self,
        run: Callable[[Call[ChangePage]], Awaitable[ChangePage]],
        after: str | None = None,
        models: Sequence[str] | None = None,
        limit: int | None = None,
    ) -> None:
        super().__init__(after, models, limit)
        self._run = run

    async def __aiter__(self) -> AsyncIterator[Record]:
        while True:
            page = await self._run(self._call())
            for event in page.records:
                yield event
            if not self._advance(page):
                return
