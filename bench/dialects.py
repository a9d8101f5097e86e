"""What a dialect costs next to the 1CRM API: the same reads through each, in one run.

    .venv/bin/python bench/dialects.py                       # fresh SQLite, 10,000 contacts
    .venv/bin/python bench/dialects.py --database-url sqlite:///bench/data/bench100k.db

Starts one `amity serve --workers 1` on 127.0.0.1 (on a fresh SQLite database of
`--contacts` contacts made by generate.py in a temporary directory, unless
`--database-url` names one) and drives it with wrk (load.py's runner): GET of a contact by
id (random ids) and a list of 20 contacts, through each dialect in turn, `--rounds` times
(the dialects alternate within a round, so the machine's noise falls on all of them).
Prints the median requests/s of each dialect and scenario and its ratio to 1CRM's.

A dialect is one row of DIALECTS: how its GET by id and its list of 20 are addressed
(built from a contact's id or number and the admin's credentials) and which headers it
sends.
"""

from __future__ import annotations

import argparse
import os
import shutil
import signal
import statistics
import subprocess
import sys
import tempfile
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

import httpx
import load

from amity.config import Settings
from amity.core.services import build_services

BENCH = Path(__file__).resolve().parent
ROOT = BENCH.parent
IDS = 2_000  # random live ids the GET scenario picks from


@dataclass(frozen=True)
class Credentials:
    """The admin's credential in each dialect."""

    token: str  # a personal access token (1CRM, App CRM)
    vtiger_token: str  # a RestfulApi login token
    api_key: str  # OpenCRM's key pair
    pass_key: str


@dataclass(frozen=True)
class Contact:
    id: str
    number: int  # its integer id in the dialects that speak them (Vtiger, OpenCRM)


@dataclass(frozen=True)
class Wire:
    """How one dialect reads contacts: path builders and the request headers."""

    name: str
    by_id: Callable[[Contact, Credentials], str]  # the path of one contact's GET
    list_of_20: Callable[[Credentials], str]  # the path of a list of 20 contacts
    headers: Callable[[Credentials], dict[str, str]] = field(
        default=lambda creds: {"Authorization": f"Bearer {creds.token}"}
    )
    rows: str = "records"  # the key of a list's rows in its answer


def bearer_json(creds: Credentials) -> dict[str, str]:
    return {"Authorization": f"Bearer {creds.token}", "Accept": "application/json"}


def key_headers(creds: Credentials) -> dict[str, str]:
    return {"KEY1": creds.api_key, "KEY2": creds.pass_key}


VTIGER = "/modules/RestfulApi/Contacts"
DIALECTS: list[Wire] = [
    Wire(
        "1CRM",
        lambda c, creds: f"/api.php/data/Contact/{c.id}",
        lambda creds: "/api.php/data/Contact?limit=20",
    ),
    Wire(
        "App CRM",
        lambda c, creds: f"/api/contacts/{c.id}",
        lambda creds: "/api/contacts?per_page=20",
        bearer_json,
        rows="data",
    ),
    Wire(
        "Vtiger",
        lambda c, creds: f"{VTIGER}/{c.number}/{creds.vtiger_token}",
        lambda creds: f"{VTIGER}/length/20/{creds.vtiger_token}",
        lambda creds: {},
        rows="result",
    ),
    Wire(
        "OpenCRM",
        lambda c, creds: f"/api/rest/get_contact?contactid={c.number}",
        lambda creds: "/api/rest/get_contact_list?limit=20",
        key_headers,
        rows="data",
    ),
]
BASELINE = DIALECTS[0].name

# wrk scripts: the headers, then (by id) a random id of the file per request
HEADERS_LUA = 'wrk.headers["%s"] = "%s"\n'
BY_ID_LUA = """
local ids = {}
for line in io.lines("%(ids)s") do ids[#ids + 1] = line end
math.randomseed(os.time())
request = function()
  return wrk.format("GET", ids[math.random(#ids)])
end
"""


@dataclass
class Case:
    """One scenario of one dialect: its wrk script and a path to check first."""

    dialect: str
    scenario: str
    script: Path
    sample: str
    headers: dict[str, str]
    rows: str


def cases(work: Path, creds: Credentials, contacts: list[Contact]) -> list[Case]:
    """Each dialect's GET by id and list of 20, with their wrk scripts written to work."""
    made = []
    for n, wire in enumerate(DIALECTS):
        headers = wire.headers(creds)
        head = "".join(HEADERS_LUA % item for item in headers.items())
        paths = work / f"paths-{n}.txt"
        paths.write_text("".join(wire.by_id(c, creds) + "\n" for c in contacts))
        by_id = work / f"by-id-{n}.lua"
        by_id.write_text(head + BY_ID_LUA % {"ids": paths} + load.DONE_LUA)
        listing = work / f"list-{n}.lua"
        listing.write_text(head + load.DONE_LUA)  # the path is the URL wrk is given
        sample = wire.by_id(contacts[0], creds)
        made.append(Case(wire.name, "GET by id", by_id, sample, headers, wire.rows))
        made.append(
            Case(wire.name, "list of 20", listing, wire.list_of_20(creds), headers, wire.rows)
        )
    return made


