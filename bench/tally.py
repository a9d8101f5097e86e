"""Tally objects (issue 14): GET, PUT and the PDF of an invoice with 100 lines, on one
`amity serve` worker.

    .venv/bin/python bench/tally.py                     # SQLite, a temporary file
    .venv/bin/python bench/tally.py --database-url postgresql://postgres@127.0.0.1:5432/test
    .venv/bin/python bench/tally.py --profile 20        # then where the time goes

A fresh database (SQLite in a temporary directory; on PostgreSQL a new database on that
server, dropped afterwards), `amity init`, an admin token, then `amity serve --workers 1`
on 127.0.0.1 (rate limit off; everything else as configured by default). One client sends
one request at a time (keep-alive); after a few unmeasured ones, each scenario runs
--requests times (the PDF --pdf-requests times):

- POST /tally/Invoice: a new invoice of --lines lines in one group with 19 % tax (its
  latency is printed too; the first invoice made is the one measured below);
- GET /tally/Invoice/{id};
- PUT /tally/Invoice/{id} with the body GET gave, unchanged (the server writes nothing:
  the run checks that date_modified stays);
- PUT with one line's quantity changed per request (the line changes each time; its
  totals, the group's and the invoice's are written);
- GET /printer/pdf/Invoice/{id}.

Prints p50/p95/p99 in ms of each against issue 14's targets (GET p50 < 10 ms, PUT p50 <
50 ms, PDF p95 < 1 s), and the server's CPU time per request (/proc/<pid>/stat).

--profile N then calls the same operations in this process on the same database
(services.tally.get/save, services.printer.pdf, no HTTP) N times each under cProfile and
prints the functions with the most cumulative and own time. --py-spy DIR records the
server with py-spy during each HTTP scenario instead (raw profiles, for
bench/spy_summary.py).
"""

from __future__ import annotations

import argparse
import copy
import cProfile
import os
import pstats
import re
import tempfile
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from decimal import Decimal
from pathlib import Path
from typing import Any

import httpx
from files import cpu_seconds, py_spy, served  # type: ignore[import-not-found]

from amity.config import Settings
from amity.core.actor import Actor
from amity.core.services import build_services
from amity.store.engine import fresh_postgresql_database

TARGETS = {  # scenario -> (percentile, ms) from issue 14
    "GET /tally": ("p50", 10.0),
    "PUT /tally, unchanged": ("p50", 50.0),
    "PUT /tally, one quantity changed": ("p50", 50.0),
    "GET /printer/pdf": ("p95", 1000.0),
}
WARMUP = 5


@dataclass
class Server:
    client: httpx.Client
    pid: int
    url: str


@contextmanager
def database(url: str | None) -> Iterator[str]:
    """A fresh database: a new one on the PostgreSQL server of `url`, else SQLite."""
    if url and url.startswith("postgresql"):
        with fresh_postgresql_database(url, "amity_bench_tally") as fresh:
            yield fresh
        return
    with tempfile.TemporaryDirectory() as tmp:
        yield f"sqlite:///{Path(tmp) / 'tally.db'}"


@contextmanager
def server(url: str, directory: Path) -> Iterator[Server]:
    """`amity init` and `amity serve --workers 1` on `url`; a client with an admin token."""
    with served(directory, url) as running:
        headers = {"Authorization": f"Bearer {running.token}"}
        with httpx.Client(base_url=running.base, headers=headers, timeout=60) as client:
            yield Server(client, running.pid, url)


def invoice_body(lines: int, account_id: str) -> dict[str, Any]:
    """An invoice of `lines` lines in one group, 19 % tax on the group."""
    return {
        "record": {
            "name": f"Bench invoice of {lines} lines",
            "billing_account_id": account_id,
            "invoice_date": "2026-12-01",
            "due_date": "2026-12-31",
            "terms": "Net 30",
        },
        "groups": [
            {
                "name": "Items",
                "lines": [
                    {
                        "name": f"Item {i + 1}",
                        "quantity": str(i % 7 + 1),
                        "unit_price": str(Decimal(1999 + 37 * i).scaleb(-2)),
                        "mfr_part_no": f"P-{i + 1:04d}",
                    }
                    for i in range(lines)
                ],
                "adjustments": [{"type": "StandardTax", "name": "VAT", "rate": "19"}],
            }
        ],
    }


def ok(response: httpx.Response) -> httpx.Response:
    if response.status_code != 200:
        raise SystemExit(f"{response.request.method} {response.request.url}: {response.text}")
    return response


def percentile(sorted_ms: list[float], p: int) -> float:
    """The p-th percentile (nearest rank) of sorted values."""
    rank = max(1, round(p / 100 * len(sorted_ms)))
    return sorted_ms[rank - 1]


@dataclass
class Result:
    name: str
    ms: list[float]
    cpu_ms: float  # server CPU per request

    def line(self) -> str:
        ms = sorted(self.ms)
        p50, p95, p99 = (percentile(ms, p) for p in (50, 95, 99))
        out = (
            f"{self.name:34} n={len(ms):4}  p50 {p50:8.2f}  p95 {p95:8.2f}  p99 {p99:8.2f} ms"
            f"  server CPU {self.cpu_ms:7.2f} ms/req"
        )
        target = TARGETS.get(self.name)
        if target is not None:
            which, limit = target
            value = {"p50": p50, "p95": p95}[which]
            verdict = "met" if value < limit else f"MISSED ({value / limit:.1f}x)"
            out += f"  target {which} < {limit:g} ms: {verdict}"
        return out


