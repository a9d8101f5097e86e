"""What hiding the names of unreadable refs costs a list (docs/api.md "Access control").

    .venv/bin/python bench/ref_names.py                      # a fresh SQLite file
    .venv/bin/python bench/ref_names.py --database-url postgresql://postgres@127.0.0.1:5432/amity_bench_refs

On an empty database (SQLite in a temporary folder unless --database-url names another;
a PostgreSQL database is emptied first) loads --contacts contacts assigned to a user of
role `owned` (every right `owned` on `*`), each with a primary account, half of which
belong to another user. Lists 200 of them with their primary_account through the records
service, --repeat times each way, alternating: as that user with the names checked, and
as that user with the check switched off (the cost before it existed). Prints the median
time per list and the ratio.
"""

from __future__ import annotations

import argparse
import statistics
import sys
import tempfile
import time
from typing import Any

from custom_models import empty  # type: ignore[import-not-found]

from amity.cli import init_admin
from amity.config import Settings
from amity.core.actor import SYSTEM, Actor
from amity.core.records import ListQuery, Records
from amity.core.services import build_services
from amity.store.migrate import migrate

OWNED = {"*": {"access": True, "read": "owned", "edit": "owned", "delete": "owned"}}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--database-url")
    parser.add_argument("--contacts", type=int, default=2000)
    parser.add_argument("--repeat", type=int, default=200)
    args = parser.parse_args(argv)
    url = args.database_url or f"sqlite:///{tempfile.mkdtemp()}/ref_names.db"
    if url.startswith("postgresql"):
        empty(url)
    services = build_services(Settings(database_url=url, log_level="WARNING", api_log=False))
    migrate(services.db)
    init_admin(services, "admin", "bench-password-long")
    owner = services.auth.add_user(SYSTEM, "owner", None)
    other = services.auth.add_user(SYSTEM, "other", None)
    services.acl.add_role(SYSTEM, "owned", rights=OWNED)
    services.acl.assign_role(SYSTEM, "owned", ["owner"])
    records = services.records
    accounts = [
        records.create_many(
            SYSTEM,
            "Account",
            [
                {"name": f"Account {i}", "assigned_user_id": owner if i % 2 else other}
                for i in range(100)
            ],
        )
    ]
    records.create_many(
        SYSTEM,
        "Contact",
        [
            {
                "last_name": f"Contact {i}",
                "assigned_user_id": owner,
                "primary_account_id": accounts[0][i % 100],
            }
            for i in range(args.contacts)
        ],
    )
    actor = Actor(user_id=owner, user_name="owner")
    q = ListQuery(fields=["last_name", "primary_account"], limit=200)
    checked, unchecked = [], []
    hide = records.hide_names
    for _ in range(args.repeat):
        checked.append(timed(records, actor, q))
        records.hide_names = lambda *a: None  # type: ignore[method-assign]
        unchecked.append(timed(records, actor, q))
        records.hide_names = hide  # type: ignore[method-assign]
    with_check, without = statistics.median(checked), statistics.median(unchecked)
    print(
        f"database: {services.db.dialect}; {args.contacts} contacts, lists of 200, "
        f"{args.repeat} each way"
    )
    print(
        f"names checked: median {with_check * 1000:.2f} ms; not checked: "
        f"{without * 1000:.2f} ms; ratio {with_check / without:.2f}"
    )
    services.close()
    return 0


def timed(records: Records, actor: Actor, q: ListQuery) -> float:
    start = time.perf_counter()
    page: Any = records.list_records(actor, "Contact", q)
    elapsed = time.perf_counter() - start
    assert len(page.records) == 200
    return elapsed


if __name__ == "__main__":
    sys.exit(main())
