"""Password checks under attack, against a real `amity serve` with default argon2 costs.

    .venv/bin/python bench/auth_timing.py

1. Enumeration by timing: median answer time of a wrong password for a known user, an
   unknown user and an inactive user, for Basic, session sign-in and the OAuth password
   grant (failed-auth limit off, so every try is checked), and the ratio unknown/known.
2. Healthy clients under attack: median and p99 of `GET /me` with a personal token from
   127.0.0.1, idle and while 127.0.0.2 sends wrong Basic passwords from a few threads, with
   the failed-auth limit off and on (5/minute, so that a short run passes it).

A fresh SQLite database in a temporary directory; loopback only; about 40 s in all. Run it
with PYTHONPATH=/path/to/another/tree to measure that tree's server instead.
"""

from __future__ import annotations

import argparse
import base64
import os
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from functools import partial
from pathlib import Path

import httpx

from amity.config import Settings
from amity.core.actor import SYSTEM
from amity.core.auth.clients import ClientSpec
from amity.core.services import build_services

PASSWORD = "bench-admin-password"


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def environment(url: str, workdir: Path, **settings: str) -> dict[str, str]:
    env = dict(
        os.environ,
        AMITY_DATABASE_URL=url,
        AMITY_LOG_LEVEL="WARNING",
        AMITY_JWT_KEY_FILE=str(workdir / "jwt-key.pem"),
    )
    env.update({f"AMITY_{name.upper()}": value for name, value in settings.items()})
    return env


def prepare(url: str, workdir: Path) -> tuple[str, str, str]:
    """The admin, an inactive user, a password-grant client: (token, client id, secret)."""
    subprocess.run(
        [sys.executable, "-m", "amity", "init", "--admin-password", PASSWORD],
        env=environment(url, workdir),
        cwd=workdir,
        check=True,
        capture_output=True,
        timeout=120,
    )
    services = build_services(
        Settings(database_url=url, log_level="WARNING", jwt_key_file=str(workdir / "jwt-key.pem"))
    )
    try:
        admin = services.auth.user_by_name("admin")
        uid = services.auth.add_user(SYSTEM, "gone", "gone-password-123")
        services.records.update(SYSTEM, "User", uid, {"status": "Inactive"})
        _, token = services.auth.create_token("admin", "bench")
        client, secret = services.clients.add(
            SYSTEM,
            ClientSpec(
                name="bench", redirect_uris=["https://bench.example/cb"], allow_password=True
            ),
        )
        assert secret is not None and admin["id"]
        return token, client["client_id"], secret
    finally:
        services.close()


@contextmanager
def serve(url: str, workdir: Path, failed_auth: str) -> Iterator[str]:
    port = free_port()
    env = environment(
        url,
        workdir,
        api_log="false",
        session_auth="true",
        rate_limit="",
        rate_limit_anonymous="",
        rate_limit_token_endpoint="",
        rate_limit_failed_auth=failed_auth,
    )
    log = (workdir / f"serve-{port}.log").open("ab")
    proc = subprocess.Popen(
        [sys.executable, "-m", "amity", "serve", "--port", str(port)],
        env=env,
        cwd=workdir,
        stdout=log,
        stderr=subprocess.STDOUT,
        start_new_session=True,
    )
    base = f"http://127.0.0.1:{port}/api.php"
    try:
        deadline = time.monotonic() + 60
        while True:
            try:
                if httpx.get(f"{base}/version", timeout=1).status_code == 200:
                    break
            except httpx.HTTPError:
                pass
            if time.monotonic() > deadline:
                raise SystemExit("amity serve did not start; see " + log.name)
            time.sleep(0.1)
        yield base
    finally:
        os.killpg(proc.pid, signal.SIGTERM)
        proc.wait(timeout=30)
        log.close()


def basic(user: str, password: str) -> dict[str, str]:
    return {"Authorization": "Basic " + base64.b64encode(f"{user}:{password}".encode()).decode()}


def median_ms(attempt: Callable[[], int], count: int) -> float:
    times = []
    for _ in range(count):
        start = time.perf_counter()
        status = attempt()
        times.append(time.perf_counter() - start)
        assert status in (400, 401), status
    return statistics.median(times) * 1000


