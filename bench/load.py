"""Measure a real `amity serve` against a bare Starlette endpoint, with wrk.

    .venv/bin/python bench/load.py --database-url sqlite:///bench/data/bench.db

Starts `amity serve --workers 1` on the database and `uvicorn bare_app:app` (one
worker), then runs wrk (one thread, a few keep-alive connections, fixed duration) on
127.0.0.1 for each scenario: GET by id (random ids), three lists of 20 with an order
and total_results (selective prefix, broad prefix, unfiltered), and POST create.
Prints requests/s, p50/p99 latency, the ratio to the bare endpoint and the resident
memory of the amity worker. Both servers are stopped at the end.

On a 2-core machine wrk competes with the server for the CPU; by default the servers
run on CPU 0 and wrk on CPU 1 (taskset), and PostgreSQL wherever the OS puts it.
"""

from __future__ import annotations

import argparse
import os
import re
import resource
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import quote

import httpx
import sqlalchemy as sa

from amity.config import Settings
from amity.core.services import build_services
from amity.store.migrate import recount

BENCH = Path(__file__).resolve().parent
ROOT = BENCH.parent
SELECTIVE_PREFIX = "Quin"  # as in generate.py
BROAD_PREFIX = "Ba"
LOAD_LAST_NAME = "Loadtest"  # contacts made by POST create here and by profile_app.py

DONE_LUA = """
done = function(summary, latency, requests)
  local e = summary.errors
  io.write(string.format(
    "RESULT requests=%d duration_us=%d status_errors=%d socket_errors=%d "
    .. "p50_us=%d p90_us=%d p99_us=%d max_us=%d\\n",
    summary.requests, summary.duration, e.status, e.connect + e.read + e.write + e.timeout,
    latency:percentile(50), latency:percentile(90), latency:percentile(99), latency.max))
end
"""

BY_ID_LUA = """
local ids = {}
for line in io.lines("%(ids)s") do ids[#ids + 1] = line end
math.randomseed(os.time())
wrk.headers["Authorization"] = "Bearer %(token)s"
request = function()
  return wrk.format("GET", "/api.php/data/Contact/" .. ids[math.random(#ids)])
end
"""

GET_LUA = """
wrk.headers["Authorization"] = "Bearer %(token)s"
"""

CREATE_LUA = """
local n = 0
wrk.method = "POST"
wrk.headers["Authorization"] = "Bearer %(token)s"
wrk.headers["Content-Type"] = "application/json"
request = function()
  n = n + 1
  local body = string.format(
    '{"data": {"first_name": "Load%%d", "last_name": "Loadtest", '
    .. '"email1": "load%%d@example.com", "primary_address_city": "Oslo"}}', n, n)
  return wrk.format("POST", "/api.php/data/Contact", nil, body)
end
"""


@dataclass
class Scenario:
    name: str
    path: str
    lua: str
    method: str = "GET"
    server: str = "amity"


@dataclass
class Result:
    scenario: Scenario
    rate: float
    p50_ms: float
    p99_ms: float
    errors: int
    rss_mb: float
    note: str = ""
    cpu_server: float = 0.0
    cpu_wrk: float = 0.0
    cpu_other: float = 0.0
    per_cpu_second: float = 0.0  # requests per second of server CPU time
    p50_c1_ms: float = 0.0  # latency with one connection (no queueing in the server)
    p99_c1_ms: float = 0.0
    raw: dict[str, int] = field(default_factory=dict)


def list_path(prefix: str | None) -> str:
    params = "order=last_name&limit=20"
    if prefix:
        params = f"{quote('filters[last_name]')}={prefix}&" + params
    return f"/api.php/data/Contact?{params}"


def scenarios(selected: set[str] | None) -> list[Scenario]:
    all_ = [
        Scenario(
            "bare GET",
            "/api.php/data/Contact/0190a4b2-0000-7000-8000-000000000000",
            GET_LUA,
            server="bare",
        ),
        Scenario("GET by id", "/api.php/data/Contact/", BY_ID_LUA),
        Scenario(f"list selective ({SELECTIVE_PREFIX})", list_path(SELECTIVE_PREFIX), GET_LUA),
        Scenario(f"list broad ({BROAD_PREFIX})", list_path(BROAD_PREFIX), GET_LUA),
        Scenario("list unfiltered", list_path(None), GET_LUA),
        Scenario("POST create", "/api.php/data/Contact", CREATE_LUA, method="POST"),
    ]
    keys = {"bare": 0, "get": 1, "selective": 2, "broad": 3, "unfiltered": 4, "create": 5}
    if not selected:
        return all_
    return [all_[0]] + [all_[keys[k]] for k in keys if k in selected and k != "bare"]


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def pinned(cmd: list[str], cpu: str | None) -> list[str]:
    return ["taskset", "-c", cpu, *cmd] if cpu is not None else cmd


