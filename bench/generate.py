"""Generate a large Amity database for the benchmarks: contacts, accounts and their links.

    .venv/bin/python bench/generate.py --contacts 1000000 \
        --database-url sqlite:///bench/data/bench.db --reset

Rows are bulk-inserted with SQLAlchemy Core into the project's own tables, in batches of
--batch rows per transaction, with the same columns the records service writes. Last names
come from a fixed pool with known frequencies (per block of 10,000 contacts), so that
the prefix SELECTIVE_PREFIX matches 0.1% of the contacts and BROAD_PREFIX 10%; the script
prints both prefixes with their exact match counts, and the admin's access token.
"""

from __future__ import annotations

import argparse
import os
import random
import sys
import time
from collections import Counter
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import Connection

from amity.cli import ADMIN_ID, init_admin
from amity.config import Settings
from amity.core.clock import utcnow
from amity.core.ids import new_id
from amity.core.services import Services, build_services
from amity.schema.model import Model
from amity.store.conditions import Prefix
from amity.store.engine import Database
from amity.store.migrate import migrate, recount
from amity.store.query import QueryBuilder


def words(text: str) -> list[str]:
    return text.split()


BLOCK = 10_000  # the last-name pool repeats exactly every BLOCK contacts
SELECTIVE_PREFIX = "Quin"
BROAD_PREFIX = "Ba"
# Per BLOCK contacts: "Quin..." 10 (0.1%), "Ba..." 1,000 (10%), the rest 8,990.
SELECTIVE_NAMES = {"Quinlan": 6, "Quintero": 4}
BROAD_NAMES = {"Baker": 350, "Bailey": 250, "Barnes": 200, "Bates": 120, "Banks": 80}
OTHER_NAMES = words("""
Abbott Adams Alvarez Anderson Armstrong Austin Bell Bennett Bishop Black Boyd Bradley
Brooks Brown Bryant Burke Burns Butler Campbell Carlson Carter Castillo Chapman Chavez
Clark Cole Coleman Collins Cook Cooper Cox Crawford Cruz Cunningham Daniels Davis Dean
Diaz Dixon Duncan Dunn Edwards Elliott Ellis Evans Ferguson Fisher Fleming Ford Foster
Fox Franklin Freeman Garcia Gardner Gibson Gomez Gonzalez Gordon Graham Grant Gray Green
Gregory Griffin Hall Hamilton Hansen Harper Harris Hart Hawkins Hayes Henderson Henry
Hernandez Hicks Hill Hoffman Holmes Hopkins Howard Hudson Hughes Hunt Jackson James
Jenkins Johnson Jones Jordan Keller Kelly Kennedy King Knight Lambert Lane Larson Lawrence
Lee Lewis Lopez Marshall Martin Martinez Mason Matthews Meyer Miller Mills Mitchell Moore
Morgan Morris Murphy Murray Myers Nelson Nguyen Nichols Olson Ortiz Owens Palmer Parker
Patel Payne Perez Perry Peters Phillips Pierce Porter Powell Price Ramirez Reed Reyes
Reynolds Rice Richards Riley Rivera Roberts Robinson Rodriguez Rogers Rose Ross Russell
Sanchez Sanders Schmidt Scott Shaw Simmons Simpson Smith Snyder Spencer Stanley Stephens
Stevens Stewart Stone Sullivan Taylor Thomas Thompson Torres Tucker Turner Vasquez Wagner
Walker Wallace Ward Warren Washington Watson Weaver Webb Wells West Wheeler White
Williams Willis Wilson Wood Woods Wright Young
""")
FIRST_NAMES = words("""
Aaron Abigail Adam Alice Amanda Amy Andrew Angela Anna Anthony Ashley Barbara Benjamin
Betty Brandon Brian Carol Catherine Charles Christina Christopher Daniel David Deborah
Dennis Donald Donna Dorothy Edward Elizabeth Emily Emma Eric Frank Gary George Grace
Gregory Hannah Helen Henry Jacob James Janet Jason Jeffrey Jennifer Jessica John Jonathan
Joseph Joshua Justin Karen Katherine Kelly Kenneth Kevin Kimberly Larry Laura Linda Lisa
Margaret Maria Mark Mary Matthew Melissa Michael Michelle Nancy Nicholas Nicole Olivia
Pamela Patricia Patrick Paul Rachel Raymond Rebecca Richard Robert Ronald Ruth Ryan Samuel
Sandra Sarah Scott Sharon Stephanie Stephen Steven Susan Thomas Timothy Victoria William
""")
CITIES = [
    "Berlin",
    "Boston",
    "Chicago",
    "Denver",
    "Dublin",
    "Lisbon",
    "London",
    "Lyon",
    "Madrid",
    "Milan",
    "Oslo",
    "Paris",
    "Porto",
    "Prague",
    "Seattle",
    "Toronto",
    "Vienna",
    "Warsaw",
    "Zurich",
    "Austin",
]
COUNTRIES = [
    "Germany",
    "USA",
    "Ireland",
    "Portugal",
    "UK",
    "France",
    "Spain",
    "Italy",
    "Norway",
    "Czechia",
    "Canada",
    "Austria",
    "Poland",
    "Switzerland",
]
WORDS = [
    "Acme",
    "Apex",
    "Blue",
    "Bright",
    "Cedar",
    "Delta",
    "Eagle",
    "Falcon",
    "Global",
    "Granite",
    "Harbor",
    "Iron",
    "Lumen",
    "Maple",
    "Nova",
    "Orbit",
    "Pine",
    "Prime",
    "Quartz",
    "River",
    "Silver",
    "Summit",
    "Terra",
    "Union",
    "Vertex",
    "West",
]
SUFFIXES = ["Ltd", "GmbH", "Inc", "LLC", "SA", "Group", "Partners", "Systems", "Labs"]
TITLES = [
    "CEO",
    "CTO",
    "CFO",
    "Director",
    "Engineer",
    "Manager",
    "Consultant",
    "Analyst",
    "Buyer",
    "Sales Rep",
    None,
    None,
]


