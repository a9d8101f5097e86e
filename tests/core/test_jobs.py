"""Background jobs in-process, on SQLite and on PostgreSQL (AMITY_TEST_DATABASE_URL): a
job exists exactly when the write that deferred it committed; retries wait and then give
up; jobs of one lock run one at a time in order; tasks write as source "job"."""

from __future__ import annotations

import asyncio
import time
from collections.abc import Callable
from datetime import timedelta
from pathlib import Path
from typing import Any

import procrastinate
import pytest
import sqlalchemy as sa

from amity.core.clock import utcnow
from amity.core.jobs import JOB_ACTOR, TASKS
from amity.core.jobs.worker import cron_every
from amity.core.services import Services
from amity.errors import BadRequest
from tests import jobs_tasks
from tests.jobs_tasks import lines


def defer(services: Services, task: str, args: dict[str, Any], **kw: Any) -> str:
    with services.db.write() as conn:
        return str(services.jobs.defer(conn, task, args, **kw))


def job(services: Services, job_id: str) -> dict[str, Any]:
    return services.jobs.get(JOB_ACTOR, job_id)


def run_until(services: Services, done: Callable[[], bool], seconds: float = 60) -> None:
    """Run due jobs until `done()` (retries are due a little later)."""
    deadline = time.monotonic() + seconds
    while not done():
        assert time.monotonic() < deadline, "the jobs did not finish"
        services.jobs.drain()
        time.sleep(0.05)


def test_the_test_tasks_are_registered() -> None:
    assert jobs_tasks.record is TASKS["test.record"].func


def test_a_job_of_a_committed_write_runs_and_one_of_a_rolled_back_write_never(
    services: Services, tmp_path: Path
) -> None:
    path = str(tmp_path / "ran")
    kept = defer(services, "test.record", {"path": path, "n": 1})
    with pytest.raises(BadRequest), services.db.write() as conn:
        services.jobs.defer(conn, "test.record", {"path": path, "n": 2})
        raise BadRequest("the write fails after deferring")
    run_until(services, lambda: job(services, kept)["state"] == "succeeded")
    services.jobs.drain()
    assert [line[:2] for line in lines(path)] == [["start", "1"], ["end", "1"]]
    records, total = services.jobs.list_jobs(JOB_ACTOR)
    assert total == 1 and [r["id"] for r in records] == [kept]


def test_a_deferred_job_is_invisible_until_its_write_commits(services: Services) -> None:
    with services.db.write() as conn:
        services.jobs.defer(conn, "amity.noop")
        assert services.jobs.list_jobs(JOB_ACTOR)[1] == 0  # another connection sees nothing yet
    assert services.jobs.list_jobs(JOB_ACTOR)[1] == 1


def test_a_job_of_a_failed_unit_in_a_group_commit_never_runs(
    services: Services, tmp_path: Path
) -> None:
    path = str(tmp_path / "ran")

    def unit(n: int) -> None:
        with services.db.write() as conn:
            services.jobs.defer(conn, "test.record", {"path": path, "n": n})
            if n == 2:
                raise BadRequest("this unit fails")

    async def together() -> list[Any]:
        runs = [services.writes.run(lambda n=n: unit(n)) for n in (1, 2, 3)]  # type: ignore[misc]
        return await asyncio.gather(*runs, return_exceptions=True)

    outcomes = asyncio.run(together())
    assert outcomes[0] is None and isinstance(outcomes[1], BadRequest) and outcomes[2] is None
    run_until(services, lambda: services.jobs.list_jobs(JOB_ACTOR, state="succeeded")[1] == 2)
    assert sorted(line[1] for line in lines(path) if line[0] == "end") == ["1", "3"]


def test_a_job_waits_for_its_run_at(services: Services, tmp_path: Path) -> None:
    later = defer(
        services,
        "test.record",
        {"path": str(tmp_path / "x"), "n": 1},
        run_at=utcnow() + timedelta(hours=1),
    )
    services.jobs.drain()
    got = job(services, later)
    assert got["state"] == "todo" and got["attempts"] == 0 and got["next_run"] is not None
    assert not lines(tmp_path / "x")


