"""Show the SQL a list request runs, its query plan, and how long each statement takes.

    .venv/bin/python bench/explain.py --database-url sqlite:///bench/data/bench.db

For the three benchmark lists (selective prefix, broad prefix, unfiltered; order by
last_name, limit 20, with total_results) this calls the records service in-process,
captures every statement it sends, then prints each with EXPLAIN QUERY PLAN (SQLite) or
EXPLAIN ANALYZE (PostgreSQL) and its median time over --repeat runs.
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import time
from typing import Any

from sqlalchemy import event

from amity.config import Settings
from amity.core.actor import Actor
from amity.core.records import ListQuery
from amity.core.services import build_services
from amity.store.conditions import OrderKey, Prefix

SELECTIVE_PREFIX = "Quin"  # as in generate.py
BROAD_PREFIX = "Ba"
BY_NAME = [OrderKey("last_name")]


def lists() -> list[tuple[str, ListQuery]]:
    return [
        (
            f"selective ({SELECTIVE_PREFIX})",
            ListQuery(
                conditions=[Prefix(("last_name",), SELECTIVE_PREFIX)], order=BY_NAME, limit=20
            ),
        ),
        (
            f"broad ({BROAD_PREFIX})",
            ListQuery(conditions=[Prefix(("last_name",), BROAD_PREFIX)], order=BY_NAME, limit=20),
        ),
        ("unfiltered", ListQuery(order=BY_NAME, limit=20)),
    ]


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--database-url", default=os.environ.get("AMITY_DATABASE_URL"))
    parser.add_argument("--repeat", type=int, default=20)
    args = parser.parse_args(argv)
    if not args.database_url:
        parser.error("give --database-url or set AMITY_DATABASE_URL")
    services = build_services(
        Settings.from_env(database_url=args.database_url, log_level="WARNING")
    )
    db, records = services.db, services.records
    actor = Actor(user_id="1", user_name="admin", is_admin=True)
    captured: list[tuple[str, Any]] = []

    def capture(
        conn: Any, cursor: Any, statement: str, params: Any, context: Any, executemany: bool
    ) -> None:
        if statement.lstrip().upper().startswith("SELECT"):
            captured.append((statement, params))

    for label, q in lists():
        records.list_records(actor, "Contact", q)  # warm the caches
        t = []
        for _ in range(args.repeat):
            t0 = time.perf_counter()
            page = records.list_records(actor, "Contact", q)
            t.append(time.perf_counter() - t0)
        print(
            f"=== {label}: total_results={page.total_results:,}; records.list_records "
            f"median {statistics.median(t) * 1000:.2f} ms over {args.repeat}"
        )
        captured.clear()
        event.listen(db.engine, "before_cursor_execute", capture)
        records.list_records(actor, "Contact", q)
        event.remove(db.engine, "before_cursor_execute", capture)
        for statement, params in captured:
            explain(db, statement, params, args.repeat)
    services.close()
    return 0


def explain(db: Any, statement: str, params: Any, repeat: int) -> None:
    """Print a statement, its plan and its median time."""
    print(f"\n--- {' '.join(statement.split())}\n    params {params}")
    with db.engine.connect() as conn:
        raw = conn.connection.driver_connection
        cur = raw.cursor()
        if db.is_sqlite:
            cur.execute("EXPLAIN QUERY PLAN " + statement, params)
            for row in cur.fetchall():
                print(f"    plan: {row[3]}")
        else:
            cur.execute("EXPLAIN (ANALYZE, BUFFERS) " + statement, params)
            for (line,) in cur.fetchall():
                print(f"    {line}")
        times = []
        for _ in range(repeat):
            t0 = time.perf_counter()
            cur.execute(statement, params)
            cur.fetchall()
            times.append(time.perf_counter() - t0)
        print(f"    median {statistics.median(times) * 1000:.2f} ms over {repeat}")
        cur.close()
        if not db.is_sqlite:
            raw.rollback()


if __name__ == "__main__":
    sys.exit(main())
