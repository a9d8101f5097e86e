"""Group commit: write units from concurrent requests share one transaction and one fsync.

A durable commit costs a disk flush (milliseconds); one flush per request caps writes at a
few hundred per second. The committer runs queued write units in a writer thread, each
inside its own savepoint (so a failing unit rolls back alone and reports its own error),
and commits the batch once. A unit's caller is answered only after that commit: an
acknowledged write is on disk.
"""

from __future__ import annotations

import asyncio
import logging
import queue
import threading
import time
from collections.abc import Callable
from typing import Any, TypeVar

from sqlalchemy.engine import Connection
from sqlalchemy.exc import OperationalError

from amity.store.engine import Database

T = TypeVar("T")
UNIT_ATTEMPTS = 3
log = logging.getLogger("amity.store.batch")
_Item = tuple[Callable[[], Any], asyncio.Future[Any], asyncio.AbstractEventLoop]


class GroupCommitter:
    """Runs write units (functions that call Database.write) in shared transactions."""

    def __init__(self, db: Database, max_batch: int = 64) -> None:
        self.db = db
        self.max_batch = max_batch
        self._queue: queue.SimpleQueue[_Item | None] = queue.SimpleQueue()
        self._thread: threading.Thread | None = None
        self._lock = threading.Lock()

    async def run(self, unit: Callable[[], T]) -> T:
        """Run `unit` in the next batch; returns its result once the batch is committed."""
        loop = asyncio.get_running_loop()
        future: asyncio.Future[T] = loop.create_future()
        self._queue.put((unit, future, loop))
        self._ensure_thread()
        return await future

    def close(self) -> None:
        if self._thread is not None:
            self._queue.put(None)
            self._thread.join(timeout=30)
            self._thread = None

    def _ensure_thread(self) -> None:
        if self._thread is None:
            with self._lock:
                if self._thread is None:
                    self._thread = threading.Thread(target=self._loop, name="amity-writer",
                                                    daemon=True)
                    self._thread.start()

    def _loop(self) -> None:
        while True:
            first = self._queue.get()
            if first is None:
                return
            batch = [first]
            while len(batch) < self.max_batch:
                try:
                    item = self._queue.get_nowait()
                except queue.Empty:
                    break
                if item is None:
                    self._queue.put(None)
                    break
                batch.append(item)
            self._commit(batch)

    def _commit(self, batch: list[_Item]) -> None:
        outcomes: list[tuple[Any, BaseException | None]] = []
        try:
            with self.db.shared_write() as conn:
                for unit, _, _ in batch:
                    outcomes.append(self._run_unit(conn, unit))
        except Exception as exc:  # the commit failed: nothing in the batch was written
            log.exception("group commit of %d writes failed", len(batch))
            outcomes = [(None, exc)] * len(batch)
        for (_, future, loop), (value, error) in zip(batch, outcomes, strict=True):
            loop.call_soon_threadsafe(_settle, future, value, error)


    def _run_unit(self, conn: Connection, unit: Callable[[], Any]) -> tuple[Any, Exception | None]:
        """Run one unit in its own savepoint; a lock conflict (deadlock, busy database)
        rolls the savepoint back and runs the unit again."""
        for attempt in range(UNIT_ATTEMPTS):
            try:
                with conn.begin_nested():
                    return unit(), None
            except OperationalError as exc:
                if attempt == UNIT_ATTEMPTS - 1:
                    return None, exc
                log.warning("write conflict, retrying: %s", exc.orig)
                time.sleep(0.005 * (attempt + 1))
            except Exception as exc:  # the unit's own error, reported to its caller
                return None, exc
        raise AssertionError("unreachable")


def _settle(future: asyncio.Future[Any], value: Any, error: BaseException | None) -> None:
    if future.cancelled():
        return
    if error is not None:
        future.set_exception(error)
    else:
        future.set_result(value)