def enumeration(base: str, client_id: str, secret: str, count: int) -> None:
    print(f"\n1. wrong password: median ms of {count} tries (failed-auth limit off)")
    print(f"{'method':<16}{'known user':>12}{'unknown':>10}{'inactive':>10}{'unknown/known':>15}")
    with httpx.Client(base_url=base, timeout=30) as http:
        ways: dict[str, Callable[[str], int]] = {
            "Basic": lambda user: http.get("/me", headers=basic(user, "wrong")).status_code,
            "session sign-in": lambda user: (
                http.post("/session", json={"user_name": user, "password": "wrong"}).status_code
            ),
            "password grant": lambda user: (
                http.post(
                    "/auth/user/access_token",
                    data={
                        "grant_type": "password",
                        "username": user,
                        "password": "wrong",
                        "client_id": client_id,
                        "client_secret": secret,
                    },
                ).status_code
            ),
        }
        for name, way in ways.items():
            way("admin")  # warm up (the dummy hash is made on first use)
            known, unknown, inactive = (
                median_ms(partial(way, user), count) for user in ("admin", "nobody", "gone")
            )
            print(
                f"{name:<16}{known:>12.1f}{unknown:>10.1f}{inactive:>10.1f}{unknown / known:>15.2f}"
            )


def healthy_latency(base: str, token: str, seconds: float) -> tuple[float, float, int]:
    """Median and p99 ms of sequential GET /me with a token, and the request count."""
    times = []
    with httpx.Client(
        base_url=base, headers={"Authorization": f"Bearer {token}"}, timeout=30
    ) as http:
        end = time.monotonic() + seconds
        while time.monotonic() < end:
            start = time.perf_counter()
            assert http.get("/me").status_code == 200
            times.append(time.perf_counter() - start)
    times.sort()
    return (statistics.median(times) * 1000, times[int(len(times) * 0.99)] * 1000, len(times))


def attack(base: str, stop: threading.Event, counts: dict[int, int]) -> None:
    """Wrong Basic passwords from 127.0.0.2 until stopped."""
    transport = httpx.HTTPTransport(local_address="127.0.0.2")
    with httpx.Client(base_url=base, transport=transport, timeout=30) as http:
        while not stop.is_set():
            status = http.get("/me", headers=basic("admin", "guess")).status_code
            counts[status] = counts.get(status, 0) + 1


def under_attack(base: str, token: str, threads: int, seconds: float) -> None:
    idle = healthy_latency(base, token, seconds / 2)
    stop, counts = threading.Event(), {}  # type: ignore[var-annotated]
    attackers = [threading.Thread(target=attack, args=(base, stop, counts)) for _ in range(threads)]
    for thread in attackers:
        thread.start()
    time.sleep(0.5)
    try:
        busy = healthy_latency(base, token, seconds)
    finally:
        stop.set()
        for thread in attackers:
            thread.join(timeout=30)
    print(f"  idle:          median {idle[0]:7.2f} ms  p99 {idle[1]:7.2f} ms  ({idle[2]} requests)")
    print(
        f"  under attack:  median {busy[0]:7.2f} ms  p99 {busy[1]:7.2f} ms  ({busy[2]} requests)"
        f"  ratio {busy[0] / idle[0]:.1f}x"
    )
    print("  attacker answers: " + ", ".join(f"{n} x {s}" for s, n in sorted(counts.items())))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--tries", type=int, default=15, help="tries per cell of table 1")
    parser.add_argument("--seconds", type=float, default=6, help="healthy run under attack")
    parser.add_argument("--threads", type=int, default=4, help="attacker threads")
    parser.add_argument(
        "--failed-auth",
        default="5/minute",
        help="AMITY_RATE_LIMIT_FAILED_AUTH of the second run (default "
        "5/minute, so that a short run reaches it)",
    )
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="amity-auth-bench-") as tmp:
        workdir = Path(tmp)
        url = f"sqlite:///{workdir / 'bench.db'}"
        token, client_id, secret = prepare(url, workdir)
        with serve(url, workdir, failed_auth="") as base:
            enumeration(base, client_id, secret, args.tries)
            print(
                f"\n2. GET /me with a token while 127.0.0.2 sends wrong Basic passwords "
                f"({args.threads} threads)"
            )
            print("failed-auth limit off:")
            under_attack(base, token, args.threads, args.seconds)
        with serve(url, workdir, failed_auth=args.failed_auth) as base:
            print(f"failed-auth limit {args.failed_auth}:")
            under_attack(base, token, args.threads, args.seconds)


if __name__ == "__main__":
    main()
