"""How fast the dashboard renders its pages, next to the API's answers of the same data.

    .venv/bin/python bench/web_pages.py                      # fresh SQLite, 10,000 contacts
    .venv/bin/python bench/web_pages.py --database-url sqlite:///bench/data/bench.db

Starts one `amity serve --workers 1` (pinned to CPU 0, wrk to CPU 1; on a fresh SQLite
database of `--contacts` contacts made by generate.py, unless `--database-url` names one),
signs a bench admin in to the dashboard (a session cookie, as a browser holds it) and
drives it with wrk (load.py's runner), one connection (latency without queueing) per
scenario, `--rounds` times, alternating:

- API list: `GET /api.php/data/Contact?order=last_name&limit=20` (with total_results);
- page list: `GET /app/Contact?order=last_name` (20 rows of the list layout, the count,
  filters, paging);
- page search: `GET /app/Contact?filter_text=Quin&order=last_name` (the selective prefix);
- API GET by id and page detail `GET /app/Contact/{id}` (random ids).

Prints the median p50 and p99 latency and requests/s of each; the target (issue 17) is a
p50 under 20 ms for list and detail pages at 1,000,000 contacts.
"""

from __future__ import annotations

import argparse
import os
import secrets
import shutil
import signal
import statistics
import sys
import tempfile
from dataclasses import dataclass
from pathlib import Path

import dialects
import httpx
import load

from amity.config import Settings
from amity.core.actor import CLI
from amity.core.services import build_services

BENCH = Path(__file__).resolve().parent
ROOT = BENCH.parent
IDS = 2_000
BENCH_USER = "bench-web"
TARGET_MS = 20.0


@dataclass(frozen=True)
class Page:
    name: str
    script: Path
    sample: str  # a path to check first (and, for lists, the URL wrk is given)


def sign_in(url: str) -> tuple[str, str, list[str]]:
    """A personal access token, a dashboard session cookie of an admin, random ids."""
    token, ids = load.sample_ids(url, IDS)
    services = build_services(Settings.from_env(database_url=url, log_level="WARNING"))
    try:
        password = secrets.token_urlsafe(18)
        existing = {u["user_name"] for u in services.auth.list_users()}
        if BENCH_USER in existing:
            user = services.auth.user_by_name(BENCH_USER)
            services.auth.set_password(user["id"], password)
        else:
            services.auth.add_user(CLI, BENCH_USER, password, admin=True, last_name="Bench")
        cookie = services.sessions.start(BENCH_USER, password).secret
    finally:
        services.close()
    return token, cookie, ids


def pages(work: Path, token: str, cookie: str, ids: list[str]) -> list[Page]:
    api = dialects.HEADERS_LUA % ("Authorization", f"Bearer {token}")
    web = dialects.HEADERS_LUA % ("Cookie", f"amity_app={cookie}")
    made = []
    for name, head, prefix in (
        ("API GET by id", api, "/api.php/data/Contact/"),
        ("page detail", web, "/app/Contact/"),
    ):
        paths = work / f"{name.replace(' ', '-')}.txt"
        paths.write_text("".join(f"{prefix}{id_}\n" for id_ in ids))
        script = work / f"{name.replace(' ', '-')}.lua"
        script.write_text(head + dialects.BY_ID_LUA % {"ids": paths} + load.DONE_LUA)
        made.append(Page(name, script, prefix + ids[0]))
    for name, head, path in (
        ("API list", api, "/api.php/data/Contact?order=last_name&limit=20"),
        ("page list", web, "/app/Contact?order=last_name"),
        ("page search", web, f"/app/Contact?filter_text={load.SELECTIVE_PREFIX}&order=last_name"),
    ):
        script = work / f"{name.replace(' ', '-')}.lua"
        script.write_text(head + load.DONE_LUA)
        made.append(Page(name, script, path))
    return made


def check(base: str, page: Page, token: str, cookie: str) -> None:
    """Each page answers 200 first (a page, not the sign-in redirect)."""
    headers = (
        {"Authorization": f"Bearer {token}"}
        if page.name.startswith("API")
        else {"Cookie": f"amity_app={cookie}"}
    )
    resp = httpx.get(base + page.sample, headers=headers, timeout=30, follow_redirects=False)
    if resp.status_code != 200:
        raise SystemExit(f"{page.name}: {resp.status_code} {resp.text[:300]}")


