"""The PostgreSQL job worker: a procrastinate worker running Amity's tasks.

Any number of them, on any machines (`amity worker`, and `amity serve` unless
AMITY_JOBS_IN_SERVE=false). Sync tasks run in worker threads, never on an event loop.
Each worker sends a heartbeat about every AMITY_JOBS_STALLED_SECONDS / 6; the periodic
task `amity.retry_stalled` (about every half of that time, on one worker) puts the jobs
of workers silent for longer than AMITY_JOBS_STALLED_SECONDS back in the queue, so a job
of a killed worker runs again (or, when a job of its waiting key already waits, ends as
failed and leaves its work to that one). Retries wait the task's backoff, doubling each
time.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import os
import socket
import threading
from typing import TYPE_CHECKING, Any

import procrastinate
from procrastinate import JobContext, RetryDecision
from procrastinate.jobs import Job
from procrastinate.retry import BaseRetryStrategy

from amity.core.clock import utcnow
from amity.core.jobs.tasks import TASKS, Task, error_text

if TYPE_CHECKING:
    from amity.core.jobs.service import Jobs

RETRY_STALLED = "amity.retry_stalled"
DRAIN_ROUNDS = 20
log = logging.getLogger("amity.jobs")


class Backoff(BaseRetryStrategy):
    """Retry a failed job while it has attempts left, after backoff * 2**(n-1) s."""

    def __init__(self, spec: Task) -> None:
        self.spec = spec

    def get_retry_decision(self, *, exception: BaseException, job: Job) -> RetryDecision | None:
        runs = job.attempts + 1  # procrastinate counts the retries made so far
        if runs >= self.spec.attempts:
            return None
        return RetryDecision(retry_in={"seconds": self.spec.backoff * 2 ** (runs - 1)})


def cron_every(seconds: float) -> str:
    """A cron line (seconds as a sixth field) for 'about every `seconds`'."""
    if seconds < 60:
        step = max(d for d in (1, 2, 3, 4, 5, 6, 10, 12, 15, 20, 30) if d <= max(1, seconds))
        return f"* * * * * */{step}"
    if seconds < 3600:
        minutes = max(d for d in (1, 2, 3, 4, 5, 6, 10, 12, 15, 20, 30) if d <= seconds / 60)
        return f"*/{minutes} * * * *"
    if seconds < 86400:
        hours = max(d for d in (1, 2, 3, 4, 6, 8, 12) if d <= seconds / 3600)
        return f"0 */{hours} * * *"
    return "0 0 * * *"


def conninfo(url: str) -> str:
    """A libpq URL from ours (postgresql+psycopg:// is SQLAlchemy's spelling)."""
    scheme, _, rest = url.partition("://")
    return "postgresql://" + rest if scheme.startswith("postgres") else url


class ProcrastinateWorker:
    """Builds a procrastinate app with every registered task and runs its worker."""

    def __init__(self, jobs: Jobs) -> None:
        assert jobs.queue is not None
        self.jobs = jobs
        settings = jobs.settings
        self.stalled = max(1, settings.jobs_stalled_seconds)
        self.concurrency = max(1, settings.jobs_concurrency)
        self.poll = max(0.05, settings.jobs_poll_seconds)
        self.name = f"amity-{socket.gethostname()}-{os.getpid()}"
        self._thread: threading.Thread | None = None
        self._loop: asyncio.AbstractEventLoop | None = None
        self._main: asyncio.Task[None] | None = None

    def wake(self) -> None:
        """Workers hear of new jobs through NOTIFY."""

    def build(self, periodic: bool = True) -> procrastinate.App:
        app = procrastinate.App(
            connector=procrastinate.PsycopgConnector(
                conninfo=conninfo(self.jobs.db.url),
                min_size=1,
                max_size=self.concurrency + 4,
                # a job's state changes need no flush of their own: lost in a crash, the
                # job runs again (tasks are safe to run twice); deferring is durable, in
                # the deferring write's transaction
                kwargs={"options": "-c synchronous_commit=off"},
            )
        )
        for spec in TASKS.values():
            registered = app.task(name=spec.name, retry=Backoff(spec), pass_context=True)(
                self._wrap(spec)
            )
            if spec.every and periodic:
                app.periodic(cron=cron_every(spec.every), periodic_id=spec.name)(registered)
        stalled = app.task(name=RETRY_STALLED, pass_context=True, queueing_lock=RETRY_STALLED)(
            self._retry_stalled
        )
        if periodic:
            app.periodic(cron=cron_every(self.stalled / 2), periodic_id=RETRY_STALLED)(stalled)
        return app

    def _wrap(self, spec: Task) -> Any:
        jobs = self.jobs
        periodic = bool(spec.every)

        def run(context: JobContext, **kwargs: Any) -> None:
            if periodic:
                kwargs.pop("timestamp", None)  # what procrastinate gives periodic tasks
            try:
                spec.func(jobs.services, **kwargs)
            except Exception as exc:
                job_id = context.job.id
                assert job_id is not None and jobs.queue is not None
                with jobs.db.write() as conn:
                    jobs.queue.record_error(conn, job_id, error_text(exc), utcnow())
                raise

        run.__name__ = spec.name
        return run

    async def _retry_stalled(self, context: JobContext, timestamp: int) -> int:
        """Put the running jobs of silent workers back in the queue."""
        manager = context.app.job_manager
        stalled = await manager.get_stalled_jobs(seconds_since_heartbeat=self.stalled)
        count = 0
        for job in stalled:
            try:
                await manager.retry_job(job)
                count += 1
            except procrastinate.exceptions.UniqueViolation:
                await asyncio.to_thread(self._superseded, job)
            except procrastinate.exceptions.ConnectorException:
                pass  # finished meanwhile, or retried by another worker
        if count:
            log.warning("%d jobs of stopped workers run again", count)
        return count

    def _superseded(self, job: Job) -> None:
        """A stalled job whose waiting key (queueing lock) a waiting job holds cannot go
        back to the queue; that job does the same work, and would wait forever behind
        this one's lock. So this one ends as failed, saying why."""
        assert job.id is not None and self.jobs.queue is not None
        error = f"its worker stopped; the waiting job of {job.queueing_lock} runs instead"
        with self.jobs.db.write() as conn:
            if self.jobs.queue.fail_running(conn, job.id, error, utcnow()):
                log.warning("job %s of a stopped worker: a waiting job runs instead", job.id)

    def _defer_at_start(self) -> None:
        """Periodic tasks also run once when a worker starts (one job for all workers)."""
        with self.jobs.db.write() as conn:
            for name in self.jobs.periodic():
                self.jobs.defer_once(conn, name)

    async def _run(self, *, wait: bool, install_signal_handlers: bool) -> None:
        app = self.build(periodic=wait)
        async with app.open_async():
            if wait:
                await asyncio.to_thread(self._defer_at_start)
            await app.run_worker_async(
                name=self.name,
                wait=wait,
                concurrency=self.concurrency,
                fetch_job_polling_interval=self.poll,
                abort_job_polling_interval=max(self.poll, 5.0),
                install_signal_handlers=install_signal_handlers,
                update_heartbeat_interval=max(0.2, self.stalled / 6),
                stalled_worker_timeout=self.stalled,
            )

    # -- the Runner interface -------------------------------------------------------
    def run_forever(self) -> None:
        """The worker in the foreground until SIGTERM or SIGINT (`amity worker`)."""
        asyncio.run(self._run(wait=True, install_signal_handlers=True))

    def drain(self) -> int:
        """Run the jobs due now, and those they defer, then return (tests, bench); the
        count is not known."""
        assert self.jobs.queue is not None
        for _ in range(DRAIN_ROUNDS):  # bounded: a job may wait on another's lock
            asyncio.run(self._run(wait=False, install_signal_handlers=False))
            with self.jobs.db.read() as conn:
                if not self.jobs.queue.has_due(conn):
                    break
        return 0

    def start(self) -> None:
        """The worker in a thread of its own, with its own event loop (`amity serve`)."""
        if self._thread is not None:
            return
        started = threading.Event()

        def main() -> None:
            async def run() -> None:
                self._loop = asyncio.get_running_loop()
                self._main = asyncio.current_task()
                started.set()
                with contextlib.suppress(asyncio.CancelledError):
                    await self._run(wait=True, install_signal_handlers=False)

            try:
                asyncio.run(run())
            except Exception:
                log.exception("job worker %s stopped on an error", self.name)
            finally:
                started.set()

        self._thread = threading.Thread(target=main, name="amity-jobs", daemon=True)
        self._thread.start()
        started.wait(timeout=30)

    def stop(self) -> None:
        if self._thread is None:
            return
        if self._loop is not None and self._main is not None:
            self._loop.call_soon_threadsafe(self._main.cancel)
        self._thread.join(timeout=60)
        self._thread = None