@contextmanager
def server(cmd: list[str], env: dict[str, str], port: int, log: Path) -> Iterator[int]:
    """Run a server process until the block ends; yields its pid once it answers."""
    with log.open("wb") as out:
        proc = subprocess.Popen(cmd, env=env, stdout=out, stderr=subprocess.STDOUT, cwd=ROOT)
        try:
            wait_ready(port, proc)
            yield proc.pid
        finally:
            proc.terminate()
            try:
                proc.wait(timeout=15)
            except subprocess.TimeoutExpired:
                proc.kill()
                proc.wait()


def wait_ready(port: int, proc: subprocess.Popen[bytes], timeout: float = 60) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise SystemExit(f"server exited with {proc.returncode}; see bench/data/*.log")
        try:
            httpx.get(f"http://127.0.0.1:{port}/api.php/", timeout=1)
            return
        except httpx.TransportError:
            time.sleep(0.2)
    raise SystemExit(f"server on port {port} did not answer within {timeout}s")


def machine_ticks() -> tuple[int, int]:
    """(busy, total) CPU ticks of the whole machine since boot."""
    values = [int(v) for v in Path("/proc/stat").read_text().split("\n", 1)[0].split()[1:]]
    idle = values[3] + values[4]
    total = sum(values[:8])
    return total - idle, total


