"""Where the time of one request goes: drive the ASGI app in-process, without a network.

    .venv/bin/python bench/profile_app.py --database-url sqlite:///bench/data/bench.db get

Builds the real app (create_app), calls it directly with ASGI messages N times for a
scenario (get, selective, broad, unfiltered, create), prints the wall time per request
without a profiler, then the same under cProfile with the time split into: token
authentication, the records service (and within it, time inside the database driver),
orjson rendering, query-string parsing, and the rest (Starlette routing, middleware,
response objects). cProfile sees the event-loop thread only: writes that run in the
group-commit thread show up as waiting; profile those with py-spy. The HTTP server
(uvicorn/httptools) is not included; the bare-endpoint numbers of load.py cover it.
"""

from __future__ import annotations

import argparse
import asyncio
import cProfile
import os
import pstats
import sys
import time
from typing import Any

import orjson
import sqlalchemy as sa

from amity.app import create_app
from amity.config import Settings

PATHS = {
    "selective": "filters%5Blast_name%5D=Quin&order=last_name&limit=20",
    "broad": "filters%5Blast_name%5D=Ba&order=last_name&limit=20",
    "unfiltered": "order=last_name&limit=20",
}
CREATE_BODY = orjson.dumps(
    {"data": {"first_name": "Prof", "last_name": "Loadtest", "email1": "prof@example.com"}}
)


def scope_for(scenario: str, token: str, record_id: str) -> tuple[dict[str, Any], bytes]:
    path = "/api.php/data/Contact"
    if scenario == "get":
        return http_scope("GET", f"{path}/{record_id}", "", token)
    if scenario == "create":
        return http_scope("POST", path, "", token, CREATE_BODY)
    return http_scope("GET", path, PATHS[scenario], token)


def http_scope(
    method: str, path: str, query: str, token: str, body: bytes = b""
) -> tuple[dict[str, Any], bytes]:
    """The ASGI scope of one request with a bearer token (and a JSON body)."""
    headers = [(b"host", b"127.0.0.1"), (b"authorization", f"Bearer {token}".encode())]
    if body:
        headers += [
            (b"content-type", b"application/json"),
            (b"content-length", str(len(body)).encode()),
        ]
    scope = {
        "type": "http",
        "asgi": {"version": "3.0"},
        "http_version": "1.1",
        "method": method,
        "scheme": "http",
        "path": path,
        "raw_path": path.encode(),
        "root_path": "",
        "query_string": query.encode(),
        "headers": headers,
        "client": ("127.0.0.1", 50000),
        "server": ("127.0.0.1", 8000),
    }
    return scope, body


async def call(app: Any, scope: dict[str, Any], body: bytes) -> int:
    status = 0

    async def receive() -> dict[str, Any]:
        return {"type": "http.request", "body": body, "more_body": False}

    async def send(message: dict[str, Any]) -> None:
        nonlocal status
        if message["type"] == "http.response.start":
            status = message["status"]

    await app(dict(scope), receive, send)
    return status


async def run(app: Any, scopes: list[tuple[dict[str, Any], bytes]], concurrency: int) -> None:
    """Send the requests from `concurrency` tasks (as wrk's connections would)."""
    pending = iter(scopes)

    async def worker() -> None:
        for scope, body in pending:
            status = await call(app, scope, body)
            if status != 200:
                raise SystemExit(f"status {status} for {scope['method']} {scope['path']}")

    await asyncio.gather(*(worker() for _ in range(concurrency)))


