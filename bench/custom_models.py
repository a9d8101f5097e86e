"""What a custom model costs: defining one, and serving it next to a built-in model.

    .venv/bin/python bench/custom_models.py                      # a fresh SQLite file
    .venv/bin/python bench/custom_models.py --database-url postgresql://postgres@127.0.0.1:5432/amity_bench_cm

On an empty database (SQLite in a temporary folder unless --database-url names another;
a PostgreSQL database is emptied first), defines DEFINITIONS custom models with fields and
links and prints the median time of one definition (CREATE TABLE, indexes, join table,
definition rows, the rebuild of this process's metadata). Then loads --records accounts
with as many opportunities (built-in) and records of a custom model shaped like them
(typed fields and a many_to_one link to Account), and calls the real ASGI app in-process
(as profile_app.py does) --requests times per scenario: GET by id, a list of 20 ordered by
name, a list filtered by the account link, and a create. The two models' requests
alternate, so both meet the same machine. Prints the median time per request for the
built-in Opportunity and the custom Subscription, and their ratio (1.00: the custom model
costs the same). Before the requests, it times adding a Number field to the loaded
accounts, plain and with auto_number (which numbers every account as it is added).
"""

from __future__ import annotations

import argparse
import asyncio
import random
import statistics
import sys
import tempfile
import time
from typing import Any

import orjson
import sqlalchemy as sa
from profile_app import call, http_scope  # type: ignore[import-not-found]

from amity.app import create_app
from amity.cli import init_admin
from amity.config import Settings
from amity.core.actor import SYSTEM
from amity.core.services import Services, build_services
from amity.store.migrate import migrate

DEFINITIONS = 7
FIELD_ADDS = 3
SUBSCRIPTION = {
    "name": "Subscription",
    "fields": [
        {"name": "plan", "type": "Select", "options": ["Basic", "Pro"]},
        {"name": "seats", "type": "Number", "indexed": True},
        {"name": "renews_on", "type": "Date"},
        {"name": "price", "type": "Numeric"},
    ],
    "links": [{"name": "account", "kind": "many_to_one", "target": "Account"}],
}


def empty(url: str) -> None:
    engine = sa.create_engine(url)
    with engine.begin() as conn:
        names = sa.inspect(conn).get_table_names()
        if names:
            conn.exec_driver_sql("DROP TABLE " + ", ".join(f'"{n}"' for n in names) + " CASCADE")
    engine.dispose()


def time_definitions(services: Services) -> float:
    """Median seconds of one model definition with a field, a ref and a join table."""
    took = []
    for n in range(DEFINITIONS):
        start = time.perf_counter()
        services.models.create(
            SYSTEM,
            {
                "name": f"Bench{n}",
                "fields": [{"name": "score", "type": "Number"}],
                "links": [
                    {
                        "name": "account",
                        "kind": "many_to_one",
                        "target": "Account",
                        "reverse": f"bench{n}s",
                    },
                    {
                        "name": "contacts",
                        "kind": "many_to_many",
                        "target": "Contact",
                        "reverse": f"bench{n}s",
                    },
                ],
            },
        )
        took.append(time.perf_counter() - start)
    return statistics.median(took)


def time_field_adds(services: Services) -> tuple[float, float]:
    """Median seconds to add a Number field to Account, plain and with auto_number (which
    numbers every existing account in the same transaction), alternating."""
    plain, numbered = [], []
    for n in range(FIELD_ADDS):
        for times, extra in ((plain, {}), (numbered, {"auto_number": True})):
            start = time.perf_counter()
            services.fields.add(
                SYSTEM, "Account", {"name": f"bench_{len(extra)}_{n}_c", "type": "Number", **extra}
            )
            times.append(time.perf_counter() - start)
    return statistics.median(plain), statistics.median(numbered)


