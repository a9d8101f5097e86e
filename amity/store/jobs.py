"""Job rows on SQLite: defer, claim with a lease, finish, list and steer (amity/core/jobs).

A runner claims due jobs in one write transaction (SQLite has one writer at a time, so two
runners never claim one job) and holds each for a lease it renews while it lives. A job
whose lease ran out (its runner died) is due again. Of the unfinished jobs sharing a lock
only the oldest is due, so they run one at a time in the order they were deferred.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

import orjson
import sqlalchemy as sa
from sqlalchemy.engine import Connection

from amity.store.engine import Database, InListQuery

UNFINISHED = ("todo", "doing")
FINISHED = ("succeeded", "failed", "cancelled")
STATES = (*UNFINISHED, *FINISHED)


@dataclass(frozen=True)
class Outcome:
    """How one run of a claimed job ended: error None for success."""

    job: dict[str, Any]
    error: str | None
    at: datetime


class JobStore:
    """The `jobs` table; every method runs on the caller's connection."""

    def __init__(self, db: Database) -> None:
        self.db = db
        self.jobs = j = db.tables.system("jobs")
        self._waiting = InListQuery(
            db,
            lambda keys: sa.select(j.c.unique_key).where(
                j.c.unique_key.in_(keys), j.c.state == "todo"
            ),
        )

    def queue_stats(
        self, conn: Connection, now: datetime
    ) -> tuple[dict[str, int], datetime | None]:
        """Jobs per state, and when the longest-waiting due job became due (None: none)."""
        j = self.jobs
        counts = dict.fromkeys(STATES, 0)
        for state, n in conn.execute(sa.select(j.c.state, sa.func.count()).group_by(j.c.state)):
            counts[str(state)] = int(n)
        due = conn.execute(
            sa.select(sa.func.min(j.c.run_at)).where(j.c.state == "todo", j.c.run_at <= now)
        ).scalar_one_or_none()
        if isinstance(due, str):  # SQLite's text
            due = datetime.fromisoformat(due)
        return counts, due

    def insert(
        self,
        conn: Connection,
        *,
        task: str,
        args: dict[str, Any],
        run_at: datetime,
        lock: str | None,
        max_attempts: int,
        backoff: float,
        now: datetime,
        unique_key: str | None = None,
    ) -> int:
        """A new waiting job; returns its id."""
        result = conn.execute(
            sa.insert(self.jobs).values(
                task=task,
                args=orjson.dumps(args).decode(),
                state="todo",
                attempts=0,
                max_attempts=max_attempts,
                backoff=backoff,
                lock=lock,
                unique_key=unique_key,
                run_at=run_at,
                date_created=now,
                date_modified=now,
            )
        )
        key = result.inserted_primary_key
        assert key is not None
        return int(key[0])

    def waiting_keys(self, conn: Connection, keys: list[str]) -> set[str]:
        return {row["unique_key"] for row in self._waiting.fetch(conn, keys)}

    def waiting_with_key(self, conn: Connection, unique_key: str) -> bool:
        j = self.jobs
        stmt = sa.select(j.c.id).where(j.c.unique_key == unique_key, j.c.state == "todo")
        return conn.execute(stmt.limit(1)).first() is not None

    def claim(
        self, conn: Connection, *, now: datetime, lease: timedelta, worker: str, limit: int
    ) -> list[dict[str, Any]]:
        """Take up to `limit` due jobs for `worker` (state doing, one more attempt)."""
        j = self.jobs
        other = j.alias("other")
        earlier = (
            sa.select(other.c.id)
            .where(other.c.lock == j.c.lock, other.c.id < j.c.id, other.c.state.in_(UNFINISHED))
            .exists()
        )
        due = sa.or_(
            sa.and_(j.c.state == "todo", j.c.run_at <= now),
            sa.and_(j.c.state == "doing", j.c.lease_until < now),
        )
        ids = list(
            conn.execute(
                sa.select(j.c.id)
                .where(due, sa.or_(j.c.lock.is_(None), ~earlier))
                .order_by(j.c.run_at, j.c.id)
                .limit(limit)
            ).scalars()
        )
        if not ids:
            return []
        conn.execute(
            sa.update(j)
            .where(j.c.id.in_(ids))
            .values(
                state="doing",
                attempts=j.c.attempts + 1,
                lease_until=now + lease,
                worker=worker,
                date_modified=now,
            )
        )
        rows = conn.execute(sa.select(j).where(j.c.id.in_(ids))).mappings()
        by_id = {row["id"]: dict(row) for row in rows}
        return [by_id[i] for i in ids]

    def renew(self, conn: Connection, *, worker: str, until: datetime) -> None:
        """Extend the leases of the jobs `worker` runs (its heartbeat)."""
        j = self.jobs
        conn.execute(
            sa.update(j).where(j.c.worker == worker, j.c.state == "doing").values(lease_until=until)
        )

    def release(self, conn: Connection, worker: str, ids: Sequence[int]) -> None:
        """Give back claimed jobs that did not start (the runner stops): due at once."""
        j = self.jobs
        conn.execute(
            sa.update(j)
            .where(j.c.id.in_(ids), j.c.worker == worker, j.c.state == "doing")
            .values(state="todo", attempts=j.c.attempts - 1, lease_until=None, worker=None)
        )

    def finish(self, conn: Connection, worker: str, outcomes: Sequence[Outcome]) -> None:
        """Record how claimed jobs ended: succeeded; failed with a retry after the task's
        backoff (doubling each time); or failed for good after the last attempt. A job
        another runner took over meanwhile (this lease had run out) is left to it."""
        j = self.jobs
        for outcome in outcomes:
            job = outcome.job
            values: dict[str, Any] = {"lease_until": None, "date_modified": outcome.at}
            if outcome.error is None:
                values["state"] = "succeeded"
            elif job["attempts"] < job["max_attempts"]:
                delay = job["backoff"] * 2 ** (job["attempts"] - 1)
                values.update(
                    state="todo",
                    run_at=outcome.at + timedelta(seconds=delay),
                    last_error=outcome.error,
                )
            else:
                values.update(state="failed", last_error=outcome.error)
            conn.execute(
                sa.update(j)
                .where(j.c.id == job["id"], j.c.worker == worker, j.c.state == "doing")
                .where(j.c.attempts == job["attempts"])
                .values(values)
            )

    def get(self, conn: Connection, job_id: int) -> dict[str, Any] | None:
        row = conn.execute(sa.select(self.jobs).where(self.jobs.c.id == job_id)).mappings()
        found = row.first()
        return dict(found) if found else None

    def list_jobs(
        self, conn: Connection, state: str | None, offset: int, limit: int
    ) -> tuple[list[dict[str, Any]], int]:
        """Jobs newest first, optionally in one state, and how many there are."""
        j = self.jobs
        where = [j.c.state == state] if state else []
        total = conn.execute(sa.select(sa.func.count()).select_from(j).where(*where)).scalar_one()
        rows = conn.execute(
            sa.select(j).where(*where).order_by(j.c.id.desc()).offset(offset).limit(limit)
        ).mappings()
        return [dict(row) for row in rows], int(total)

    def set_state(
        self, conn: Connection, job_id: int, *, allowed: Sequence[str], values: dict[str, Any]
    ) -> bool:
        """Change a job that is in one of the `allowed` states; False if it is not."""
        j = self.jobs
        result = conn.execute(
            sa.update(j).where(j.c.id == job_id, j.c.state.in_(allowed)).values(values)
        )
        return bool(result.rowcount)

    def purge(self, conn: Connection, before: datetime) -> int:
        """Delete finished jobs last changed before `before`; returns how many."""
        j = self.jobs
        result = conn.execute(
            sa.delete(j).where(j.c.state.in_(FINISHED), j.c.date_modified < before)
        )
        return int(result.rowcount)
