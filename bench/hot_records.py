"""PATCHes of a few shared records on PostgreSQL: one `amity serve` worker against two.

    .venv/bin/python bench/hot_records.py --database-url postgresql://postgres@127.0.0.1:5432/test

Creates a database of its own on that server (dropped at the end) with --records accounts,
then for each worker count (--workers, default 1 and 2) starts `amity serve --workers N`
on 127.0.0.1 and lets --clients concurrent clients (one keep-alive connection each, so the
kernel spreads them over the workers) PATCH random ones of those accounts for --duration
seconds, each client its own field; --repeat runs the worker counts in turn that many
times (the machine's load then weighs on each alike). Prints requests/s, the answers other
than 200 (503: a write conflict that outlived its retries), p50/p99 latency and the
"deadlock detected" lines in the server log per run, and the ratio of the median
throughputs of the last worker count and the first.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import random
import statistics
import sys
import tempfile
import time
from collections import Counter
from dataclasses import dataclass
from pathlib import Path

import httpx
from load import free_port, server  # type: ignore[import-not-found]

from amity.cli import init_admin
from amity.config import Settings
from amity.core.actor import SYSTEM
from amity.core.services import build_services
from amity.store.engine import fresh_postgresql_database
from amity.store.migrate import migrate

ROOT = Path(__file__).resolve().parent.parent
FIELDS = (
    "annual_revenue",
    "rating",
    "ownership",
    "description",
    "sic_code",
    "ticker_symbol",
    "billing_address_city",
    "shipping_address_city",
    "shipping_address_state",
    "billing_address_state",
)


@dataclass
class Run:
    workers: int
    rate: float
    statuses: Counter[int]
    p50_ms: float
    p99_ms: float
    deadlocks: int


def prepare(url: str, records: int) -> tuple[str, list[str]]:
    """Migrate, make the admin and a token, and the shared accounts."""
    svc = build_services(Settings(database_url=url, log_level="WARNING"))
    try:
        migrate(svc.db)
        init_admin(svc, "admin", "bench-password")
        _, token = svc.auth.create_token("admin", "hot-records bench")
        ids = [svc.records.create(SYSTEM, "Account", {"name": f"Hot {i}"}) for i in range(records)]
    finally:
        svc.close()
    return token, ids


async def drive(
    base: str, token: str, ids: list[str], clients: int, seconds: float
) -> tuple[int, Counter[int], list[float]]:
    """PATCH from `clients` connections until `seconds` have passed."""
    statuses: Counter[int] = Counter()
    latencies: list[float] = []
    deadline = time.monotonic() + seconds

    async def client(n: int) -> None:
        rng, field = random.Random(n), FIELDS[n % len(FIELDS)]
        async with httpx.AsyncClient(
            base_url=base, timeout=60, headers={"Authorization": f"Bearer {token}"}
        ) as http:
            i = 0
            while time.monotonic() < deadline:
                start = time.perf_counter()
                res = await http.patch(
                    f"/data/Account/{rng.choice(ids)}", json={"data": {field: f"c{n}-{i}"[:10]}}
                )
                latencies.append(time.perf_counter() - start)
                statuses[res.status_code] += 1
                i += 1

    await asyncio.gather(*(client(n) for n in range(clients)))
    return sum(statuses.values()), statuses, latencies


def measure(
    url: str, token: str, ids: list[str], workers: int, args: argparse.Namespace, logs: Path
) -> Run:
    port = free_port()
    env = {
        **os.environ,
        "AMITY_DATABASE_URL": url,
        "AMITY_LOG_LEVEL": "WARNING",
        "AMITY_RATE_LIMIT": "",
        "AMITY_RATE_LIMIT_ANONYMOUS": "",
        "AMITY_RATE_LIMIT_FAILED_AUTH": "",
    }
    log = logs / f"hot-records-{workers}w-{time.monotonic_ns()}.log"
    cmd = [str(ROOT / ".venv/bin/amity"), "serve", "--port", str(port), "--workers", str(workers)]
    base = f"http://127.0.0.1:{port}/api.php"
    with server(cmd, env, port, log):
        asyncio.run(drive(base, token, ids, args.clients, args.warmup))
        start = time.monotonic()
        count, statuses, latencies = asyncio.run(
            drive(base, token, ids, args.clients, args.duration)
        )
        elapsed = time.monotonic() - start
    cuts = statistics.quantiles(latencies, n=100) if len(latencies) > 1 else [0.0] * 99
    return Run(
        workers,
        count / elapsed,
        statuses,
        cuts[49] * 1000,
        cuts[98] * 1000,
        log.read_text().count("deadlock detected"),
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument(
        "--database-url",
        default=os.environ.get("AMITY_DATABASE_URL", "postgresql://postgres@127.0.0.1:5432/test"),
        help="a PostgreSQL server (any database on it); a database of its own is made",
    )
    parser.add_argument("--workers", type=int, nargs="+", default=[1, 2])
    parser.add_argument("--records", type=int, default=8, help="shared accounts (default 8)")
    parser.add_argument("--clients", type=int, default=16, help="connections (default 16)")
    parser.add_argument("--duration", type=float, default=10, help="seconds per run")
    parser.add_argument("--warmup", type=float, default=2, help="seconds before each run")
    parser.add_argument("--repeat", type=int, default=1, help="rounds of runs (default 1)")
    args = parser.parse_args()
    if not args.database_url.startswith(("postgresql://", "postgres://")):
        raise SystemExit("hot_records.py needs a PostgreSQL URL (SQLite has one writer)")
    logs = Path(tempfile.mkdtemp(prefix="amity-hot-"))
    runs = []
    with fresh_postgresql_database(args.database_url, "amity_bench_hot") as url:
        token, ids = prepare(url, args.records)
        for _ in range(args.repeat):
            for workers in args.workers:
                runs.append(measure(url, token, ids, workers, args, logs))
                print(f"  {workers} worker(s): {runs[-1].rate:,.0f}/s", file=sys.stderr, flush=True)
    print(
        f"PATCH of {args.records} shared accounts, {args.clients} connections, "
        f"{args.duration:g} s per run (server logs in {logs})"
    )
    print("| workers | PATCH/s | 200 | 503 | other | p50 ms | p99 ms | deadlocks logged |")
    print("|--:|--:|--:|--:|--:|--:|--:|--:|")
    for r in runs:
        other = sum(n for s, n in r.statuses.items() if s not in (200, 503))
        print(
            f"| {r.workers} | {r.rate:,.0f} | {r.statuses[200]:,} | {r.statuses[503]:,} | "
            f"{other:,} | {r.p50_ms:.1f} | {r.p99_ms:.1f} | {r.deadlocks} |"
        )
    if len(args.workers) > 1:
        first, last = (
            statistics.median(r.rate for r in runs if r.workers == w)
            for w in (args.workers[0], args.workers[-1])
        )
        print(
            f"median throughput {args.workers[-1]} workers / {args.workers[0]} worker(s): "
            f"{last:,.0f}/s / {first:,.0f}/s = {last / first:.2f}"
        )


if __name__ == "__main__":
    main()