def measure(args: argparse.Namespace) -> dict[str, list[dict[str, float]]]:
    work = Path(tempfile.mkdtemp(prefix="amity-web-bench-"))
    figures: dict[str, list[dict[str, float]]] = {}
    try:
        url = args.database_url or dialects.fresh_database(work, args.contacts)
        token, cookie, ids = sign_in(url)
        env = {
            **os.environ,
            "AMITY_DATABASE_URL": url,
            "AMITY_LOG_LEVEL": "WARNING",
            "AMITY_RATE_LIMIT": "",
            "AMITY_RATE_LIMIT_ANONYMOUS": "",
            "AMITY_RATE_LIMIT_FAILED_AUTH": "",
        }
        port = load.free_port()
        server_cpu, wrk_cpu = (None, None) if args.no_pin else ("0", "1")
        cmd = load.pinned(
            [str(ROOT / ".venv/bin/amity"), "serve", "--port", str(port), "--workers", "1"],
            server_cpu,
        )
        logs = BENCH / "data"
        logs.mkdir(exist_ok=True)
        base = f"http://127.0.0.1:{port}"
        with load.server(cmd, env, port, logs / "web-pages-serve.log"):
            runs = pages(work, token, cookie, ids)
            for page in runs:
                check(base, page, token, cookie)
            for round_ in range(1, args.rounds + 1):
                for page in runs:
                    target = base + page.sample
                    if args.warmup > 0:
                        load.run_wrk(target, page.script, args.warmup, 1, wrk_cpu)
                    raw = load.run_wrk(target, page.script, args.duration, 1, wrk_cpu)
                    errors = raw["status_errors"] + raw["socket_errors"]
                    if errors:
                        raise SystemExit(f"{page.name}: {errors} errors")
                    if not raw["requests"]:  # slower than wrk's timeout: no figure to give
                        raise SystemExit(f"{page.name}: no answer within {args.duration} s")
                    got = {
                        "rate": raw["requests"] / raw["duration_us"] * 1e6,
                        "p50": raw["p50_us"] / 1000,
                        "p99": raw["p99_us"] / 1000,
                    }
                    figures.setdefault(page.name, []).append(got)
                    print(
                        f"  round {round_}: {page.name}: p50 {got['p50']:.2f} ms, "
                        f"{got['rate']:,.0f}/s",
                        file=sys.stderr,
                        flush=True,
                    )
    finally:
        shutil.rmtree(work, ignore_errors=True)
    return figures


def print_table(figures: dict[str, list[dict[str, float]]], args: argparse.Namespace) -> None:
    print(
        f"\none amity serve worker, wrk -t1 -c1 -d{args.duration}s per page, median of "
        f"{args.rounds} rounds; {'unpinned' if args.no_pin else 'server on CPU 0, wrk on CPU 1'}"
    )
    print(f"| scenario | p50 ms | p99 ms | req/s | target p50 < {TARGET_MS:.0f} ms |")
    print("|---|--:|--:|--:|---|")
    for name, runs in figures.items():
        p50 = statistics.median(r["p50"] for r in runs)
        p99 = statistics.median(r["p99"] for r in runs)
        rate = statistics.median(r["rate"] for r in runs)
        verdict = "" if name.startswith("API") else ("met" if p50 < TARGET_MS else "missed")
        print(f"| {name} | {p50:.2f} | {p99:.2f} | {rate:,.0f} | {verdict} |")


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument(
        "--database-url",
        default=os.environ.get("AMITY_DATABASE_URL"),
        help="an existing bench database (generate.py); default: a fresh SQLite one",
    )
    parser.add_argument("--contacts", type=int, default=10_000)
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--duration", type=int, default=5, help="seconds per page")
    parser.add_argument("--warmup", type=int, default=1, help="seconds before each")
    parser.add_argument("--no-pin", action="store_true", help="do not pin CPUs")
    args = parser.parse_args(argv)
    if args.contacts <= 0 or args.contacts % 10_000:
        parser.error("--contacts must be a multiple of 10,000")
    if shutil.which("wrk") is None:
        parser.error("wrk is needed: apt-get install -y wrk")
    return args


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(143))
    print_table(measure(args), args)
    return 0


if __name__ == "__main__":
    sys.exit(main())