def process_ticks(pid: int) -> int:
    """CPU ticks (user + system) a process has used."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return int(fields[11]) + int(fields[12])


class CpuMeter:
    """CPU used during a block, in % of one core: the server, wrk, and everything else."""

    def __init__(self, pid: int) -> None:
        self.pid = pid
        self.hz = os.sysconf("SC_CLK_TCK")
        self.server = self.wrk = self.other = 0.0
        self.server_seconds = 0.0

    def __enter__(self) -> CpuMeter:
        self.t0 = time.monotonic()
        self.m0 = machine_ticks()
        self.p0 = process_ticks(self.pid)
        self.c0 = children_seconds()
        return self

    def __exit__(self, *exc: object) -> None:
        elapsed = time.monotonic() - self.t0
        busy = (machine_ticks()[0] - self.m0[0]) / self.hz
        self.server_seconds = (process_ticks(self.pid) - self.p0) / self.hz
        self.server = self.server_seconds / elapsed * 100
        self.wrk = (children_seconds() - self.c0) / elapsed * 100
        self.other = max(0.0, busy / elapsed * 100 - self.server - self.wrk)


def children_seconds() -> float:
    """CPU seconds of reaped child processes (wrk runs)."""
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


class RssSampler:
    """Peak VmRSS of a process, sampled every 100 ms while active."""

    def __init__(self, pid: int) -> None:
        self.pid = pid
        self.peak_kb = 0
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None

    def rss_kb(self) -> int:
        for line in Path(f"/proc/{self.pid}/status").read_text().splitlines():
            if line.startswith("VmRSS:"):
                return int(line.split()[1])
        return 0

    def __enter__(self) -> RssSampler:
        self.peak_kb = self.rss_kb()
        self._stop.clear()
        self._thread = threading.Thread(target=self._run, daemon=True)
        self._thread.start()
        return self

    def _run(self) -> None:
        while not self._stop.wait(0.1):
            self.peak_kb = max(self.peak_kb, self.rss_kb())

    def __exit__(self, *exc: object) -> None:
        self._stop.set()
        assert self._thread
        self._thread.join()


def run_wrk(
    url: str, script: Path, seconds: int, connections: int, cpu: str | None
) -> dict[str, int]:
    cmd = pinned(
        [
            "wrk",
            "-t1",
            f"-c{connections}",
            f"-d{seconds}s",
            "--timeout",
            "5s",
            "-s",
            str(script),
            url,
        ],
        cpu,
    )
    out = subprocess.run(
        cmd, capture_output=True, text=True, timeout=seconds + 60, check=True
    ).stdout
    line = next((x for x in out.splitlines() if x.startswith("RESULT ")), None)
    if line is None:
        raise SystemExit(f"wrk printed no result:\n{out}")
    return {k: int(v) for k, v in (kv.split("=") for kv in line.split()[1:])}


def check(base: str, sc: Scenario, token: str, sample_id: str) -> str:
    """One request through httpx first: it must succeed; notes total_results of lists."""
    headers = {"Authorization": f"Bearer {token}"}
    url = base + sc.path + (sample_id if sc.name == "GET by id" else "")
    if sc.method == "POST":
        resp = httpx.post(
            url,
            headers=headers,
            timeout=30,
            json={"data": {"last_name": LOAD_LAST_NAME, "first_name": "Check"}},
        )
    else:
        resp = httpx.get(url, headers=headers, timeout=30)
    if resp.status_code != 200:
        raise SystemExit(f"{sc.name}: {resp.status_code} {resp.text[:300]}")
    body = resp.json()
    if "total_results" in body:
        return f"total_results={body['total_results']:,}, {len(body['records'])} records"
    return ""


def sample_ids(url: str, n: int) -> tuple[str, list[str]]:
    """A token for the admin and n random live contact ids."""
    services = build_services(Settings.from_env(database_url=url, log_level="WARNING"))
    try:
        _, token = services.auth.create_token("admin", "bench-load")
        table = services.db.tables.models["Contact"]
        with services.db.read() as conn:
            ids = list(
                conn.execute(
                    sa.select(table.c.id)
                    .where(table.c.deleted == sa.false())
                    .order_by(sa.func.random())
                    .limit(n)
                ).scalars()
            )
    finally:
        services.close()
    if not ids:
        raise SystemExit("no contacts: run bench/generate.py first")
    return token, ids


def remove_created(url: str) -> int:
    """Delete the contacts the create scenario made (and their outbox rows), so that
    repeated runs measure the same data; fix the kept count."""
    services = build_services(Settings.from_env(database_url=url, log_level="WARNING"))
    db = services.db
    table, outbox = db.tables.models["Contact"], db.tables.system("outbox")
    made = sa.select(table.c.id).where(
        table.c.deleted == sa.false(), db.tables.fold(table.c.last_name) == "loadtest"
    )
    try:
        with db.write() as conn:
            conn.execute(
                sa.delete(outbox).where(outbox.c.model == "Contact", outbox.c.record_id.in_(made))
            )
            n = conn.execute(sa.delete(table).where(table.c.id.in_(made))).rowcount
            recount(db, conn, "Contact")
    finally:
        services.close()
    return int(n)


def measure(args: argparse.Namespace) -> list[Result]:
    url = args.database_url
    token, ids = sample_ids(url, 10_000)
    work = Path(tempfile.mkdtemp(prefix="amity-bench-"))
    ids_file = work / "ids.txt"
    ids_file.write_text("\n".join(ids) + "\n")
    # one token sends thousands of requests a second here: far over any per-credential rate
    # limit, so rate limiting is off (AMITY_RATE_LIMIT_BENCH=1 keeps it, with a limit no run
    # reaches, to measure its cost); the API call log stays on, as by default
    env = {
        **os.environ,
        "AMITY_DATABASE_URL": url,
        "AMITY_LOG_LEVEL": "WARNING",
        "AMITY_RATE_LIMIT": "",
        "AMITY_RATE_LIMIT_ANONYMOUS": "",
        "AMITY_RATE_LIMIT_FAILED_AUTH": "",
    }
    if os.environ.get("AMITY_RATE_LIMIT_BENCH"):
        env.update(
            AMITY_RATE_LIMIT="100000000/minute",
            AMITY_RATE_LIMIT_ANONYMOUS="",
            AMITY_RATE_LIMIT_FAILED_AUTH="100000000/minute",
        )
    amity_port, bare_port = free_port(), free_port()
    server_cpu = None if args.no_pin else "0"
    wrk_cpu = None if args.no_pin else "1"
    tree = Path(args.amity_tree).resolve() if args.amity_tree else ROOT
    amity_cmd = pinned(
        [str(tree / ".venv/bin/amity"), "serve", "--port", str(amity_port), "--workers", "1"],
        server_cpu,
    )
    bare_cmd = pinned(
        [
            str(ROOT / ".venv/bin/uvicorn"),
            "bare_app:app",
            "--app-dir",
            str(BENCH),
            "--port",
            str(bare_port),
            "--workers",
            "1",
            "--no-access-log",
            "--no-server-header",
            "--log-level",
            "warning",
        ],
        server_cpu,
    )
    logs = BENCH / "data"
    logs.mkdir(exist_ok=True)
    results: list[Result] = []
    try:
        with (
            server(amity_cmd, env, amity_port, logs / "amity-serve.log") as amity_pid,
            server(bare_cmd, env, bare_port, logs / "bare.log") as bare_pid,
        ):
            pids = {"amity": amity_pid, "bare": bare_pid}
            ports = {"amity": amity_port, "bare": bare_port}
            for sc in scenarios(set(args.only) if args.only else None):
                base = f"http://127.0.0.1:{ports[sc.server]}"
                note = check(base, sc, token, ids[0])
                script = work / f"{sc.name.split()[0]}-{len(results)}.lua"
                script.write_text(sc.lua % {"ids": ids_file, "token": token} + DONE_LUA)
                target = base + sc.path
                if args.wait_idle > 0:
                    busy = wait_idle(args.idle_threshold, args.wait_idle)
                    if busy >= args.idle_threshold:
                        print(f"  (machine still {busy:.0f}% busy)", file=sys.stderr)
                if args.warmup > 0:
                    run_wrk(target, script, args.warmup, args.connections, wrk_cpu)
                with RssSampler(pids[sc.server]) as rss, CpuMeter(pids[sc.server]) as cpu:
                    raw = run_wrk(target, script, args.duration, args.connections, wrk_cpu)
                rate = raw["requests"] / raw["duration_us"] * 1e6
                res = Result(
                    sc,
                    rate,
                    raw["p50_us"] / 1000,
                    raw["p99_us"] / 1000,
                    raw["status_errors"] + raw["socket_errors"],
                    rss.peak_kb / 1024,
                    note,
                    cpu.server,
                    cpu.wrk,
                    cpu.other,
                    raw["requests"] / max(cpu.server_seconds, 0.01),
                    raw=raw,
                )
                if args.py_spy:
                    profile_server(args, pids[sc.server], target, script, wrk_cpu, sc.name)
                if args.latency_duration > 0:
                    one = run_wrk(target, script, args.latency_duration, 1, wrk_cpu)
                    res.p50_c1_ms, res.p99_c1_ms = one["p50_us"] / 1000, one["p99_us"] / 1000
                    res.errors += one["status_errors"] + one["socket_errors"]
                results.append(res)
                print(
                    f"  {sc.name}: {rate:,.0f}/s ({res.per_cpu_second:,.0f}/CPU-s) "
                    f"p50 {res.p50_ms:.2f} ms p99 {res.p99_ms:.2f} ms; one connection: "
                    f"p50 {res.p50_c1_ms:.2f} ms p99 {res.p99_c1_ms:.2f} ms; CPU server "
                    f"{cpu.server:.0f}% wrk {cpu.wrk:.0f}% other {cpu.other:.0f}% {note}",
                    file=sys.stderr,
                    flush=True,
                )
            hwm = vm_hwm(amity_pid)
    finally:
        shutil.rmtree(work, ignore_errors=True)
        if not args.keep_created:
            print(f"  removed {remove_created(url):,} contacts made by the run", file=sys.stderr)
    print_table(results, args, hwm)
    return results


def profile_server(
    args: argparse.Namespace, pid: int, url: str, script: Path, cpu: str | None, name: str
) -> None:
    """Sample the server with py-spy while wrk runs; save the raw profile and print a
    summary by component (bench/spy_summary.py)."""
    out_dir = Path(args.py_spy)
    out_dir.mkdir(parents=True, exist_ok=True)
    out = out_dir / (re.sub(r"[^a-z0-9]+", "-", name.lower()).strip("-") + ".txt")
    seconds = args.duration
    wrk = subprocess.Popen(
        pinned(
            ["wrk", "-t1", f"-c{args.connections}", f"-d{seconds + 2}s", "-s", str(script), url],
            cpu,
        ),
        stdout=subprocess.PIPE,
        text=True,
    )
    try:
        time.sleep(1)
        subprocess.run(
            [
                str(ROOT / ".venv/bin/py-spy"),
                "record",
                "--pid",
                str(pid),
                "--duration",
                str(seconds),
                "--rate",
                "200",
                "--format",
                "raw",
                "--nonblocking",
                "-o",
                str(out),
            ],
            check=True,
            capture_output=True,
            timeout=seconds + 60,
        )
    finally:
        stdout, _ = wrk.communicate(timeout=seconds + 60)
    line = next(x for x in stdout.splitlines() if x.startswith("RESULT "))
    raw = {k: int(v) for k, v in (kv.split("=") for kv in line.split()[1:])}
    served = int(raw["requests"] / raw["duration_us"] * 1e6 * seconds)
    print(f"  py-spy profile of {name} ({served:,} requests): {out}", file=sys.stderr)
    subprocess.run(
        [sys.executable, str(BENCH / "spy_summary.py"), str(out), "--requests", str(served)],
        check=True,
        stdout=sys.stderr,
    )


def vm_hwm(pid: int) -> float:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1]) / 1024
    return 0.0


def print_table(results: list[Result], args: argparse.Namespace, hwm_mb: float) -> None:
    bare = next((r for r in results if r.scenario.server == "bare"), None)
    dialect = args.database_url.split(":", 1)[0]
    c = args.connections
    print(
        f"\n{dialect}: wrk -t1 -c{c} -d{args.duration}s for rates, then -c1 "
        f"-d{args.latency_duration}s for latency; "
        f"{'unpinned' if args.no_pin else 'servers on CPU 0, wrk on CPU 1'}"
    )
    print(
        f"| scenario | req/s (c{c}) | vs bare | p50 / p99 ms (c{c}) | p50 / p99 ms (c1) "
        "| req per server CPU-s | vs bare | CPU % server/wrk/other | errors | RSS MB "
        "| notes |"
    )
    print("|---|--:|--:|--:|--:|--:|--:|--:|--:|--:|---|")
    for r in results:
        ratio = f"{r.rate / bare.rate:.0%}" if bare else "-"
        cpu_ratio = f"{r.per_cpu_second / bare.per_cpu_second:.0%}" if bare else "-"
        cpu = f"{r.cpu_server:.0f}/{r.cpu_wrk:.0f}/{r.cpu_other:.0f}"
        print(
            f"| {r.scenario.name} | {r.rate:,.0f} | {ratio} | {r.p50_ms:.2f} / "
            f"{r.p99_ms:.2f} | {r.p50_c1_ms:.2f} / {r.p99_c1_ms:.2f} | "
            f"{r.per_cpu_second:,.0f} | {cpu_ratio} | {cpu} | {r.errors} | "
            f"{r.rss_mb:.0f} | {r.note} |"
        )
    print(f"amity worker peak RSS over the run (VmHWM): {hwm_mb:.0f} MB")


def wait_idle(threshold: float, limit: float) -> float:
    """Wait (at most `limit` s) until the machine's CPU use over 1 s is below `threshold`
    % of one core; returns the last reading."""
    deadline = time.monotonic() + limit
    hz = os.sysconf("SC_CLK_TCK")
    while True:
        b0 = machine_ticks()[0]
        time.sleep(1)
        busy = (machine_ticks()[0] - b0) / hz * 100
        if busy < threshold or time.monotonic() > deadline:
            return busy


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    """The command line of a run (also what bench/compare.py hands over)."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--database-url", default=os.environ.get("AMITY_DATABASE_URL"))
    parser.add_argument("--duration", type=int, default=10, help="seconds per scenario")
    parser.add_argument(
        "--latency-duration",
        type=int,
        default=5,
        help="seconds of a one-connection run per scenario (0: skip)",
    )
    parser.add_argument("--warmup", type=int, default=2, help="seconds before each")
    parser.add_argument("--connections", type=int, default=8, help="wrk connections")
    parser.add_argument(
        "--wait-idle",
        type=float,
        default=120,
        help="wait up to this many seconds for an idle machine before each "
        "scenario (0: do not wait)",
    )
    parser.add_argument(
        "--idle-threshold",
        type=float,
        default=15,
        help="'idle' means under this %% of one core in use",
    )
    parser.add_argument(
        "--keep-created",
        action="store_true",
        help="keep the contacts POST create made (removed by default)",
    )
    parser.add_argument(
        "--py-spy",
        metavar="DIR",
        help="also profile the server with py-spy during each scenario "
        "(raw profiles go to DIR; needs .venv/bin/py-spy)",
    )
    parser.add_argument("--no-pin", action="store_true", help="do not pin CPUs")
    parser.add_argument(
        "--amity-tree",
        metavar="DIR",
        help="serve Amity from another checkout with its own .venv (e.g. an older "
        "commit, to compare; bench/compare.py does that)",
    )
    parser.add_argument(
        "--only",
        nargs="*",
        choices=["get", "selective", "broad", "unfiltered", "create"],
        help="run only these scenarios (the bare endpoint always runs)",
    )
    args = parser.parse_args(argv)
    if not args.database_url:
        parser.error("give --database-url or set AMITY_DATABASE_URL")
    if shutil.which("wrk") is None:
        parser.error("wrk is needed: apt-get install -y wrk")
    return args


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(143))  # stop the servers on kill
    measure(args)
    return 0


if __name__ == "__main__":
    sys.exit(main())