def last_name_pool() -> list[str]:
    """BLOCK last names with the designed frequencies (the other names share the rest)."""
    pool: list[str] = []
    for name, n in (SELECTIVE_NAMES | BROAD_NAMES).items():
        pool += [name] * n
    others = [n for n in OTHER_NAMES if not n.startswith((SELECTIVE_PREFIX, BROAD_PREFIX))]
    rest = BLOCK - len(pool)
    # Zipf-like weights over the other names, rounded so that they sum to `rest` exactly.
    weights = [1 / (i + 5) for i in range(len(others))]
    scale = rest / sum(weights)
    counts = [max(1, int(w * scale)) for w in weights]
    counts[0] += rest - sum(counts)
    for name, n in zip(others, counts, strict=True):
        pool += [name] * n
    assert len(pool) == BLOCK
    return pool


def expected_matches(n: int, prefix: str, pool: list[str]) -> int:
    """How many of n contacts get a last name starting with `prefix` (exact)."""
    per_block = sum(1 for name in pool if name.startswith(prefix))
    full, part = divmod(n, BLOCK)
    return full * per_block + sum(1 for name in pool[:part] if name.startswith(prefix))


def defaults(model: Model) -> dict[str, Any]:
    """The values the records service fills in for fields a client leaves out."""
    return {
        fd.name: fd.default
        for fd in model.stored_fields()
        if fd.default is not None and not fd.system
    }


def system_values(now: datetime, rng: random.Random) -> dict[str, Any]:
    """id, deleted, dates and users, as Records._insert sets them."""
    entered = now - timedelta(seconds=rng.randrange(3 * 365 * 86400))
    return {
        "id": new_id(),
        "deleted": False,
        "date_entered": entered,
        "date_modified": entered,
        "created_by": ADMIN_ID,
        "modified_user_id": ADMIN_ID,
        "assigned_user_id": ADMIN_ID,
    }


