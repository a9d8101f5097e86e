"""Summarise a `py-spy record --format raw` profile of an amity server by component.

    .venv/bin/py-spy record --pid PID --duration 10 --rate 200 --format raw -o get.txt
    .venv/bin/python bench/spy_summary.py get.txt --requests 24000

Each sample's innermost frame decides its component (self time): the database driver
(C calls show up as the Python line that made them), SQLAlchemy, the connection pool,
Amity's own modules, Starlette, uvicorn, the rest. A second table gives inclusive shares
of a few functions. With --requests (how many requests wrk completed while py-spy ran)
the shares are also given in microseconds per request.
"""

from __future__ import annotations

import argparse
import re
import sys
from collections import Counter
from pathlib import Path

FRAME = re.compile(r"^(?P<func>.+) \((?P<file>[^:]+):(?P<line>\d+)\)$")

# (component, file fragment, function or None): the first rule matching the innermost
# frame that matches any rule wins.
SELF_RULES: list[tuple[str, str, str | None]] = [
    ("DB driver: cursor.execute/fetch (raw path, store/engine.py)", "amity/store/engine.py", None),
    ("DB driver: cursor.execute/fetch (SQLAlchemy)", "sqlalchemy/engine/default.py", "do_execute"),
    ("DB driver: cursor.execute/fetch (SQLAlchemy)", "sqlalchemy/engine/cursor.py", None),
    ("DB driver: commit", "sqlalchemy/engine/default.py", "do_commit"),
    ("DB driver: psycopg", "psycopg/", None),
    ("SQLAlchemy pool (checkout/return/reset)", "sqlalchemy/pool/", None),
    ("SQLAlchemy Core (build, cache key, compile, execute, rows)", "sqlalchemy/", None),
    ("amity: render (core/fields.py)", "amity/core/fields.py", None),
    ("amity: auth", "amity/core/auth/", None),
    ("amity: query builder (store/query.py)", "amity/store/query.py", None),
    ("amity: filters/validate", "amity/core/filters.py", None),
    ("amity: filters/validate", "amity/core/validate.py", None),
    ("amity: params", "amity/api/params.py", None),
    ("amity: JSON (orjson)", "amity/api/responses.py", None),
    ("amity: group commit (store/batch.py)", "amity/store/batch.py", None),
    ("amity: other", "amity/", None),
    ("Starlette", "starlette/", None),
    ("uvicorn (HTTP protocol)", "uvicorn/", None),
    ("asyncio / stdlib", "asyncio/", None),
]
INCLUSIVE: list[tuple[str, str, str]] = [
    ("uvicorn protocol + ASGI cycle (everything)", "uvicorn/", "run_asgi"),
    (
        "token authentication (AuthService.authenticate)",
        "amity/core/auth/service.py",
        "authenticate",
    ),
    ("Records.get", "amity/core/records.py", "get"),
    ("Records.list_records", "amity/core/records.py", "list_records"),
    ("Records.create", "amity/core/records.py", "create"),
    ("QueryBuilder.select_rows", "amity/store/query.py", "select_rows"),
    ("QueryBuilder.count_rows", "amity/store/query.py", "count_rows"),
    ("QueryBuilder.select_by_id", "amity/store/query.py", "select_by_id"),
    ("fields.render", "amity/core/fields.py", "render"),
    ("Database.fetch", "amity/store/engine.py", "fetch"),
    ("SQLAlchemy Connection.execute", "sqlalchemy/engine/base.py", "execute"),
    ("group commit (GroupCommitter._commit)", "amity/store/batch.py", "_commit"),
    ("JSON render", "amity/api/responses.py", "render"),
]


def parse(path: Path) -> list[tuple[list[tuple[str, str]], int]]:
    """(frames outermost first as (function, file), count) per distinct stack."""
    out = []
    for line in path.read_text().splitlines():
        stack, _, count = line.rpartition(" ")
        frames = []
        for part in stack.split(";"):
            m = FRAME.match(part.strip())
            if m:
                func = m["func"].rsplit(".", 1)[-1]
                frames.append((func, m["file"]))
        out.append((frames, int(count)))
    return out


def component(frames: list[tuple[str, str]]) -> str:
    for func, file in reversed(frames):
        for label, fragment, name in SELF_RULES:
            if fragment in file and (name is None or func == name):
                return label
    return "other"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("profile", type=Path)
    parser.add_argument("--requests", type=int, help="requests served while sampling")
    parser.add_argument("--rate", type=int, default=200, help="py-spy samples per second")
    args = parser.parse_args(argv)
    stacks = parse(args.profile)
    total = sum(n for _, n in stacks)
    per_req = (1e6 / args.rate / args.requests) if args.requests else None
    selfs: Counter[str] = Counter()
    incl: Counter[str] = Counter()
    for frames, n in stacks:
        selfs[component(frames)] += n
        for label, fragment, name in INCLUSIVE:
            if any(fragment in file and func == name for func, file in frames):
                incl[label] += n

    def row(label: str, n: int) -> str:
        us = f"{n * per_req:>8.0f}" if per_req else ""
        return f"{label:62}{n / total:>6.0%}{us}"

    unit = "   us/req" if per_req else ""
    print(f"{total} samples (busy CPU time only)\n\nself time by component{'':38}share{unit}")
    for label, n in selfs.most_common():
        print(row(label, n))
    print(f"\ninclusive{'':53}share{unit}")
    for label, _f, _n in INCLUSIVE:
        if incl[label]:
            print(row(label, incl[label]))
    return 0


if __name__ == "__main__":
    sys.exit(main())
