"""Jobs on PostgreSQL: procrastinate's tables, written on OUR connections.

procrastinate (pinned to 3.10.x in pyproject.toml: its SQL functions and tables are read
here) defers a job on a connection it is given (`configure_task(connection=...)`, one of
its connectors' `*_with_connection` methods), so a job is deferred in the transaction of
the write that causes it: it commits or rolls back with it. Its schema is applied by
`amity init` (store/migrate.py) once. The last error of a job is kept in our own
`job_errors` table (procrastinate keeps none). Workers are in amity/core/jobs/worker.py.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import procrastinate
import sqlalchemy as sa
from procrastinate import exceptions as procrastinate_errors
from procrastinate import sql as procrastinate_sql
from procrastinate.schema import SchemaManager
from sqlalchemy.engine import Connection

from amity.store.engine import Database, InListQuery

VERSION_KEY = "procrastinate_schema"
FINISHED = ("succeeded", "failed", "cancelled", "aborted")
# our states -> procrastinate's (aborting is a legacy state of a running job)
STATUSES = {
    "todo": ("todo",),
    "doing": ("doing", "aborting"),
    "succeeded": ("succeeded",),
    "failed": ("failed",),
    "cancelled": ("cancelled", "aborted"),
}
STATE_OF = {status: state for state, statuses in STATUSES.items() for status in statuses}

_jobs = sa.table(
    "procrastinate_jobs",
    sa.column("id", sa.BigInteger()),
    sa.column("task_name", sa.String()),
    sa.column("args", sa.JSON()),
    sa.column("status", sa.String()),
    sa.column("lock", sa.String()),
    sa.column("queueing_lock", sa.String()),
    sa.column("scheduled_at", sa.DateTime(timezone=True)),
)
_events = sa.table(
    "procrastinate_events",
    sa.column("job_id", sa.BigInteger()),
    sa.column("type", sa.String()),
    sa.column("at", sa.DateTime(timezone=True)),
)


def dbapi(conn: Connection) -> Any:
    """The psycopg connection under a SQLAlchemy connection (same transaction)."""
    return conn.connection.dbapi_connection


def aware(moment: datetime | None) -> datetime | None:
    """Our naive UTC time as procrastinate wants it (time zone aware)."""
    return None if moment is None else moment.replace(tzinfo=UTC)


def naive(moment: datetime | None) -> datetime | None:
    return None if moment is None else moment.astimezone(UTC).replace(tzinfo=None)


def status_text(column: Any) -> Any:
    return sa.cast(column, sa.Text())


class ProcrastinateStore:
    """Defer, list and steer procrastinate's jobs on the caller's connection."""

    def __init__(self, db: Database) -> None:
        self.db = db
        self.errors = db.tables.system("job_errors")
        self._waiting = InListQuery(
            db,
            lambda keys: sa.select(_jobs.c.queueing_lock).where(
                _jobs.c.queueing_lock.in_(keys), status_text(_jobs.c.status) == "todo"
            ),
        )
        # never opened: used only with connections given to it, ours
        self.app = procrastinate.App(connector=procrastinate.SyncPsycopgConnector())

    @staticmethod
    def apply_schema(conn: Connection) -> bool:
        """Create procrastinate's schema unless it exists; True when created."""
        if conn.exec_driver_sql("SELECT to_regclass('procrastinate_jobs')").scalar():
            return False
        with dbapi(conn).cursor() as cursor:
            cursor.execute(SchemaManager.get_schema())  # no parameters: % stays as it is
        return True

    def defer(
        self,
        conn: Connection,
        task: str,
        args: dict[str, Any],
        *,
        run_at: datetime | None,
        lock: str | None,
        queueing_lock: str | None = None,
    ) -> int | None:
        """Defer a job in the caller's transaction; None when `queueing_lock` is taken
        by a waiting job already."""
        deferrer = self.app.configure_task(
            task,
            lock=lock,
            queueing_lock=queueing_lock,
            schedule_at=aware(run_at),
            connection=dbapi(conn),
        )
        if queueing_lock is None:
            return int(deferrer.defer(**args))
        try:
            with conn.begin_nested():  # a refused insert must not abort the caller's work
                return int(deferrer.defer(**args))
        except procrastinate_errors.AlreadyEnqueued:
            return None

    def has_due(self, conn: Connection) -> bool:
        """Whether a waiting job may run now."""
        stmt = sa.select(_jobs.c.id).where(
            status_text(_jobs.c.status) == "todo",
            sa.or_(_jobs.c.scheduled_at.is_(None), _jobs.c.scheduled_at <= sa.func.now()),
        )
        return conn.execute(stmt.limit(1)).first() is not None

    def waiting_keys(self, conn: Connection, keys: list[str]) -> set[str]:
        """Of these queueing locks, those a waiting (todo) job holds."""
        return {row["queueing_lock"] for row in self._waiting.fetch(conn, keys)}

    def get(self, conn: Connection, job_id: int) -> dict[str, Any] | None:
        rows = self._select(conn, [_jobs.c.id == job_id], 0, 1)
        return next(iter(rows), None)

    def queue_stats(
        self, conn: Connection, now: datetime
    ) -> tuple[dict[str, int], datetime | None]:
        """Jobs per state, and when the longest-waiting due job became due (None: none):
        its scheduled time, else when it was deferred."""
        counts = dict.fromkeys(STATUSES, 0)
        status = status_text(_jobs.c.status)
        for name, n in conn.execute(sa.select(status, sa.func.count()).group_by(status)):
            state = STATE_OF.get(str(name))
            if state is not None:
                counts[state] += int(n)
        deferred = (
            sa.select(sa.func.min(_events.c.at))
            .where(_events.c.job_id == _jobs.c.id)
            .scalar_subquery()
        )
        became_due = sa.func.coalesce(_jobs.c.scheduled_at, deferred)
        due = conn.execute(
            sa.select(sa.func.min(became_due)).where(status == "todo", became_due <= aware(now))
        ).scalar_one_or_none()
        return counts, naive(due)

    def list_jobs(
        self, conn: Connection, state: str | None, offset: int, limit: int
    ) -> tuple[list[dict[str, Any]], int]:
        where = [status_text(_jobs.c.status).in_(STATUSES[state])] if state else []
        total = conn.execute(
            sa.select(sa.func.count()).select_from(_jobs).where(*where)
        ).scalar_one()
        return self._select(conn, where, offset, limit), int(total)

    def _select(
        self, conn: Connection, where: list[Any], offset: int, limit: int
    ) -> list[dict[str, Any]]:
        e = _events

        def of_job(expr: Any, *conditions: Any) -> Any:
            return sa.select(expr).where(e.c.job_id == _jobs.c.id, *conditions).scalar_subquery()

        stmt = (
            sa.select(
                _jobs.c.id,
                _jobs.c.task_name.label("task"),
                _jobs.c.args,
                status_text(_jobs.c.status).label("status"),
                _jobs.c.lock,
                _jobs.c.scheduled_at,
                of_job(sa.func.count(), status_text(e.c.type) == "started").label("attempts"),
                of_job(sa.func.min(e.c.at)).label("created"),
                of_job(sa.func.max(e.c.at)).label("modified"),
                self.errors.c.error.label("last_error"),
            )
            .select_from(_jobs.outerjoin(self.errors, self.errors.c.job_id == _jobs.c.id))
            .where(*where)
            .order_by(_jobs.c.id.desc())
            .offset(offset)
            .limit(limit)
        )
        out = []
        for row in conn.execute(stmt).mappings():
            state = STATE_OF.get(row["status"], row["status"])
            created = naive(row["created"])
            out.append(
                {
                    "id": int(row["id"]),
                    "task": row["task"],
                    "args": row["args"] or {},
                    "state": state,
                    "attempts": int(row["attempts"]),
                    "lock": row["lock"],
                    "run_at": naive(row["scheduled_at"]) or created,
                    "last_error": row["last_error"],
                    "date_created": created,
                    "date_modified": naive(row["modified"]),
                }
            )
        return out

    def cancel(self, conn: Connection, job_id: int) -> bool:
        """Cancel a waiting job; False if it is not waiting."""
        cancelled = self.app.job_manager.cancel_job_by_id(job_id, connection=dbapi(conn))
        return bool(cancelled)

    def retry(self, conn: Connection, job_id: int, now: datetime) -> bool:
        """Run a failed or cancelled job again now; False in other states."""
        status = conn.execute(
            sa.select(status_text(_jobs.c.status)).where(_jobs.c.id == job_id).with_for_update()
        ).scalar()
        if status == "failed":
            self.app.connector.execute_query_one_with_connection(
                dbapi(conn),
                query=procrastinate_sql.queries["retry_job"],
                job_id=job_id,
                retry_at=aware(now),
                new_priority=None,
                new_queue_name=None,
                new_lock=None,
            )
            return True
        if status in STATUSES["cancelled"]:
            conn.execute(
                sa.text(
                    "UPDATE procrastinate_jobs SET status = 'todo', scheduled_at = :at, "
                    "abort_requested = false WHERE id = :id"
                ),
                {"at": aware(now), "id": job_id},
            )
            return True
        return False

    def fail_running(self, conn: Connection, job_id: int, error: str, now: datetime) -> bool:
        """End a running job as failed with `error` (one transaction); False if it is not
        running (any more)."""
        status = conn.execute(
            sa.select(status_text(_jobs.c.status)).where(_jobs.c.id == job_id).with_for_update()
        ).scalar()
        if status not in STATUSES["doing"]:
            return False
        self.app.connector.execute_query_one_with_connection(
            dbapi(conn),
            query=procrastinate_sql.queries["finish_job"],
            job_id=job_id,
            status="failed",
            delete_job=False,
        )
        self.record_error(conn, job_id, error, now)
        return True

    def record_error(self, conn: Connection, job_id: int, error: str, now: datetime) -> None:
        """Keep a job's last error (replacing the one before)."""
        conn.execute(sa.delete(self.errors).where(self.errors.c.job_id == job_id))
        conn.execute(sa.insert(self.errors).values(job_id=job_id, error=error, date_created=now))

    def purge(self, conn: Connection, before: datetime) -> int:
        """Delete finished jobs whose last event is older than `before`."""
        last_event = (
            sa.select(sa.func.max(_events.c.at))
            .where(_events.c.job_id == _jobs.c.id)
            .scalar_subquery()
        )
        old = (
            sa.select(_jobs.c.id)
            .where(status_text(_jobs.c.status).in_(FINISHED), last_event < aware(before))
            .scalar_subquery()
        )
        result = conn.execute(sa.delete(_jobs).where(_jobs.c.id.in_(old)))
        present = sa.select(_jobs.c.id).where(_jobs.c.id == self.errors.c.job_id).exists()
        conn.execute(sa.delete(self.errors).where(~present))
        return int(result.rowcount)