def account_row(
    i: int, base: dict[str, Any], now: datetime, rng: random.Random, model: Model
) -> dict[str, Any]:
    name = f"{rng.choice(WORDS)} {rng.choice(WORDS)} {rng.choice(SUFFIXES)} {i}"
    slug = name.split()[0].lower()
    return {
        **base,
        **system_values(now, rng),
        "name": name,
        "account_type": rng.choice(model.fields["account_type"].options),
        "industry": rng.choice(model.fields["industry"].options),
        "email1": f"info{i}@{slug}.example.com",
        "phone_office": f"+1 555 {i % 10000:04d}",
        "billing_address_city": rng.choice(CITIES),
        "billing_address_country": rng.choice(COUNTRIES),
        "employees": rng.randrange(1, 5000),
    }


def contact_row(
    i: int,
    last: str,
    account_id: str,
    base: dict[str, Any],
    now: datetime,
    rng: random.Random,
    model: Model,
) -> dict[str, Any]:
    first = rng.choice(FIRST_NAMES)
    return {
        **base,
        **system_values(now, rng),
        "salutation": rng.choice(model.fields["salutation"].options),
        "first_name": first,
        "last_name": last,
        "title": rng.choice(TITLES),
        "email1": f"{first.lower()}.{last.lower()}{i}@example.com",
        "phone_work": f"+1 555 {i % 1000000:06d}",
        "primary_address_city": rng.choice(CITIES),
        "primary_address_country": rng.choice(COUNTRIES),
        "lead_source": rng.choice(model.fields["lead_source"].options),
        "primary_account_id": account_id,
    }


@contextmanager
def bulk_connection(db: Database) -> Iterator[Connection]:
    """One connection for the whole load; on SQLite without fsync (restored afterwards)."""
    with db.engine.connect() as conn:
        raw = conn.connection.driver_connection  # pragmas outside any transaction
        if db.is_sqlite:
            raw.execute("PRAGMA synchronous=OFF")
            raw.execute("PRAGMA cache_size=-400000")  # 400 MB for index upkeep
        try:
            yield conn.execution_options(amity_write=True)
        finally:
            if db.is_sqlite:
                raw.execute(f"PRAGMA synchronous={db.settings.sqlite_synchronous}")
                raw.execute("PRAGMA cache_size=-2000")
                raw.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    db.engine.dispose()  # no pooled connection keeps the bulk settings


def load_accounts(
    db: Database, conn: Connection, n: int, batch: int, rng: random.Random
) -> list[str]:
    model = db.registry.model("Account")
    table = db.tables.model(model)
    base, now, ids = defaults(model), utcnow(), []
    for start in range(0, n, batch):
        rows = [account_row(i, base, now, rng, model) for i in range(start, min(n, start + batch))]
        ids += [r["id"] for r in rows]
        with conn.begin():
            conn.execute(sa.insert(table), rows)
    return ids


def load_contacts(
    db: Database,
    conn: Connection,
    n: int,
    batch: int,
    account_ids: list[str],
    rng: random.Random,
    progress: bool,
) -> tuple[Counter[str], int]:
    """Contacts, each with a primary account and its join row; every 10th gets a second
    account. Returns the last-name tally and the number of join rows."""
    model = db.registry.model("Contact")
    table = db.tables.model(model)
    joins = db.tables.joins["accounts_contacts"]
    base, now = defaults(model), utcnow()
    pool = last_name_pool()
    tally: Counter[str] = Counter()
    links = 0
    started = time.monotonic()
    for start in range(0, n, batch):
        rows, link_rows = [], []
        for i in range(start, min(n, start + batch)):
            if i % BLOCK == 0:
                block = pool[:]
                rng.shuffle(block)
            last = block[i % BLOCK]
            tally[last] += 1
            account_ids_of = [rng.choice(account_ids)]
            if i % 10 == 0:
                other = rng.choice(account_ids)
                if other != account_ids_of[0]:
                    account_ids_of.append(other)
            row = contact_row(i, last, account_ids_of[0], base, now, rng, model)
            rows.append(row)
            link_rows += [
                {
                    "id": new_id(),
                    "account_id": a,
                    "contact_id": row["id"],
                    "date_modified": row["date_entered"],
                }
                for a in account_ids_of
            ]
        with conn.begin():
            conn.execute(sa.insert(table), rows)
            conn.execute(sa.insert(joins), link_rows)
        links += len(link_rows)
        done = start + len(rows)
        if progress and (done % (batch * 10) == 0 or done == n):
            rate = done / (time.monotonic() - started)
            print(f"  {done:,} contacts ({rate:,.0f}/s)", file=sys.stderr, flush=True)
    return tally, links


