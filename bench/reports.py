"""Reports (issue 15): a report over N contacts grouped by two fields, and a plain
N-row run exported to CSV and XLSX with the memory it takes, in this process (the job
worker's code path: services.reports.execute and the export writers the route streams).

    .venv/bin/python bench/reports.py --contacts 100000          # SQLite, bench/data/
    .venv/bin/python bench/reports.py --contacts 1000000 \\
        --database-url postgresql://postgres@127.0.0.1:5432/amity_bench

Loads the contacts with bench/generate.py (--reset; skip with --no-load to reuse a
database it loaded), then:

- runs the grouped report (lead_source, primary_address_country; count per group)
  --runs times as the admin and prints p50/p95 against the target (p50 < 2 s);
- runs a plain report (last_name, first_name, email1, title, lead_source) over every
  contact once and prints how long archiving took;
- exports that run as CSV and as XLSX in a process of its own (--exports-only RUN_ID),
  reading the archived rows in batches as the route does, and prints the time and the
  RSS growth (peak during the export minus the RSS before it; target < 50 MiB).
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import time
from collections.abc import Iterable, Iterator
from pathlib import Path

from amity.config import Settings
from amity.core.actor import Actor
from amity.core.reports.export import csv_chunks, xlsx_chunks
from amity.core.services import Services, build_services

HERE = Path(__file__).parent
MIB = 1024 * 1024


def rss() -> int:
    """This process's resident set size in bytes (Linux /proc)."""
    with open("/proc/self/statm") as f:
        return int(f.read().split()[1]) * os.sysconf("SC_PAGE_SIZE")


def admin_actor(services: Services) -> Actor:
    user = services.auth.user_by_name("admin")
    assert user is not None, "no admin: run bench/generate.py first"
    return Actor(user_id=user["id"], user_name="admin", is_admin=True)


def timed_run(services: Services, actor: Actor, report_id: str) -> tuple[float, str]:
    run = services.reports.run(actor, "Contact", report_id)
    started = time.perf_counter()
    services.reports.execute(run["id"])
    took = time.perf_counter() - started
    with services.db.read() as conn:
        stored = services.reports.store.run(conn, run["id"])
    assert stored is not None and stored["state"] == "done", stored
    return took, run["id"]


def measured(chunks: Iterable[bytes]) -> Iterator[tuple[int, int]]:
    """(bytes so far, RSS now) every 64 chunks."""
    size = 0
    for n, chunk in enumerate(chunks):
        size += len(chunk)
        if n % 64 == 0:
            yield size, rss()
    yield size, rss()


def export(services: Services, actor: Actor, run_id: str, fmt: str) -> tuple[float, int, int]:
    """Seconds, bytes written, and the RSS growth of one export."""
    before = rss()
    started = time.perf_counter()
    run, layout, rows = services.reports.export_rows(actor, "Contact", run_id)
    chunks = csv_chunks(layout, rows) if fmt == "csv" else xlsx_chunks(layout, rows, run["name"])
    peak, written = before, 0
    for size, now in measured(chunks):
        peak, written = max(peak, now), size
    return time.perf_counter() - started, written, peak - before


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--contacts", type=int, default=1_000_000)
    parser.add_argument(
        "--database-url",
        default=os.environ.get("AMITY_DATABASE_URL", f"sqlite:///{HERE / 'data' / 'reports.db'}"),
    )
    parser.add_argument("--runs", type=int, default=5, help="grouped runs measured")
    parser.add_argument("--no-load", action="store_true", help="reuse the loaded database")
    parser.add_argument(
        "--exports-only",
        metavar="RUN_ID",
        help="only export this run (a fresh process: RSS before it is the import baseline)",
    )
    args = parser.parse_args(argv)
    (HERE / "data").mkdir(exist_ok=True)
    if args.exports_only:
        services = build_services(Settings(database_url=args.database_url, log_level="WARNING"))
        try:
            exports(services, admin_actor(services), args.exports_only)
        finally:
            services.close()
        return 0
    if not args.no_load:
        started = time.perf_counter()
        subprocess.run(
            [
                sys.executable,
                str(HERE / "generate.py"),
                "--contacts",
                str(args.contacts),
                "--database-url",
                args.database_url,
                "--reset",
                "--quiet",
            ],
            check=True,
        )
        print(f"loaded {args.contacts:,} contacts in {time.perf_counter() - started:.0f} s")
    services = build_services(Settings(database_url=args.database_url, log_level="WARNING"))
    try:
        actor = admin_actor(services)
        grouped = services.reports.define(
            actor,
            {
                "name": "Contacts by source and country",
                "primary_module": "Contact",
                "groups": ["lead_source", "primary_address_country"],
                "max_keep": 2,
            },
        )
        times = [timed_run(services, actor, grouped)[0] for _ in range(args.runs)]
        p50 = statistics.median(times)
        p95 = sorted(times)[max(0, round(0.95 * len(times)) - 1)]
        verdict = "ok" if p50 < 2 else "MISSED"
        print(
            f"grouped run (2 fields), {args.runs} runs: p50 {p50:.2f} s, p95 {p95:.2f} s "
            f"(target p50 < 2 s: {verdict})"
        )
        plain = services.reports.define(
            actor,
            {
                "name": "All contacts",
                "primary_module": "Contact",
                "columns": ["last_name", "first_name", "email1", "title", "lead_source"],
                "max_keep": 1,
            },
        )
        took, run_id = timed_run(services, actor, plain)
        print(f"plain run archiving every contact: {took:.1f} s (run {run_id})")
    finally:
        services.close()
    # the exports in a process of their own, so the archiving's memory is not counted
    subprocess.run(
        [sys.executable, __file__, "--database-url", args.database_url, "--exports-only", run_id],
        check=True,
    )
    return 0


def exports(services: Services, actor: Actor, run_id: str) -> None:
    print(f"RSS before the exports: {rss() / MIB:.0f} MiB")
    for fmt in ("csv", "xlsx"):
        seconds, size, growth = export(services, actor, run_id, fmt)
        verdict = "ok" if growth < 50 * MIB else "MISSED"
        print(
            f"{fmt} export: {seconds:.1f} s, {size / MIB:.0f} MiB written, RSS growth "
            f"{growth / MIB:.1f} MiB (target < 50 MiB: {verdict})"
        )


if __name__ == "__main__":
    sys.exit(main())
