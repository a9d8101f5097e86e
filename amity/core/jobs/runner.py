"""The SQLite job runner: one per process, in a thread of its own (never the event loop).

It claims a batch of due jobs with a lease (AMITY_JOBS_STALLED_SECONDS), runs them one
after the other and records how each ended, a few at a time in one transaction. A
heartbeat thread renews the leases while jobs run; a process killed mid-job stops
renewing, so its jobs are due again once the lease runs out, for whichever runner looks
next. A deferring write wakes the runner of its process after it commits; otherwise it
looks about every AMITY_JOBS_POLL_SECONDS. Periodic tasks are deferred at start and then
about every `every` seconds (never a second one while one waits).
"""

from __future__ import annotations

import logging
import os
import secrets
import signal
import socket
import threading
import time
from datetime import timedelta
from typing import TYPE_CHECKING, Any

import orjson

from amity.core.clock import utcnow_precise
from amity.core.jobs.tasks import TASKS, error_text, run_task
from amity.store.jobs import JobStore, Outcome

if TYPE_CHECKING:
    from amity.core.jobs.service import Jobs

BATCH = 100
FLUSH_SECONDS = 0.25  # outcomes of a long batch are recorded at least this often
log = logging.getLogger("amity.jobs")


class SqliteRunner:
    """Runs the jobs of a SQLite database from this process."""

    def __init__(self, jobs: Jobs) -> None:
        assert jobs.rows is not None
        self.jobs = jobs
        self.db = jobs.db
        self.rows: JobStore = jobs.rows
        settings = jobs.settings
        self.lease = timedelta(seconds=max(1, settings.jobs_stalled_seconds))
        self.poll = max(0.01, settings.jobs_poll_seconds)
        self.worker = f"{socket.gethostname()}:{os.getpid()}:{secrets.token_hex(3)}"
        self._wake = threading.Event()
        self._stop = threading.Event()
        self._busy = threading.Event()
        self._threads: list[threading.Thread] = []
        self._next_periodic: dict[str, float] = {}

    def wake(self) -> None:
        self._wake.set()

    def start(self) -> None:
        if self._threads:
            return
        self._stop.clear()
        for target, name in ((self._loop, "amity-jobs"), (self._heartbeat, "amity-jobs-beat")):
            thread = threading.Thread(target=target, name=name, daemon=True)
            thread.start()
            self._threads.append(thread)
        log.info("job runner %s started", self.worker)

    def stop(self) -> None:
        self._stop.set()
        self._wake.set()
        for thread in self._threads:
            thread.join(timeout=60)
        self._threads = []

    def run_forever(self) -> None:
        """Run jobs in this thread until SIGTERM or SIGINT (`amity worker`)."""

        def stop(signum: int, frame: Any) -> None:
            self._stop.set()
            self._wake.set()

        signal.signal(signal.SIGTERM, stop)
        signal.signal(signal.SIGINT, stop)
        beat = threading.Thread(target=self._heartbeat, name="amity-jobs-beat", daemon=True)
        beat.start()
        log.info("job runner %s started", self.worker)
        self._loop()
        beat.join(timeout=5)

    def drain(self) -> int:
        """Run the jobs due now until none is left; how many ran."""
        total = 0
        while True:
            ran = self.run_once()
            if not ran:
                return total
            total += ran

    # -- the loop -------------------------------------------------------------------
    def _loop(self) -> None:
        while not self._stop.is_set():
            self._wake.clear()
            try:
                self._defer_periodic()
                ran = self.run_once()
            except Exception:
                log.exception("job runner %s: a round failed", self.worker)
                ran = 0
            if not ran:
                self._wake.wait(self.poll)
        log.info("job runner %s stopped", self.worker)

    def _heartbeat(self) -> None:
        interval = self.lease.total_seconds() / 4
        while not self._stop.wait(interval):
            if not self._busy.is_set():
                continue
            try:
                with self.db.write() as conn:
                    self.rows.renew(conn, worker=self.worker, until=utcnow_precise() + self.lease)
            except Exception:
                log.exception("job runner %s: renewing leases failed", self.worker)

    def _defer_periodic(self) -> None:
        now = time.monotonic()
        due = [
            spec
            for name, spec in TASKS.items()
            if spec.every and self._next_periodic.get(name, 0.0) <= now
        ]
        if not due:
            return
        with self.db.write() as conn:
            for spec in due:
                self.jobs.defer_once(conn, spec.name)
        for spec in due:
            assert spec.every is not None
            self._next_periodic[spec.name] = now + spec.every

    def run_once(self) -> int:
        """Claim a batch of due jobs, run them, record the outcomes; how many ran."""
        with self.db.write() as conn:
            batch = self.rows.claim(
                conn, now=utcnow_precise(), lease=self.lease, worker=self.worker, limit=BATCH
            )
        if not batch:
            return 0
        self._busy.set()
        outcomes: list[Outcome] = []
        flushed = time.monotonic()
        ran = 0
        try:
            for job in batch:
                if self._stop.is_set():
                    break
                outcomes.append(self._run(job))
                ran += 1
                if time.monotonic() - flushed > FLUSH_SECONDS:
                    self._record(outcomes)
                    outcomes, flushed = [], time.monotonic()
        finally:
            self._record(outcomes)
            self._busy.clear()
            if ran < len(batch):  # stopping: the rest are due again at once
                with self.db.write() as conn:
                    self.rows.release(conn, self.worker, [job["id"] for job in batch[ran:]])
        return ran

    def _run(self, job: dict[str, Any]) -> Outcome:
        try:
            run_task(self.jobs.services, job["task"], orjson.loads(job["args"]))
        except Exception as exc:
            log.warning(
                "job %s (%s) failed on attempt %d of %d: %s",
                job["id"],
                job["task"],
                job["attempts"],
                job["max_attempts"],
                exc,
            )
            return Outcome(job, error_text(exc), utcnow_precise())
        return Outcome(job, None, utcnow_precise())

    def _record(self, outcomes: list[Outcome]) -> None:
        if not outcomes:
            return
        try:
            with self.db.write() as conn:
                self.rows.finish(conn, self.worker, outcomes)
        except Exception:  # the jobs run again once their lease runs out
            log.exception("job runner %s: recording %d outcomes failed", self.worker, len(outcomes))
