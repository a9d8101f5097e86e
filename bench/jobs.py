"""How fast a job runner drains 10,000 no-op jobs, on SQLite and on PostgreSQL.

    .venv/bin/python bench/jobs.py [--jobs 10000] [--database-url postgresql://postgres@127.0.0.1:5432/test]

Without --database-url it runs on a fresh SQLite file only. The jobs are deferred in
batches of 1,000 per transaction (not timed), then drained in this process: SQLite's
runner (batches of claims, outcomes recorded a few at a time), PostgreSQL's procrastinate
worker (AMITY_JOBS_CONCURRENCY at once). Prints jobs/s and the drain time per engine.
"""

from __future__ import annotations

import argparse
import tempfile
import time
from pathlib import Path

from amity.config import Settings
from amity.core.jobs import JOB_ACTOR
from amity.core.services import build_services
from amity.store.engine import fresh_postgresql_database
from amity.store.migrate import migrate


def drain(url: str, count: int) -> float:
    services = build_services(Settings.from_env(database_url=url, log_level="WARNING"))
    try:
        migrate(services.db)
        for start in range(0, count, 1000):
            with services.db.write() as conn:
                for n in range(start, min(count, start + 1000)):
                    services.jobs.defer(conn, "amity.noop", {"n": n})
        began = time.perf_counter()
        while services.jobs.list_jobs(JOB_ACTOR, state="todo", limit=1)[1]:
            services.jobs.drain()
        took = time.perf_counter() - began
        done = services.jobs.list_jobs(JOB_ACTOR, state="succeeded", limit=1)[1]
        assert done == count, f"{done} of {count} jobs succeeded"
        return took
    finally:
        services.close()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--jobs", type=int, default=10_000)
    parser.add_argument("--database-url", help="a PostgreSQL server URL (any database on it)")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as directory:
        took = drain(f"sqlite:///{Path(directory) / 'bench.db'}", args.jobs)
    print(f"SQLite      {args.jobs} jobs in {took:6.2f} s  {args.jobs / took:8,.0f} jobs/s")
    if args.database_url:
        with fresh_postgresql_database(args.database_url, "amity_bench_jobs") as url:
            took = drain(url, args.jobs)
        print(f"PostgreSQL  {args.jobs} jobs in {took:6.2f} s  {args.jobs / took:8,.0f} jobs/s")


if __name__ == "__main__":
    main()
