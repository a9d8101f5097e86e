"""services.jobs: defer jobs in the caller's transaction, list and steer them, run them.

SQLite (one machine): job rows in the same database (store/jobs.py), run by a runner
thread inside `amity serve` (runner.py). PostgreSQL: procrastinate's queue
(store/procrastinate.py), run by workers in `amity worker` and `amity serve`
(worker.py). Both show the same job shape to admins.
"""

from __future__ import annotations

import importlib
import logging
from datetime import datetime, timedelta
from typing import Any, Protocol

import orjson
from sqlalchemy.engine import Connection

from amity.config import Settings
from amity.core.actor import Actor, ensure_admin
from amity.core.clock import utcnow_precise
from amity.core.jobs.tasks import TASKS, lookup
from amity.errors import BadRequest, Conflict, NotFound
from amity.store.engine import Database
from amity.store.jobs import STATES, JobStore
from amity.store.procrastinate import ProcrastinateStore

log = logging.getLogger("amity.jobs")
WIRE_TIME = "%Y-%m-%d %H:%M:%S"


class Runner(Protocol):
    def start(self) -> None: ...
    def stop(self) -> None: ...
    def run_forever(self) -> None: ...
    def drain(self) -> int: ...
    def wake(self) -> None: ...


class Jobs:
    """The one jobs interface of an Amity instance."""

    def __init__(self, db: Database, settings: Settings) -> None:
        self.db = db
        self.settings = settings
        self.services: Any = None  # set by build_services: what tasks are given
        self.rows = JobStore(db) if db.is_sqlite else None
        self.queue = None if db.is_sqlite else ProcrastinateStore(db)
        self._runner: Runner | None = None
        for module in filter(None, (m.strip() for m in settings.jobs_modules.split(","))):
            importlib.import_module(module)  # registers its tasks

    # -- deferring ------------------------------------------------------------------
    def defer(
        self,
        conn: Connection,
        task: str,
        args: dict[str, Any] | None = None,
        *,
        run_at: datetime | None = None,
        lock: str | None = None,
        waiting_key: str | None = None,
    ) -> int | None:
        """Defer the job `task(**args)` in the caller's write transaction `conn`: it
        exists once that commits, never if it rolls back. `run_at` (naive UTC): not
        before then; jobs with one `lock` run one at a time in the order deferred. With
        `waiting_key`, nothing is deferred (None) while a job of that key waits to run."""
        return self._defer(conn, task, args or {}, run_at=run_at, lock=lock, key=waiting_key)

    def waiting_keys(self, conn: Connection, keys: list[str]) -> set[str]:
        """Of these waiting keys, those a waiting job has (one query for them all)."""
        if not keys:
            return set()
        if self.queue is not None:
            return self.queue.waiting_keys(conn, keys)
        assert self.rows is not None
        return self.rows.waiting_keys(conn, keys)

    def defer_once(self, conn: Connection, task: str) -> int | None:
        """Defer `task()` unless such a job is waiting already (periodic tasks)."""
        return self._defer(conn, task, {}, run_at=None, lock=None, key=f"periodic:{task}")

    def _defer(
        self,
        conn: Connection,
        name: str,
        args: dict[str, Any],
        *,
        run_at: datetime | None,
        lock: str | None,
        key: str | None,
    ) -> int | None:
        spec = lookup(name)
        args = orjson.loads(orjson.dumps(args))  # JSON values only, as stored
        if self.queue is not None:
            return self.queue.defer(conn, name, args, run_at=run_at, lock=lock, queueing_lock=key)
        assert self.rows is not None
        if key is not None and self.rows.waiting_with_key(conn, key):
            return None
        now = utcnow_precise()
        job_id = self.rows.insert(
            conn,
            task=name,
            args=args,
            run_at=run_at or now,
            lock=lock,
            max_attempts=spec.attempts,
            backoff=spec.backoff,
            now=now,
            unique_key=key,
        )
        if self._runner is not None:
            self.db.after_commit(self._runner.wake)
        return job_id

    # -- admins ---------------------------------------------------------------------
    def list_jobs(
        self, actor: Actor, *, state: str | None = None, offset: int = 0, limit: int = 20
    ) -> tuple[list[dict[str, Any]], int]:
        """A page of jobs, newest first, optionally in one state (admins only)."""
        ensure_admin(actor, "background jobs")
        if state is not None and state not in STATES:
            raise BadRequest(
                "state must be one of {states}, got {state!r}",
                states=", ".join(STATES),
                state=state,
            )
        with self.db.read() as conn:
            if self.queue is not None:
                rows, total = self.queue.list_jobs(conn, state, offset, limit)
            else:
                assert self.rows is not None
                rows, total = self.rows.list_jobs(conn, state, offset, limit)
        return [render(row) for row in rows], total

    def queue_stats(self) -> tuple[dict[str, int], float]:
        """Jobs per state and the seconds the longest-waiting due job has waited (0 when
        none waits): for /metrics."""
        now = utcnow_precise()
        with self.db.read() as conn:
            if self.queue is not None:
                counts, due = self.queue.queue_stats(conn, now)
            else:
                assert self.rows is not None
                counts, due = self.rows.queue_stats(conn, now)
        return counts, max(0.0, (now - due).total_seconds()) if due is not None else 0.0

    def get(self, actor: Actor, job_id: str) -> dict[str, Any]:
        ensure_admin(actor, "background jobs")
        with self.db.read() as conn:
            return render(self._row(conn, job_id))

    def retry(self, actor: Actor, job_id: str) -> dict[str, Any]:
        """Run a failed or cancelled job again now (one more attempt than it had)."""
        ensure_admin(actor, "background jobs")
        with self.db.write() as conn:
            row = self._row(conn, job_id, lock=True)
            now = utcnow_precise()
            if self.queue is not None:
                done = self.queue.retry(conn, row["id"], now)
            else:
                assert self.rows is not None
                done = self.rows.set_state(
                    conn,
                    row["id"],
                    allowed=("failed", "cancelled"),
                    values={
                        "state": "todo",
                        "run_at": now,
                        "lease_until": None,
                        "max_attempts": max(row["max_attempts"], row["attempts"] + 1),
                        "date_modified": now,
                    },
                )
                if done and self._runner is not None:
                    self.db.after_commit(self._runner.wake)
            if not done:
                raise Conflict(
                    "job {id} is {state}: only failed or cancelled jobs can be retried",
                    id=job_id,
                    state=row["state"],
                )
            return render(self._row(conn, job_id))

    def cancel(self, actor: Actor, job_id: str) -> dict[str, Any]:
        """Cancel a job that waits to run; a running or finished one is a 409."""
        ensure_admin(actor, "background jobs")
        with self.db.write() as conn:
            row = self._row(conn, job_id, lock=True)
            if self.queue is not None:
                done = self.queue.cancel(conn, row["id"])
            else:
                assert self.rows is not None
                done = self.rows.set_state(
                    conn,
                    row["id"],
                    allowed=("todo",),
                    values={"state": "cancelled", "date_modified": utcnow_precise()},
                )
            if not done:
                raise Conflict(
                    "job {id} is {state}: only waiting jobs can be cancelled",
                    id=job_id,
                    state=row["state"],
                )
            return render(self._row(conn, job_id))

    def _row(self, conn: Connection, job_id: str, lock: bool = False) -> dict[str, Any]:
        number = int(job_id) if job_id.isdigit() and len(job_id) < 19 else None
        row = None
        if number is not None:
            if self.queue is not None:
                row = self.queue.get(conn, number)
            else:
                assert self.rows is not None
                row = self.rows.get(conn, number)
        if row is None:
            raise NotFound("No job with id {id}", "list the jobs to see them", id=job_id)
        return row

    # -- retention ------------------------------------------------------------------
    def purge(self, now: datetime) -> int:
        """Delete finished jobs older than AMITY_JOBS_RETENTION_DAYS (a sweep)."""
        before = now - timedelta(days=self.settings.jobs_retention_days)
        with self.db.write() as conn:
            if self.queue is not None:
                return self.queue.purge(conn, before)
            assert self.rows is not None
            return self.rows.purge(conn, before)

    # -- running --------------------------------------------------------------------
    def runner(self) -> Runner:
        """This process's job runner (made once)."""
        if self._runner is None:
            if self.db.is_sqlite:
                from amity.core.jobs.runner import SqliteRunner

                self._runner = SqliteRunner(self)
            else:
                from amity.core.jobs.worker import ProcrastinateWorker

                self._runner = ProcrastinateWorker(self)
        return self._runner

    def start(self) -> None:
        """Run jobs in the background of this process (amity serve)."""
        self.runner().start()

    def stop(self) -> None:
        if self._runner is not None:
            self._runner.stop()

    def drain(self) -> int:
        """Run every job that is due now, in this thread; how many ran (tests, bench)."""
        return self.runner().drain()

    @staticmethod
    def periodic() -> list[str]:
        return sorted(name for name, spec in TASKS.items() if spec.every)


def render(row: dict[str, Any]) -> dict[str, Any]:
    """A job as admins see it, the same on both engines."""
    args = row["args"]
    spec = TASKS.get(row["task"])
    max_attempts = row.get("max_attempts") or (spec.attempts if spec else None)
    return {
        "id": str(row["id"]),
        "task": row["task"],
        "args": orjson.loads(args) if isinstance(args, str) else args,
        "state": row["state"],
        "attempts": row["attempts"],
        "max_attempts": max_attempts,
        "last_error": row["last_error"],
        "next_run": wire(row["run_at"]) if row["state"] == "todo" else None,
        "lock": row["lock"],
        "date_created": wire(row["date_created"]),
        "date_modified": wire(row["date_modified"]),
    }


def wire(moment: datetime | None) -> str | None:
    return None if moment is None else moment.strftime(WIRE_TIME)
