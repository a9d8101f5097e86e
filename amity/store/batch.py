"""Group commit: write units from concurrent requests share one transaction and one fsync.

A durable commit costs a disk flush (milliseconds); one flush per request caps writes at a
few hundred per second. The committer runs queued write units in a writer thread, each
inside its own savepoint (so a failing unit rolls back alone and reports its own error),
and commits the batch once. A unit's caller is answered only after that commit: an
acknowledged write is on disk.

On PostgreSQL, batches of several worker processes run at once. A unit names the keys it
writes (a record, a unique value); a batch first takes a transaction advisory lock on each
of its units' keys, in one global order, so two batches on the same records queue instead
of deadlocking. Should a deadlock still happen (on rows no key names), it aborts the whole
transaction: the batch is rolled back and its units run again, each in a transaction of
its own.
"""

from __future__ import annotations

import asyncio
import contextvars
import hashlib
import logging
import queue
import threading
import time
from collections.abc import Callable, Iterable
from typing import Any, TypeVar

from sqlalchemy import BigInteger, bindparam, text
from sqlalchemy.dialects.postgresql import ARRAY
from sqlalchemy.engine import Connection
from sqlalchemy.exc import DBAPIError, OperationalError

from amity.store.engine import Database, run_callbacks, run_commit_hook

T = TypeVar("T")
UNIT_ATTEMPTS = 3
# SQLSTATEs after which PostgreSQL has aborted the whole transaction, not just the savepoint
RESTART_STATES = frozenset({"40P01", "40001"})  # deadlock_detected, serialization_failure
log = logging.getLogger("amity.store.batch")
_Outcome = tuple[Any, BaseException | None]
_Item = tuple[Callable[[], Any], tuple[str, ...], asyncio.Future[Any], asyncio.AbstractEventLoop]
# the keys in the order they are taken: an unnest of an array runs in the array's order
_LOCK_KEYS = text("SELECT pg_advisory_xact_lock(k) FROM unnest(:keys) AS k").bindparams(
    bindparam("keys", type_=ARRAY(BigInteger))
)


class _Restart(Exception):
    """The database aborted the batch's transaction (a deadlock): start it again."""