def timed(
    srv: Server, name: str, count: int, send: Callable[[int], httpx.Response], spy: Path | None
) -> Result:
    """`count` requests made by `send(i)` one after another, after WARMUP unmeasured ones."""
    for i in range(WARMUP):
        ok(send(-1 - i))
    ms = []
    out = spy / f"{re.sub(r'[^a-z]+', '-', name.lower()).strip('-')}.txt" if spy else None
    with py_spy(srv.pid, out):
        cpu_before = cpu_seconds(srv.pid)
        for i in range(count):
            began = time.perf_counter()
            ok(send(i))
            ms.append((time.perf_counter() - began) * 1000)
        cpu = cpu_seconds(srv.pid) - cpu_before
    return Result(name, ms, cpu * 1000 / count)


def measure(srv: Server, args: argparse.Namespace) -> tuple[str, list[Result]]:
    """The HTTP scenarios; the id of the invoice they read and write."""
    c = srv.client
    account = ok(c.post("/data/Account", json={"data": {"name": "Contoso Ltd"}})).json()["id"]
    body = invoice_body(args.lines, account)
    invoice = ok(c.post("/tally/Invoice", json=body)).json()["id"]
    path = f"/tally/Invoice/{invoice}"
    results = [
        timed(
            srv,
            "POST /tally",
            args.creates,
            lambda i: c.post("/tally/Invoice", json=body),
            args.py_spy,
        ),
        timed(srv, "GET /tally", args.requests, lambda i: c.get(path), args.py_spy),
    ]
    whole = ok(c.get(path)).json()
    before = whole["record"]["date_modified"]
    results.append(
        timed(
            srv,
            "PUT /tally, unchanged",
            args.requests,
            lambda i: c.put(path, json=whole),
            args.py_spy,
        )
    )
    after = ok(c.get(path)).json()["record"]["date_modified"]
    if after != before:
        raise SystemExit(f"an unchanged PUT changed date_modified: {before} -> {after}")
    edited = copy.deepcopy(whole)
    lines = edited["groups"][0]["lines"]

    def edit(i: int) -> httpx.Response:
        line = lines[i % len(lines)]
        line["quantity"] = str(Decimal(str(line["quantity"])) + 1)
        return c.put(path, json=edited)

    results.append(timed(srv, "PUT /tally, one quantity changed", args.requests, edit, args.py_spy))
    results.append(
        timed(
            srv,
            "GET /printer/pdf",
            args.pdf_requests,
            lambda i: c.get(f"/printer/pdf/Invoice/{invoice}"),
            args.py_spy,
        )
    )
    return invoice, results


def profile(url: str, invoice: str, rounds: int, top: int) -> None:
    """The same operations in-process under cProfile, `rounds` times each."""
    settings = Settings(database_url=url, log_level="WARNING", rate_limit="", api_log=False)
    services = build_services(settings)
    try:
        admin = services.auth.user_by_name("admin")
        actor = Actor(user_id=admin["id"], user_name="admin", is_admin=True)
        whole = services.tally.get(actor, "Invoice", invoice)
        edited = copy.deepcopy(whole)

        def edit() -> None:
            line = edited["groups"][0]["lines"][0]
            line["quantity"] = str(Decimal(str(line["quantity"])) + 1)
            services.tally.save(actor, "Invoice", invoice, edited)

        operations: dict[str, Callable[[], object]] = {
            "GET /tally": lambda: services.tally.get(actor, "Invoice", invoice),
            "PUT /tally, unchanged": lambda: services.tally.save(actor, "Invoice", invoice, whole),
            "PUT /tally, one quantity changed": edit,
            "GET /printer/pdf": lambda: services.printer.pdf(actor, "Invoice", invoice, "en"),
        }
        for name, operation in operations.items():
            operation()
            began = time.perf_counter()
            for _ in range(rounds):
                operation()
            plain = (time.perf_counter() - began) * 1000 / rounds
            profiler = cProfile.Profile()
            profiler.enable()
            for _ in range(rounds):
                operation()
            profiler.disable()
            print(f"\n=== {name}: {plain:.2f} ms per call in-process, {rounds} calls profiled")
            stats = pstats.Stats(profiler).strip_dirs()
            stats.sort_stats("cumulative").print_stats(top)
            stats.sort_stats("tottime").print_stats(top)
    finally:
        services.close()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--database-url", default=os.environ.get("AMITY_DATABASE_URL"))
    parser.add_argument("--lines", type=int, default=100)
    parser.add_argument("--requests", type=int, default=200, help="per GET/PUT scenario")
    parser.add_argument("--creates", type=int, default=30)
    parser.add_argument("--pdf-requests", type=int, default=100)
    parser.add_argument("--profile", type=int, default=0, metavar="N")
    parser.add_argument("--top", type=int, default=25, help="functions per profile table")
    parser.add_argument("--py-spy", type=Path, default=None, metavar="DIR")
    args = parser.parse_args()
    if args.py_spy:
        args.py_spy.mkdir(parents=True, exist_ok=True)
    with database(args.database_url) as url, tempfile.TemporaryDirectory() as tmp:
        with server(url, Path(tmp)) as srv:
            print(f"{url.split(':')[0]}, invoice of {args.lines} lines, one request at a time")
            invoice, results = measure(srv, args)
            size = len(ok(srv.client.get(f"/printer/pdf/Invoice/{invoice}")).content)
            for result in results:
                print(result.line())
            print(f"PDF size {size:,} bytes")
        if args.profile:
            profile(url, invoice, args.profile, args.top)


if __name__ == "__main__":
    main()