# (label, file name ending, function name): cumulative time of that function per request.
GROUPS = [
    ("Starlette app, all of it (routing, middleware, handler)", "applications.py", "__call__"),
    ("  token authentication: AuthService.authenticate", "service.py", "authenticate"),
    ("  query string: parse_query", "params.py", "parse_query"),
    ("  JSON body: read_json", "params.py", "read_json"),
    ("  records service: Records.get", "records.py", "get"),
    ("  records service: Records.list_records", "records.py", "list_records"),
    ("  records service: Records.create", "records.py", "create"),
    ("    select_fields", "fields.py", "select_fields"),
    ("    filters -> conditions (Records.conditions)", "records.py", "conditions"),
    ("    QueryBuilder.select_by_id", "query.py", "select_by_id"),
    ("    QueryBuilder.select_rows (build + run + rows)", "query.py", "select_rows"),
    ("      of which base_where + order_by (building SQL)", "query.py", "base_where"),
    ("      ", "query.py", "order_by"),
    ("    QueryBuilder.count_rows", "query.py", "count_rows"),
    ("    render rows (fields.render)", "fields.py", "render"),
    ("    validate (clean_data)", "validate.py", "clean_data"),
    ("    Writer.insert (+ kept count)", "writes.py", "insert"),
    ("    Writer.emit (outbox row)", "writes.py", "emit"),
    ("    transaction commit", "base.py", "commit"),
    ("  JSON: orjson render (JSONResponse.render)", "responses.py", "render"),
    ("SQLAlchemy Connection.execute (statement cache + run)", "base.py", "execute"),
    ("Database.fetch (raw DBAPI path)", "engine.py", "fetch"),
    ("pool checkout + return", "base.py", "checkout"),
    ("", "base.py", "_finalize_fairy"),
    (
        "DB driver: sqlite3 Cursor.execute + fetch*",
        "~",
        "<method 'execute' of 'sqlite3.Cursor' objects>",
    ),
    ("", "~", "<method 'fetchone' of 'sqlite3.Cursor' objects>"),
    ("", "~", "<method 'fetchall' of 'sqlite3.Cursor' objects>"),
    ("", "~", "<method 'fetchmany' of 'sqlite3.Cursor' objects>"),
    ("DB driver: psycopg Cursor.execute + fetch*", "psycopg/cursor.py", "execute"),
    ("", "psycopg/cursor.py", "fetchall"),
    ("", "psycopg/cursor.py", "fetchone"),
    ("", "psycopg/cursor.py", "fetchmany"),
]


def breakdown(stats: pstats.Stats, n: int, total: float) -> None:
    """Cumulative time per request of the GROUPS functions; unlabelled rows add to the
    row above."""
    raw: dict[Any, Any] = stats.stats  # type: ignore[attr-defined]
    rows: list[list[Any]] = []
    for label, filename, func in GROUPS:
        cum = sum(
            v[3] for (fn, _line, name), v in raw.items() if name == func and fn.endswith(filename)
        )
        if label.strip() or not rows:
            rows.append([label, cum])
        else:
            rows[-1][1] += cum
    print(f"{'':58}{'us/req':>8} {'share':>6}")
    for label, cum in rows:
        if cum:
            print(f"{label:58}{cum / n * 1e6:>8.0f} {cum / total:>6.0%}")
    print(
        f"{'total (under cProfile, which inflates Python-heavy parts)':58}{total / n * 1e6:>8.0f}"
    )


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("scenario", choices=["get", "selective", "broad", "unfiltered", "create"])
    parser.add_argument("--database-url", default=os.environ.get("AMITY_DATABASE_URL"))
    parser.add_argument("-n", type=int, default=2000)
    parser.add_argument(
        "--concurrency", type=int, default=8, help="requests in flight (writes are group-committed)"
    )
    parser.add_argument("--top", type=int, default=25, help="also print the top functions")
    args = parser.parse_args(argv)
    # thousands of requests on one token: rate limiting off, as load.py does
    settings = Settings.from_env(
        database_url=args.database_url, log_level="WARNING", rate_limit="", rate_limit_anonymous=""
    )
    app = create_app(settings)
    services = app.state.services
    _, token = services.auth.create_token("admin", "bench-profile")
    table = services.db.tables.models["Contact"]
    with services.db.read() as conn:
        ids = list(
            conn.execute(sa.select(table.c.id).order_by(sa.func.random()).limit(args.n)).scalars()
        )
    scopes = [scope_for(args.scenario, token, ids[i % len(ids)]) for i in range(args.n)]
    asyncio.run(run(app, scopes[:200], args.concurrency))  # warm up
    t0 = time.perf_counter()
    asyncio.run(run(app, scopes, args.concurrency))
    wall = time.perf_counter() - t0
    print(
        f"{args.scenario}: {wall / args.n * 1e6:.0f} us/request wall, no profiler "
        f"({args.n / wall:,.0f}/s in-process, one core)"
    )
    prof = cProfile.Profile()
    t0 = time.perf_counter()
    prof.enable()
    asyncio.run(run(app, scopes, args.concurrency))
    prof.disable()
    total = time.perf_counter() - t0
    stats = pstats.Stats(prof)
    breakdown(stats, args.n, total)
    if args.top:
        stats.sort_stats("tottime").print_stats(args.top)
    services.close()
    return 0


if __name__ == "__main__":
    sys.exit(main())
