"""ListResult and AsyncListResult: the first page of a list call, and lazy iteration over
every matching record, fetching further pages only as iteration reaches them. AsyncListQuery
is what the async list calls return: awaited, the first page; `async for`, every record."""

from __future__ import annotations

from collections.abc import AsyncIterator, Awaitable, Callable, Generator, Iterator
from typing import Any

from amity_client._core import Call, Record
from amity_client._paging import Page, PageWalk


class _ListResultBase:
    def __init__(self, call: Call[Page], first: Page) -> None:
        self._call = call
        self._first = first

    @property
    def total_results(self) -> int:
        """How many records match the query (all pages)."""
        return self._first.total_results

    @property
    def records(self) -> list[Record]:
        """The records of the first page only (at most `limit`)."""
        return self._first.records

    def __repr__(self) -> str:
        return (
            f"{type(self).__name__}(endpoint={self._call.endpoint!r}, "
            f"total_results={self.total_results}, records={len(self.records)})"
        )


class ListResult(_ListResultBase):
    """`for record in result` walks all matching records from the query's offset on."""

    def __init__(self, call: Call[Page], first: Page, run: Callable[[Call[Page]], Page]) -> None:
        super().__init__(call, first)
        self._run = run

    def __iter__(self) -> Iterator[Record]:
        walk = PageWalk(self._call)
        page = self._first
        while True:
            yield from walk.take(page)
            call = walk.next_call()
            if call is None:
                return
            page = self._run(call)


class AsyncListResult(_ListResultBase):
    """`async for record in result` walks all matching records from the query's offset on."""

    def __init__(
        self, call: Call[Page], first: Page, run: Callable[[Call[Page]], Awaitable[Page]]
    ) -> None:
        super().__init__(call, first)
        self._run = run

    async def __aiter__(self) -> AsyncIterator[Record]:
        walk = PageWalk(self._call)
        page = self._first
        while True:
            for record in walk.take(page):
                yield record
            call = walk.next_call()
            if call is None:
                return
            page = await self._run(call)


class AsyncListQuery:
    """A list call of AsyncClient, not sent yet: `await` it for the first page (an
    AsyncListResult), or `async for record in` it to walk every matching record without
    the await. Each await or walk sends the query again."""

    def __init__(self, call: Call[Page], run: Callable[[Call[Page]], Awaitable[Page]]) -> None:
        self._call = call
        self._run = run

    async def _first_page(self) -> AsyncListResult:
        return AsyncListResult(self._call, await self._run(self._call), self._run)

    def __await__(self) -> Generator[Any, None, AsyncListResult]:
        return self._first_page().__await__()

    async def __aiter__(self) -> AsyncIterator[Record]:
        async for record in await self._first_page():
            yield record

    def __repr__(self) -> str:
        return f"AsyncListQuery(endpoint={self._call.endpoint!r}, params={self._call.params!r})"
