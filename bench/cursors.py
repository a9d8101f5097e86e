"""Deep pages: offset paging against keyset cursors, on a bench database.

    .venv/bin/python bench/cursors.py --database-url sqlite:///bench/data/bench.db
    .venv/bin/python bench/cursors.py --database-url postgresql://...  --depth 50000

In-process, through the records service (what GET /data/Contact runs, without HTTP):
a page of 20 contacts in last-name order at page 1, and at page `--depth` reached by
`offset` and by the cursor of the page before it. Prints the median of `--repeat` runs of
each and the ratio of the deep pages to page 1 (a cursor's target: page 50,000 as fast as
page 1).
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import time
from collections.abc import Callable

from amity.config import Settings
from amity.core.actor import CLI
from amity.core.filters import parse_order
from amity.core.records import ListQuery, Page
from amity.core.services import build_services

LIMIT = 20


def median_ms(run: Callable[[], Page], repeat: int) -> float:
    times = []
    for _ in range(repeat):
        start = time.perf_counter()
        run()
        times.append((time.perf_counter() - start) * 1000)
    return statistics.median(times)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--database-url", default=os.environ.get("AMITY_DATABASE_URL"))
    parser.add_argument("--depth", type=int, default=50_000, help="the deep page's number")
    parser.add_argument("--repeat", type=int, default=9)
    args = parser.parse_args(argv)
    if not args.database_url:
        parser.error("--database-url: a database made by bench/generate.py")
    services = build_services(Settings.from_env(database_url=args.database_url))
    try:
        records = services.records
        order = parse_order(records.model("Contact"), "last_name")

        def page(**kw: object) -> Page:
            q = ListQuery(order=order, limit=LIMIT, count=False, **kw)  # type: ignore[arg-type]
            return records.list_records(CLI, "Contact", q)

        offset = (args.depth - 1) * LIMIT
        before = page(offset=offset - LIMIT, keyset=True)
        if before.next_cursor is None:
            raise SystemExit(f"the list has fewer than {args.depth} pages of {LIMIT}")
        first = median_ms(lambda: page(keyset=True), args.repeat)
        by_offset = median_ms(lambda: page(offset=offset), args.repeat)
        by_cursor = median_ms(lambda: page(cursor=before.next_cursor), args.repeat)
    finally:
        services.close()
    print(f"contacts in last-name order, {LIMIT} a page, median of {args.repeat} runs")
    print("| page | by | ms | vs page 1 |")
    print("|---|---|--:|--:|")
    print(f"| 1 | first page | {first:.2f} | 1.0 |")
    print(f"| {args.depth:,} | offset | {by_offset:.2f} | {by_offset / first:.1f} |")
    print(f"| {args.depth:,} | cursor | {by_cursor:.2f} | {by_cursor / first:.1f} |")
    return 0


if __name__ == "__main__":
    sys.exit(main())