def reset_database(url: str, services: Services) -> None:
    """Start from an empty database: remove the SQLite file, or drop Amity's tables."""
    if url.startswith("sqlite"):
        path = Path(url.split("///", 1)[1])
        services.close()
        for suffix in ("", "-wal", "-shm"):
            Path(f"{path}{suffix}").unlink(missing_ok=True)
        return
    services.db.tables.metadata.drop_all(services.db.engine)


def count_prefix(db: Database, conn: Connection, prefix: str) -> int:
    """Live contacts whose last name starts with `prefix`, through the records' own SQL."""
    builder = QueryBuilder(db.registry, db.tables)
    return builder.count_rows(
        conn, db.registry.model("Contact"), conditions=[Prefix(("last_name",), prefix)]
    )


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--contacts", type=int, default=1_000_000)
    parser.add_argument("--database-url", default=os.environ.get("AMITY_DATABASE_URL"))
    parser.add_argument("--batch", type=int, default=10_000, help="rows per transaction")
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument(
        "--reset", action="store_true", help="empty the database first (deletes the SQLite file)"
    )
    parser.add_argument("--admin-password", default="bench-admin-password")
    parser.add_argument("--quiet", action="store_true")
    args = parser.parse_args(argv)
    if not args.database_url:
        parser.error("give --database-url or set AMITY_DATABASE_URL")
    if args.database_url.startswith("sqlite:///"):
        Path(args.database_url.split("///", 1)[1]).parent.mkdir(parents=True, exist_ok=True)
    settings = Settings.from_env(database_url=args.database_url, log_level="WARNING")
    services = build_services(settings)
    if args.reset:
        reset_database(args.database_url, services)
        services = build_services(settings)
    db = services.db
    migrate(db)
    with db.read() as conn:
        have = conn.execute(
            sa.select(sa.func.count()).select_from(db.tables.models["Contact"])
        ).scalar_one()
    if have:
        parser.error(f"the database already holds {have:,} contacts; use --reset")
    rng = random.Random(args.seed)
    t0 = time.monotonic()
    n_accounts = max(1, args.contacts // 20)
    with bulk_connection(db) as conn:
        account_ids = load_accounts(db, conn, n_accounts, args.batch, rng)
        t1 = time.monotonic()
        tally, links = load_contacts(
            db, conn, args.contacts, args.batch, account_ids, rng, not args.quiet
        )
        t2 = time.monotonic()
        with conn.begin():
            counts = {m: recount(db, conn, m) for m in ("Account", "Contact")}
    if db.dialect == "postgresql":
        with db.engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
            conn.exec_driver_sql("VACUUM ANALYZE")
    else:
        with db.engine.connect() as conn:
            conn.exec_driver_sql("ANALYZE")
            conn.commit()  # else the statistics roll back with the connection
    t3 = time.monotonic()
    init_admin(services, "admin", args.admin_password)
    _, token = services.auth.create_token("admin", "bench")
    print(f"accounts: {counts['Account']:,} in {t1 - t0:.1f}s")
    print(f"contacts: {counts['Contact']:,} and {links:,} account links in {t2 - t1:.1f}s")
    print(f"counts and ANALYZE: {t3 - t2:.1f}s; total {t3 - t0:.1f}s")
    pool = last_name_pool()
    with db.read() as conn:
        for label, prefix in (("selective", SELECTIVE_PREFIX), ("broad", BROAD_PREFIX)):
            expected = expected_matches(args.contacts, prefix, pool)
            tallied = sum(n for name, n in tally.items() if name.startswith(prefix))
            stored = count_prefix(db, conn, prefix)
            assert expected == tallied == stored, (prefix, expected, tallied, stored)
            print(f"{label} prefix: {prefix} matches {stored:,} of {args.contacts:,} contacts")
    print(f"admin password: {args.admin_password}")
    print(f"token: {token}")
    services.close()
    return 0


if __name__ == "__main__":
    sys.exit(main())