def check(base: str, case: Case) -> None:
    """One request through httpx first: it must answer 200 with a record or 20."""
    resp = httpx.get(base + case.sample, headers=case.headers, timeout=30)
    if resp.status_code != 200:
        raise SystemExit(f"{case.dialect} {case.scenario}: {resp.status_code} {resp.text[:300]}")
    body = resp.json()
    if case.scenario == "list of 20":
        rows = body.get(case.rows)
        if not isinstance(rows, list) or len(rows) != 20:
            raise SystemExit(f"{case.dialect} list: not 20 records: {resp.text[:300]}")


def credentials(url: str) -> tuple[Credentials, list[Contact]]:
    """The admin's credential in every dialect, and IDS random contacts with their
    integer numbers (given now, so the run measures reads only)."""
    token, ids = load.sample_ids(url, IDS)
    services = build_services(Settings.from_env(database_url=url, log_level="WARNING"))
    try:
        admin = services.auth.user_by_name("admin")["id"]
        api_key, pass_key = services.api_keys.create(admin)
        creds = Credentials(token, services.vtiger_tokens.issue(admin), api_key, pass_key)
        numbers = services.record_numbers.numbers("Contact", ids)
    finally:
        services.close()
    return creds, [Contact(id_, numbers[id_]) for id_ in ids]


def fresh_database(work: Path, contacts: int) -> str:
    """A new SQLite database of `contacts` contacts (generate.py)."""
    url = f"sqlite:///{work / 'dialects.db'}"
    subprocess.run(
        [
            sys.executable,
            str(BENCH / "generate.py"),
            "--contacts",
            str(contacts),
            "--database-url",
            url,
            "--reset",
            "--quiet",
        ],
        check=True,
        cwd=ROOT,
        stdout=subprocess.DEVNULL,  # its summary (and the token of a database thrown away)
    )
    return url


def measure(args: argparse.Namespace) -> dict[tuple[str, str], list[float]]:
    """Requests/s of each (dialect, scenario), one figure per round."""
    work = Path(tempfile.mkdtemp(prefix="amity-dialects-"))
    rates: dict[tuple[str, str], list[float]] = {}
    try:
        url = args.database_url or fresh_database(work, args.contacts)
        creds, contacts = credentials(url)
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
        with load.server(cmd, env, port, logs / "dialects-serve.log"):
            runs = cases(work, creds, contacts)
            for case in runs:
                check(base, case)
            for round_ in range(1, args.rounds + 1):
                for case in runs:
                    target = base + case.sample
                    if args.warmup > 0:
                        load.run_wrk(target, case.script, args.warmup, args.connections, wrk_cpu)
                    raw = load.run_wrk(
                        target, case.script, args.duration, args.connections, wrk_cpu
                    )
                    errors = raw["status_errors"] + raw["socket_errors"]
                    if errors:
                        raise SystemExit(f"{case.dialect} {case.scenario}: {errors} errors")
                    rate = raw["requests"] / raw["duration_us"] * 1e6
                    rates.setdefault((case.dialect, case.scenario), []).append(rate)
                    print(
                        f"  round {round_}: {case.dialect} {case.scenario}: {rate:,.0f}/s "
                        f"p50 {raw['p50_us'] / 1000:.2f} ms",
                        file=sys.stderr,
                        flush=True,
                    )
    finally:
        shutil.rmtree(work, ignore_errors=True)
    return rates


def print_table(rates: dict[tuple[str, str], list[float]], args: argparse.Namespace) -> None:
    print(
        f"\none amity serve worker, wrk -t1 -c{args.connections} -d{args.duration}s per "
        f"scenario, median of {args.rounds} rounds; "
        f"{'unpinned' if args.no_pin else 'server on CPU 0, wrk on CPU 1'}"
    )
    print(f"| dialect | scenario | req/s (median) | rounds | vs {BASELINE} |")
    print("|---|---|--:|---|--:|")
    for (dialect, scenario), figures in rates.items():
        median = statistics.median(figures)
        base = statistics.median(rates[(BASELINE, scenario)])
        each = ", ".join(f"{f:,.0f}" for f in figures)
        print(f"| {dialect} | {scenario} | {median:,.0f} | {each} | {median / base:.2f} |")


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument(
        "--database-url",
        default=os.environ.get("AMITY_DATABASE_URL"),
        help="an existing bench database (generate.py); default: a fresh SQLite one",
    )
    parser.add_argument(
        "--contacts",
        type=int,
        default=10_000,
        help="contacts of the fresh database (a multiple of 10,000, as generate.py checks)",
    )
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--duration", type=int, default=5, help="seconds per scenario")
    parser.add_argument("--warmup", type=int, default=1, help="seconds before each")
    parser.add_argument("--connections", type=int, default=4, help="wrk connections")
    parser.add_argument("--no-pin", action="store_true", help="do not pin CPUs")
    args = parser.parse_args(argv)
    if args.contacts <= 0 or args.contacts % 10_000:
        parser.error("--contacts must be a multiple of 10,000")
    if shutil.which("wrk") is None:
        parser.error("wrk is needed: apt-get install -y wrk")
    return args


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(143))  # stop the server on kill
    print_table(measure(args), args)
    return 0


if __name__ == "__main__":
    sys.exit(main())
