"""GET /changes with 1,000,000 events stored: latency of pages of 200, in-process.

    .venv/bin/python bench/changes.py                       # SQLite, a temporary file
    .venv/bin/python bench/changes.py --database-url postgresql://postgres@127.0.0.1:5432/test

A fresh database (SQLite in a temporary directory; on PostgreSQL a new database on that
server, dropped afterwards), migrated; N events (default 1,000,000) bulk-inserted into the
outbox as 20 models' creates and updates, 10,000 rows per statement (on PostgreSQL 4
events per transaction id, as writes give). Then requests through the ASGI app (no HTTP
socket): pages of 200 after cursors spread over the whole feed, for the admin (every event)
and for a user whose role reads only owned records (ACL filtering; it owns one record in
ten). Prints p50 and p95 per scenario. Bounded: a few minutes.
"""

from __future__ import annotations

import argparse
import asyncio
import random
import statistics
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import timedelta
from pathlib import Path

import httpx
import sqlalchemy as sa

from amity.app import create_app
from amity.cli import init_admin
from amity.config import Settings
from amity.core.actor import Actor
from amity.core.changes import Cursor
from amity.core.clock import utcnow
from amity.core.ids import new_id
from amity.core.services import Services, build_services
from amity.store.engine import fresh_postgresql_database
from amity.store.migrate import migrate

MODELS = ("Contact", "Account", "Lead", "Note", "Task")
CHUNK = 10_000


@contextmanager
def database(url: str | None) -> Iterator[str]:
    if url and url.startswith("postgresql"):
        with fresh_postgresql_database(url, "amity_bench_changes") as fresh:
            yield fresh
        return
    with tempfile.TemporaryDirectory() as tmp:
        yield f"sqlite:///{Path(tmp) / 'changes.db'}"


def fill(services: Services, events: int, owner: str, other: str) -> list[tuple[int, int]]:
    """Bulk-insert the events; Note records for the ACL scenario. The (tx, id) of every
    1000th event, as cursor positions."""
    outbox = services.db.tables.system("outbox")
    notes = services.db.tables.model(services.db.registry.model("Note"))
    pg = services.db.tables.dialect == "postgresql"
    start = utcnow() - timedelta(days=1)
    note_ids = [new_id() for _ in range(10_000)]
    with services.db.write() as conn:
        conn.execute(
            sa.insert(notes),
            [
                {
                    "id": nid,
                    "name": f"n{i}",
                    "deleted": False,
                    "date_entered": start,
                    "date_modified": start,
                    "assigned_user_id": owner if i % 10 == 0 else other,
                }
                for i, nid in enumerate(note_ids)
            ],
        )
    done = 0
    while done < events:
        rows = []
        for i in range(done, min(done + CHUNK, events)):
            model = "Note" if i % 2 else MODELS[i % len(MODELS)]
            record = note_ids[i % len(note_ids)] if model == "Note" else new_id()
            rows.append(
                {
                    "tx": 1000 + i // 4 if pg else 0,
                    "model": model,
                    "record_id": record,
                    "kind": "update" if i % 3 else "create",
                    "changes": '{"name": [null, "x"], "title": ["a", "b"]}',
                    "actor_id": owner,
                    "credential": "token",
                    "credential_id": "bench",
                    "client_id": None,
                    "source": "api 127.0.0.1",
                    "request_id": None,
                    "date_created": start + timedelta(microseconds=i * 50),
                }
            )
        with services.db.write() as conn:
            conn.execute(sa.insert(outbox), rows)
        done += len(rows)
    if pg:
        with services.db.write() as conn:
            conn.execute(sa.text("ANALYZE outbox"))
    with services.db.read() as conn:
        c = outbox.c
        stmt = sa.select(c.tx, c.id, c.date_created).where(c.id % 1000 == 1).order_by(c.tx, c.id)
        return [(row.tx, row.id) for row in conn.execute(stmt)]


async def timed(client: httpx.AsyncClient, token: str, cursors: list[str]) -> list[float]:
    out = []
    headers = {"Authorization": f"Bearer {token}"}
    for after in cursors:
        began = time.perf_counter()
        resp = await client.get(
            "/api.php/changes", params={"after": after, "limit": 200}, headers=headers
        )
        out.append((time.perf_counter() - began) * 1000)
        assert resp.status_code == 200, resp.text
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--database-url", default=None)
    parser.add_argument("--events", type=int, default=1_000_000)
    parser.add_argument("--requests", type=int, default=300)
    args = parser.parse_args()
    with database(args.database_url) as url:
        settings = Settings(database_url=url, log_level="WARNING", rate_limit="", api_log=False)
        services = build_services(settings)
        try:
            migrate(services.db)
            init_admin(services, "admin", "bench-admin-pw")
            admin_token = services.auth.create_token("admin", "bench")[1]
            admin = services.auth.user_by_name("admin")
            actor = Actor(user_id=admin["id"], user_name="admin", is_admin=True)
            services.acl.add_role(
                actor, "own", rights={"*": {"access": True, "read": "owned", "edit": "owned"}}
            )
            owner = services.auth.add_user(actor, "olga", None, last_name="Olga")
            other = services.auth.add_user(actor, "pete", None, last_name="Pete")
            services.acl.assign_role(actor, "own", ["olga"])
            olga_token = services.auth.create_token("olga", "bench")[1]
            began = time.perf_counter()
            positions = fill(services, args.events, owner, other)
            took = time.perf_counter() - began
            print(f"{args.events:,} events stored in {took:.0f} s ({url.split(':')[0]})")
            now = utcnow()
            cursors = [Cursor(tx, i, now).encode() for tx, i in positions]
            rng = random.Random(1)
            picks = [rng.choice(cursors) for _ in range(args.requests)]
            app = create_app(settings, services)

            async def run() -> dict[str, list[float]]:
                transport = httpx.ASGITransport(app=app)
                async with httpx.AsyncClient(
                    transport=transport, base_url="http://bench"
                ) as client:
                    await timed(client, admin_token, picks[:20])  # warm-up
                    return {
                        "admin, pages of 200": await timed(client, admin_token, picks),
                        "owned-only user, pages of 200 (1 in 20 readable)": await timed(
                            client, olga_token, picks
                        ),
                    }

            for name, times in asyncio.run(run()).items():
                times.sort()
                p95 = times[int(len(times) * 0.95) - 1]
                print(f"{name}: p50 {statistics.median(times):.2f} ms, p95 {p95:.2f} ms")
        finally:
            services.close()


if __name__ == "__main__":
    main()