class GroupCommitter:
    """Runs write units (functions that call Database.write) in shared transactions."""

    def __init__(self, db: Database, max_batch: int = 64) -> None:
        self.db = db
        self.max_batch = max_batch
        self._queue: queue.SimpleQueue[_Item | None] = queue.SimpleQueue()
        self._thread: threading.Thread | None = None
        self._lock = threading.Lock()

    async def run(self, unit: Callable[[], T], keys: Iterable[str] = ()) -> T:
        """Run `unit` in the next batch; returns its result once the batch is committed.

        `keys` name what the unit writes (e.g. "Account:<id>"); units of other processes
        with a key in common run one after the other (PostgreSQL; SQLite has one writer).
        """
        loop = asyncio.get_running_loop()
        future: asyncio.Future[T] = loop.create_future()
        context = contextvars.copy_context()  # the request's: its commit hook, for one

        def in_context() -> T:
            return context.run(self._with_hook, unit)

        self._queue.put((in_context, tuple(keys), future, loop))
        self._ensure_thread()
        return await future

    def _with_hook(self, unit: Callable[[], T]) -> T:
        """The unit, then its context's commit hook in the unit's savepoint."""
        value = unit()
        conn = self.db.shared_connection
        if conn is not None:
            run_commit_hook(conn)
        return value

    def close(self) -> None:
        if self._thread is not None:
            self._queue.put(None)
            self._thread.join(timeout=30)
            self._thread = None

    def _ensure_thread(self) -> None:
        if self._thread is None:
            with self._lock:
                if self._thread is None:
                    self._thread = threading.Thread(
                        target=self._loop, name="amity-writer", daemon=True
                    )
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
        callbacks: list[Callable[[], None]] = []
        try:
            outcomes = self._transaction(batch, callbacks)
        except _Restart as exc:
            log.warning(
                "group commit of %d writes restarted, one write at a time: %s", len(batch), exc
            )
            callbacks.clear()
            outcomes = [self._alone(item, callbacks) for item in batch]
        except Exception as exc:  # the commit failed: nothing in the batch was written
            log.exception("group commit of %d writes failed", len(batch))
            callbacks.clear()
            outcomes = [(None, exc)] * len(batch)
        run_callbacks(callbacks)  # before the callers hear of their writes
        for (_, _, future, loop), (value, error) in zip(batch, outcomes, strict=True):
            loop.call_soon_threadsafe(_settle, future, value, error)

    def _transaction(
        self, batch: list[_Item], callbacks: list[Callable[[], None]]
    ) -> list[_Outcome]:
        """Run the units in one transaction, after locking their keys; _Restart when the
        database aborted the transaction (everything in it is rolled back). The
        after-commit callbacks of the units that succeeded go to `callbacks` once the
        transaction has committed."""
        outcomes: list[_Outcome] = []
        pending: list[Callable[[], None]] = []
        with self.db.shared_write() as conn:
            if not self.db.is_sqlite:
                lock_keys(conn, (key for _, keys, _, _ in batch for key in keys))
            for unit, _, _, _ in batch:
                value, error = self._run_unit(conn, unit, pending)
                if error is not None and must_restart(error):
                    raise _Restart(getattr(error, "orig", error)) from error
                outcomes.append((value, error))
        callbacks.extend(pending)
        return outcomes

    def _alone(self, item: _Item, callbacks: list[Callable[[], None]]) -> _Outcome:
        """Run one unit in a transaction of its own, again after a deadlock."""
        for attempt in range(UNIT_ATTEMPTS):
            try:
                return self._transaction([item], callbacks)[0]
            except _Restart as exc:
                if attempt == UNIT_ATTEMPTS - 1:
                    return None, exc.__cause__
                time.sleep(0.005 * (attempt + 1))
            except Exception as exc:  # the commit failed
                return None, exc
        raise AssertionError("unreachable")

    def _run_unit(
        self, conn: Connection, unit: Callable[[], Any], pending: list[Callable[[], None]]
    ) -> _Outcome:
        """Run one unit in its own savepoint; a lock conflict (a busy SQLite database)
        rolls the savepoint back and runs the unit again. The unit's after-commit
        callbacks join `pending` when its savepoint is released."""
        for attempt in range(UNIT_ATTEMPTS):
            try:
                with self.db.unit() as callbacks, conn.begin_nested():
                    value = unit()
                pending.extend(callbacks)
                return value, None
            except OperationalError as exc:
                if attempt == UNIT_ATTEMPTS - 1 or must_restart(exc):
                    return None, exc
                log.warning("write conflict, retrying: %s", exc.orig)
                time.sleep(0.005 * (attempt + 1))
            except Exception as exc:  # the unit's own error, reported to its caller
                return None, exc
        raise AssertionError("unreachable")


def lock_keys(conn: Connection, keys: Iterable[str]) -> None:
    """Take a PostgreSQL transaction advisory lock per key, all in ascending order of the
    keys' 64-bit hashes: batches that share keys then cannot wait for each other in a
    circle. The locks end with the transaction."""
    numbers = sorted({key_number(key) for key in keys})
    if numbers:
        conn.execute(_LOCK_KEYS, {"keys": numbers}).all()


def key_number(key: str) -> int:
    """A stable signed 64-bit number for a key, as pg_advisory_xact_lock takes."""
    digest = hashlib.blake2b(key.encode(), digest_size=8).digest()
    return int.from_bytes(digest, "big", signed=True)


def must_restart(error: BaseException) -> bool:
    """Whether the database aborted the whole transaction (a deadlock), not one statement."""
    return isinstance(error, DBAPIError) and getattr(error.orig, "sqlstate", None) in RESTART_STATES


def _settle(future: asyncio.Future[Any], value: Any, error: BaseException | None) -> None:
    if future.cancelled():
        return
    if error is not None:
        future.set_exception(error)
    else:
        future.set_result(value)
