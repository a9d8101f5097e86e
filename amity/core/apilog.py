"""The API call log: who called what, how, from where, with what outcome and how fast.

Recording costs a request one append to an in-memory buffer. A background thread writes
the buffer in one transaction every FLUSH_SECONDS (sooner once FLUSH_ROWS calls wait), and
close() writes what is left; a crash therefore loses at most the last half second of the
log. The same thread deletes calls older than AMITY_API_LOG_RETENTION_DAYS once every
PRUNE_SECONDS. Only the path is kept (never the query string), and no header at all.
"""

from __future__ import annotations

import logging
import threading
import time
from datetime import datetime, timedelta
from typing import Any

from amity.config import Settings
from amity.core.actor import Actor, ensure_admin
from amity.core.clock import utcnow
from amity.store.apilog import ApiLogStore, CallFilter
from amity.store.engine import Database

__all__ = ["ApiLog", "CallFilter"]

FLUSH_SECONDS = 0.5
FLUSH_ROWS = 500
PRUNE_SECONDS = 60.0
MAX_BUFFERED = 100_000  # beyond this (database down) new calls are dropped, not queued
log = logging.getLogger("amity.apilog")


class ApiLog:
    """Buffers API calls, writes them in batches, prunes old ones and lists them to admins."""

    def __init__(self, db: Database, settings: Settings) -> None:
        self.db = db
        self.enabled = settings.api_log
        self.retention = timedelta(days=settings.api_log_retention_days)
        self.store = ApiLogStore(db)
        self._rows: list[dict[str, Any]] = []
        self._lock = threading.Lock()
        self._wake = threading.Event()
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None
        self._dropped = 0

    # -- recording --------------------------------------------------------------------
    def record(
        self,
        *,
        user_id: str | None,
        user_name: str | None,
        credential: str,
        ip: str,
        method: str,
        path: str,
        status: int,
        duration_ms: float,
    ) -> None:
        """Queue one call for the next batch (no-op when AMITY_API_LOG is off)."""
        if not self.enabled:
            return
        row = {
            "time": utcnow(),
            "user_id": user_id,
            "user_name": user_name,
            "credential": credential[:20],
            "ip": ip[:64],
            "method": method[:10],
            "path": path[:1000],
            "status": status,
            "duration_ms": round(duration_ms, 2),
        }
        with self._lock:
            if len(self._rows) >= MAX_BUFFERED:
                self._dropped += 1
                return
            self._rows.append(row)
            waiting = len(self._rows)
        if self._thread is None:
            self._start()
        if waiting >= FLUSH_ROWS:
            self._wake.set()

    def flush(self) -> int:
        """Write the buffered calls now; returns how many were written."""
        with self._lock:
            rows, self._rows = self._rows, []
            dropped, self._dropped = self._dropped, 0
        if dropped:
            log.warning(
                "API call log: %d calls dropped while the database was unavailable", dropped
            )
        if rows:
            with self.db.write() as conn:
                self.store.add_calls(conn, rows)
        return len(rows)

    def prune(self, now: datetime | None = None) -> int:
        """Delete calls older than the retention, counted back from `now`."""
        with self.db.write() as conn:
            return self.store.prune(conn, (now or utcnow()) - self.retention)

    def close(self) -> None:
        """Stop the writer thread and write what is buffered."""
        thread = self._thread
        if thread is not None:
            self._stop.set()
            self._wake.set()
            thread.join(timeout=30)
            self._thread = None
            self._stop.clear()
        self._flush_logged()

    def _start(self) -> None:
        with self._lock:
            if self._thread is None:
                self._thread = threading.Thread(target=self._loop, name="amity-apilog", daemon=True)
                self._thread.start()

    def _loop(self) -> None:
        next_prune = 0.0
        while not self._stop.is_set():
            self._wake.wait(FLUSH_SECONDS)
            self._wake.clear()
            self._flush_logged()
            if time.monotonic() >= next_prune:
                next_prune = time.monotonic() + PRUNE_SECONDS
                try:
                    self.prune()
                except Exception:
                    log.exception("pruning the API call log failed")

    def _flush_logged(self) -> None:
        try:
            self.flush()
        except Exception:  # the batch is lost; requests must not fail for the log
            log.exception("writing the API call log failed")

    # -- reading ----------------------------------------------------------------------
    def list_calls(
        self, actor: Actor, where: CallFilter, offset: int = 0, limit: int = 20
    ) -> tuple[list[dict[str, Any]], int]:
        """A page of logged calls, newest first, and how many match (admins only)."""
        ensure_admin(actor, "the API call log")
        with self.db.read() as conn:
            rows, total = self.store.list_calls(conn, where, offset, limit)
        return [render_call(row) for row in rows], total

    def history(self, model: str, record_id: str) -> list[dict[str, Any]]:
        """A record's change events, oldest first; `source` is "api <ip>" for API writes."""
        with self.db.read() as conn:
            return self.store.history(conn, model, record_id)


def render_call(row: dict[str, Any]) -> dict[str, Any]:
    out = dict(row)
    out["id"] = str(row["id"])
    out["time"] = row["time"].strftime("%Y-%m-%d %H:%M:%S")
    return out
