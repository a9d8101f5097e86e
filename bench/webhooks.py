"""Webhook deliveries: how fast one worker delivers, and what webhooks cost a create.

    .venv/bin/python bench/webhooks.py [--messages 5000] [--database-url postgresql://postgres@127.0.0.1:5432/test]

1. Delivery rate. A bare local receiver (bench/webhook_receiver.py under uvicorn) and
   one webhook per --webhooks on Contact; --messages contacts are created in batches (not
   timed), each giving every webhook a message; then this process drains the jobs (one
   worker: the SQLite runner, or procrastinate on PostgreSQL) and the time from the
   first to the last delivery is measured. Prints deliveries/s.
2. Create latency. `amity serve` on a fresh SQLite database, POST /data/Contact one at a
   time from one client for --seconds, alternately with no webhook and with 10 active
   webhooks on Contact (whose deliveries run meanwhile in the server's job runner), for
   --rounds rounds each. Prints the median of the rounds' p50 latencies and the ratio.
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import httpx

from amity.cli import init_admin
from amity.config import Settings
from amity.core.actor import SYSTEM
from amity.core.services import build_services
from amity.store.engine import fresh_postgresql_database
from amity.store.migrate import migrate

ROOT = Path(__file__).resolve().parents[1]
ALLOW = "127.0.0.0/8"


def free_port() -> int:
    import socket

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@contextmanager
def receiver() -> Iterator[str]:
    """The bare receiver in a subprocess; yields its URL."""
    port = free_port()
    proc = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "uvicorn",
            "bench.webhook_receiver:app",
            "--port",
            str(port),
            "--no-access-log",
            "--log-level",
            "warning",
        ],
        cwd=ROOT,
    )
    url = f"http://127.0.0.1:{port}"
    try:
        for _ in range(100):
            try:
                httpx.get(url + "/count")
                break
            except httpx.TransportError:
                time.sleep(0.1)
        yield url
    finally:
        proc.terminate()
        proc.wait()


def received(url: str) -> int:
    return int(httpx.get(url + "/count").text)


def delivery_rate(db_url: str, messages: int, webhooks: int, receiver_url: str) -> float:
    settings = Settings.from_env(
        database_url=db_url, log_level="WARNING", webhook_allow_networks=ALLOW
    )
    services = build_services(settings)
    try:
        migrate(services.db)
        init_admin(services, "admin", "bench-password-1234")
        for _ in range(webhooks):
            services.webhooks.create(
                SYSTEM,
                {
                    "type": "create",
                    "url": receiver_url + "/hook",
                    "model": "Contact",
                    "filters": {"glue": "and", "conditions": []},
                },
            )
        per = max(1, messages // webhooks)
        for start in range(0, per, 500):
            rows = [{"last_name": f"Bench {n}"} for n in range(start, min(per, start + 500))]
            services.records.create_many(SYSTEM, "Contact", rows)
        before = received(receiver_url)
        began = time.perf_counter()
        services.jobs.drain()
        took = time.perf_counter() - began
        sent = received(receiver_url) - before
        assert sent == per * webhooks, f"{sent} of {per * webhooks} delivered"
        return sent / took
    finally:
        services.close()


def serve(db: Path, port: int, jobs: str) -> list[subprocess.Popen[bytes]]:
    """`amity serve`, running the jobs itself (jobs="serve"), or leaving them to an
    `amity worker` process ("worker"), or to nobody ("none": the request path alone)."""
    env = {
        **os.environ,
        "AMITY_DATABASE_URL": f"sqlite:///{db}",
        "AMITY_WEBHOOK_ALLOW_NETWORKS": ALLOW,
        "AMITY_RATE_LIMIT": "",
        "AMITY_LOG_LEVEL": "WARNING",
    }
    env["AMITY_JOBS_IN_SERVE"] = "true" if jobs == "serve" else "false"
    commands = [["serve", "--port", str(port)]] + ([["worker"]] if jobs == "worker" else [])
    return [
        subprocess.Popen(
            [sys.executable, "-m", "amity", *command],
            env=env,
            cwd=db.parent,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        for command in commands
    ]


def p50_creates(base: str, token: str, seconds: float) -> float:
    headers = {"Authorization": f"Bearer {token}"}
    times: list[float] = []
    with httpx.Client(base_url=base, headers=headers) as client:
        end = time.monotonic() + seconds
        n = 0
        while time.monotonic() < end:
            began = time.perf_counter()
            response = client.post("/data/Contact", json={"data": {"last_name": f"Latency {n}"}})
            times.append(time.perf_counter() - began)
            assert response.status_code == 200, response.text
            n += 1
    return statistics.median(times) * 1000


def create_latency(
    rounds: int, seconds: float, receiver_url: str, jobs: str
) -> tuple[float, float]:
    with tempfile.TemporaryDirectory() as directory:
        db = Path(directory) / "amity.db"
        env = {**os.environ, "AMITY_DATABASE_URL": f"sqlite:///{db}"}
        subprocess.run(
            [sys.executable, "-m", "amity", "init", "--admin-password", "bench-pw-12345"],
            env=env,
            check=True,
            capture_output=True,
            cwd=directory,
        )
        token = subprocess.run(
            [sys.executable, "-m", "amity", "token", "create", "admin"],
            env=env,
            check=True,
            capture_output=True,
            text=True,
            cwd=directory,
        ).stdout.split()[0]
        port = free_port()
        base = f"http://127.0.0.1:{port}/api.php"
        processes = serve(db, port, jobs)
        try:
            for _ in range(200):
                try:
                    httpx.get(base + "/version")
                    break
                except httpx.TransportError:
                    time.sleep(0.1)
            headers = {"Authorization": f"Bearer {token}"}
            without: list[float] = []
            with_hooks: list[float] = []
            hook_ids: list[str] = []
            p50_creates(base, token, 2)  # warm up
            for _ in range(rounds):
                for hid in hook_ids:
                    httpx.patch(f"{base}/webhooks/{hid}", json={"disabled": True}, headers=headers)
                without.append(p50_creates(base, token, seconds))
                if not hook_ids:
                    for _ in range(10):
                        r = httpx.post(
                            f"{base}/webhooks",
                            headers=headers,
                            json={
                                "type": "create",
                                "url": receiver_url + "/hook",
                                "model": "Contact",
                            },
                        )
                        hook_ids.append(r.json()["id"])
                else:
                    for hid in hook_ids:
                        httpx.patch(
                            f"{base}/webhooks/{hid}", json={"disabled": False}, headers=headers
                        )
                with_hooks.append(p50_creates(base, token, seconds))
            return statistics.median(without), statistics.median(with_hooks)
        finally:
            for process in processes:
                process.terminate()
                process.wait()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--messages", type=int, default=5000)
    parser.add_argument("--webhooks", type=int, default=1)
    parser.add_argument("--database-url", help="also on this PostgreSQL server")
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--seconds", type=float, default=8.0)
    parser.add_argument("--skip-latency", action="store_true")
    parser.add_argument(
        "--jobs",
        choices=["serve", "worker", "none"],
        default="worker",
        help="where deliveries run while creates are timed (default: an amity worker)",
    )
    args = parser.parse_args()
    with receiver() as url:
        with tempfile.TemporaryDirectory() as directory:
            rate = delivery_rate(
                f"sqlite:///{Path(directory) / 'bench.db'}", args.messages, args.webhooks, url
            )
        print(f"SQLite      {args.messages} deliveries: {rate:8,.0f} deliveries/s (one worker)")
        if args.database_url:
            with fresh_postgresql_database(args.database_url, "amity_bench_webhooks") as pg:
                rate = delivery_rate(pg, args.messages, args.webhooks, url)
            print(f"PostgreSQL  {args.messages} deliveries: {rate:8,.0f} deliveries/s (one worker)")
        if not args.skip_latency:
            plain, hooked = create_latency(args.rounds, args.seconds, url, args.jobs)
            print(
                f"[deliveries: {args.jobs}] create p50 without webhooks {plain:6.2f} ms, "
                f"with 10 on Contact {hooked:6.2f} ms: "
                f"{(hooked / plain - 1) * 100:+.1f}%"
            )


if __name__ == "__main__":
    main()