def load(services: Services, records: int) -> dict[str, list[str]]:
    """Ids of the accounts, opportunities and subscriptions made."""
    rng = random.Random(1)
    made: dict[str, list[str]] = {"Account": [], "Opportunity": [], "Subscription": []}
    for i in range(records):
        made["Account"].append(
            services.records.create(SYSTEM, "Account", {"name": f"Account {i:06d}"})
        )
        account = rng.choice(made["Account"])
        made["Opportunity"].append(
            services.records.create(
                SYSTEM,
                "Opportunity",
                {
                    "name": f"Deal {i:06d}",
                    "date_closed": "2027-06-30",
                    "amount": "99.90",
                    "sales_stage": "Prospecting",
                    "account_id": account,
                },
            )
        )
        made["Subscription"].append(
            services.records.create(
                SYSTEM,
                "Subscription",
                {
                    "name": f"Subscription {i:06d}",
                    "plan": rng.choice([1, 2]),
                    "seats": rng.randint(1, 500),
                    "renews_on": "2027-06-30",
                    "price": "99.900",
                    "account_id": account,
                },
            )
        )
    return made


def scenarios(
    model: str, ids: list[str], accounts: list[str], token: str, n: int
) -> dict[str, list[tuple[dict[str, Any], bytes]]]:
    rng = random.Random(2)
    base = f"/api.php/data/{model}"
    data: dict[str, Any] = {"name": "Bench create", "account_id": accounts[0]}
    if model == "Opportunity":
        data |= {"date_closed": "2027-06-30", "sales_stage": "Prospecting"}
    create = orjson.dumps({"data": data})
    return {
        "GET by id": [http_scope("GET", f"{base}/{rng.choice(ids)}", "", token) for _ in range(n)],
        "list of 20 by name": [http_scope("GET", base, "order=name&limit=20", token)] * n,
        "list by account": [
            http_scope(
                "GET", base, f"filters%5Baccount_id%5D={rng.choice(accounts)}&limit=20", token
            )
            for _ in range(n)
        ],
        "create": [http_scope("POST", base, "", token, create)] * n,
    }


async def alternating_medians(
    app: Any, a: list[tuple[dict[str, Any], bytes]], b: list[tuple[dict[str, Any], bytes]]
) -> tuple[float, float]:
    """Median seconds per request of `a` and of `b`, sent one of each in turn."""
    took: tuple[list[float], list[float]] = ([], [])
    for pair in zip(a, b, strict=True):
        for side, (request_scope, body) in enumerate(pair):
            start = time.perf_counter()
            status = await call(app, request_scope, body)
            took[side].append(time.perf_counter() - start)
            if status != 200:
                raise SystemExit(f"status {status} for {request_scope['path']}")
    return statistics.median(took[0]), statistics.median(took[1])


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--database-url")
    parser.add_argument("--records", type=int, default=5000)
    parser.add_argument("--requests", type=int, default=2000)
    args = parser.parse_args(argv)
    url = args.database_url or f"sqlite:///{tempfile.mkdtemp()}/custom_models.db"
    if url.startswith("postgresql"):
        empty(url)
    settings = Settings(
        database_url=url, log_level="WARNING", rate_limit="", rate_limit_anonymous="", api_log=False
    )
    services = build_services(settings)
    migrate(services.db)
    init_admin(services, "admin", "bench-password")
    _, token = services.auth.create_token("admin", "bench")
    print(
        f"database: {services.db.dialect}; {args.records} records per model, "
        f"{args.requests} requests per scenario"
    )
    print(
        f"define a model (table, field, ref, join table): median "
        f"{time_definitions(services) * 1000:.1f} ms over {DEFINITIONS}"
    )
    services.models.create(SYSTEM, SUBSCRIPTION)
    made = load(services, args.records)
    plain, numbered = time_field_adds(services)
    print(
        f"add a Number field to {args.records} accounts: median {plain * 1000:.1f} ms; "
        f"with auto_number (numbers them all) {numbered * 1000:.1f} ms"
    )
    app = create_app(settings, services)
    print(f"{'scenario':<22}{'Opportunity µs':>15}{'Subscription µs':>17}{'ratio':>8}")
    built_in = scenarios("Opportunity", made["Opportunity"], made["Account"], token, args.requests)
    custom = scenarios("Subscription", made["Subscription"], made["Account"], token, args.requests)
    for name in built_in:
        a, c = asyncio.run(alternating_medians(app, built_in[name], custom[name]))
        print(f"{name:<22}{a * 1e6:>15.0f}{c * 1e6:>17.0f}{c / a:>8.2f}")
    services.close()
    return 0


if __name__ == "__main__":
    sys.exit(main())