def test_a_failing_job_is_retried_with_backoff_then_fails(
    services: Services, tmp_path: Path
) -> None:
    path = str(tmp_path / "tries")
    failing = defer(services, "test.fail", {"path": path})
    services.jobs.drain()
    waiting = job(services, failing)
    assert waiting["state"] == "todo" and waiting["attempts"] >= 1
    assert waiting["last_error"] == "RuntimeError: the remote end said no"
    assert waiting["next_run"] is not None
    run_until(services, lambda: job(services, failing)["state"] == "failed")
    failed = job(services, failing)
    assert failed["attempts"] == 3 == failed["max_attempts"] == len(lines(path))
    assert failed["last_error"] == "RuntimeError: the remote end said no"
    assert failed["next_run"] is None
    times = [float(line[-1]) for line in lines(path)]
    # never sooner than the backoff, doubled for the second retry (test.fail: 0.3 s)
    assert times[1] - times[0] >= 0.3 and times[2] - times[1] >= 0.6


def test_jobs_of_one_lock_run_one_at_a_time_in_order(services: Services, tmp_path: Path) -> None:
    path = str(tmp_path / "order")
    ids = []
    for n in range(12):
        ids.append(defer(services, "test.record", {"path": path, "n": n, "sleep": 0.01}, lock="L"))
        defer(services, "test.record", {"path": str(tmp_path / "free"), "n": n, "sleep": 0.01})
    run_until(services, lambda: all(job(services, i)["state"] == "succeeded" for i in ids))
    got = [(line[0], int(line[1])) for line in lines(path)]
    assert got == [(kind, n) for n in range(12) for kind in ("start", "end")]


def test_a_task_writes_as_source_job(services: Services) -> None:
    made = defer(services, "test.create_note", {"name": "from a job"})
    run_until(services, lambda: job(services, made)["state"] == "succeeded")
    outbox = services.db.tables.system("outbox")
    with services.db.read() as conn:
        sources = conn.execute(
            sa.select(outbox.c.source).where(outbox.c.model == "Note", outbox.c.kind == "create")
        ).scalars()
        assert list(sources) == ["job"]


def test_the_sweep_calls_every_retention_sweep_and_purges_old_jobs(
    services: Services, tmp_path: Path
) -> None:
    done = defer(services, "amity.noop", {})
    waiting = defer(services, "amity.noop", {}, run_at=utcnow() + timedelta(hours=1))
    run_until(services, lambda: job(services, done)["state"] == "succeeded")
    calls = []
    services.sweeps.append(lambda now: calls.append(now) or 0)
    sweep = defer(services, "amity.sweep", {})
    run_until(services, lambda: job(services, sweep)["state"] == "succeeded")
    assert len(calls) == 1
    assert services.jobs.purge(utcnow()) == 0  # finished a moment ago: kept a week
    assert services.jobs.purge(utcnow() + timedelta(days=8)) == 2  # the two finished jobs
    assert [r["id"] for r in services.jobs.list_jobs(JOB_ACTOR)[0]] == [waiting]


def test_a_periodic_task_is_deferred_once_while_one_waits(services: Services) -> None:
    with services.db.write() as conn:
        first = services.jobs.defer_once(conn, "amity.sweep")
        second = services.jobs.defer_once(conn, "amity.sweep")
    assert first and second is None
    assert services.jobs.list_jobs(JOB_ACTOR, state="todo")[1] == 1


def test_unknown_tasks_are_refused_when_deferred(services: Services) -> None:
    with pytest.raises(ValueError, match="no job task"), services.db.write() as conn:
        services.jobs.defer(conn, "no.such.task")


def test_procrastinate_is_the_pinned_version() -> None:
    """store/procrastinate.py reads procrastinate's tables and SQL: a new minor version
    is taken deliberately (pyproject.toml), after these tests passed on it."""
    assert procrastinate.__version__.startswith("3.10.")


@pytest.mark.parametrize(
    ("seconds", "cron"),
    [(1, "* * * * * */1"), (7, "* * * * * */6"), (60, "*/1 * * * *"), (3600, "0 */1 * * *")],
)
def test_periods_become_cron_lines(seconds: float, cron: str) -> None:
    assert cron_every(seconds) == cron
