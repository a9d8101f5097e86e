"""Webhook deliveries in real processes: the process sending them (`amity serve` or
`amity worker`) killed with SIGKILL mid-way loses no message, and what it resends carries
the same webhook-id and body; two PostgreSQL workers send each message once. On SQLite and
on PostgreSQL (AMITY_TEST_DATABASE_URL).

The receiver runs in the test process on 127.0.0.1 (AMITY_WEBHOOK_ALLOW_NETWORKS lets the
servers send there); webhooks and contacts are written in-process on the same database, so
the servers' job runners pick up the deliveries those writes defer."""

from __future__ import annotations

import dataclasses
import threading
import time
from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import orjson
import pytest
import sqlalchemy as sa

from amity.core.actor import Actor
from amity.core.services import Services, build_services
from amity.store.webhooks import DELIVERED
from tests.conftest import PG_URL, settings_for
from tests.e2e.test_jobs_processes import Worker, wait_for
from tests.e2e.test_serve import Server, server_env

__all__ = ["server_env"]  # a fixture used below

STALLED = "3"  # seconds: a runner silent this long is taken for dead
CONTACTS = 1000
HOLD_FROM = 300  # the receiver holds requests after this many until the kill
needs_postgresql = pytest.mark.skipif(
    not PG_URL, reason="needs AMITY_TEST_DATABASE_URL (PostgreSQL)"
)


@dataclass
class Arrival:
    path: str
    webhook_id: str
    body: bytes


@dataclass
class SlowReceiver:
    """Answers 200 after `delay` seconds; from the `hold_from`-th request on, waits for
    `released` first (the request counts as arrived: its sender may die meanwhile)."""

    delay: float = 0.0
    hold_from: int | None = None
    port: int = 0
    released: threading.Event = field(default_factory=threading.Event)
    arrivals: list[Arrival] = field(default_factory=list)
    lock: threading.Lock = field(default_factory=threading.Lock)

    def url(self, path: str = "/hook") -> str:
        return f"http://127.0.0.1:{self.port}{path}"

    def count(self) -> int:
        with self.lock:
            return len(self.arrivals)

    def arrived(self) -> list[Arrival]:
        with self.lock:
            return list(self.arrivals)


def _handler(receiver: SlowReceiver) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        def do_POST(self) -> None:
            body = self.rfile.read(int(self.headers.get("content-length") or 0))
            with receiver.lock:
                receiver.arrivals.append(
                    Arrival(self.path, self.headers.get("webhook-id", ""), body)
                )
                held = receiver.hold_from is not None and len(receiver.arrivals) > (
                    receiver.hold_from
                )
            if held:
                receiver.released.wait(60)
            time.sleep(receiver.delay)
            try:
                self.send_response(200)
                self.send_header("content-length", "2")
                self.end_headers()
                self.wfile.write(b"ok")
            except OSError:  # the sender was killed while we waited
                pass

        def log_message(self, format: str, *args: Any) -> None:
            pass

    return Handler


class _Server(ThreadingHTTPServer):
    daemon_threads = True
    request_queue_size = 256  # a drain opens up to 64 connections at once


@pytest.fixture
def receiver() -> Iterator[SlowReceiver]:
    receiver = SlowReceiver()
    server = _Server(("127.0.0.1", 0), _handler(receiver))
    receiver.port = server.server_address[1]
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield receiver
    receiver.released.set()
    server.shutdown()
    server.server_close()


@pytest.fixture
def hooks_env(server_env: dict[str, str], jwt_key_file: str) -> dict[str, str]:
    """The servers' environment: the test's key file (webhook secrets are sealed under
    it), the receiver's network allowed, stalled jobs taken up again after 3 s."""
    return dict(
        server_env,
        AMITY_JWT_KEY_FILE=jwt_key_file,
        AMITY_WEBHOOK_ALLOW_NETWORKS="127.0.0.0/8",
        AMITY_JOBS_STALLED_SECONDS=STALLED,
        AMITY_JOBS_POLL_SECONDS="0.1",
    )


@pytest.fixture
def local(hooks_env: dict[str, str], jwt_key_file: str) -> Iterator[Services]:
    """Services in the test process on the servers' database (they run no jobs)."""
    settings = dataclasses.replace(
        settings_for(hooks_env["AMITY_DATABASE_URL"], jwt_key_file),
        webhook_allow_networks="127.0.0.0/8",
    )
    svc = build_services(settings)
    yield svc
    svc.close()


def admin_actor(services: Services) -> Actor:
    row = services.auth.user_by_name("admin")
    return Actor(user_id=row["id"], user_name="admin", is_admin=True)


def add_webhook(services: Services, url: str) -> str:
    created, _ = services.webhooks.create(
        admin_actor(services), {"type": "create", "url": url, "model": "Contact"}
    )
    return str(created["id"])


def add_contacts(services: Services, count: int, batches: int) -> list[str]:
    actor, ids = admin_actor(services), []
    size = count // batches
    for start in range(0, count, size):
        rows = [{"last_name": f"Hooked {n}"} for n in range(start, min(count, start + size))]
        ids.extend(services.records.create_many(actor, "Contact", rows))
    return ids


def states(services: Services) -> Counter[str]:
    m = services.webhooks.store.messages
    with services.db.read() as conn:
        return Counter(str(s) for (s,) in conn.execute(sa.select(m.c.state)))


def by_event(arrivals: list[Arrival]) -> dict[str, list[Arrival]]:
    out: dict[str, list[Arrival]] = {}
    for arrival in arrivals:
        out.setdefault(arrival.webhook_id, []).append(arrival)
    return out


class Runner:
    """`amity serve` or `amity worker`, the process running the jobs; killable, restartable."""

    def __init__(self, kind: str, env: dict[str, str], cwd: Path) -> None:
        self.kind, self.env, self.cwd = kind, env, cwd
        self.server = Server(env, cwd) if kind == "serve" else None
        self.workers: list[Worker] = []
        self.logs: list[Path] = [self.server.log] if self.server else []

    def start(self) -> None:
        if self.server is not None:
            self.server.start()
        else:
            self.workers.append(Worker(self.env, self.cwd, f"worker{len(self.workers)}"))
            self.logs.append(self.workers[-1].log)

    def kill(self) -> None:
        if self.server is not None:
            self.server.kill()
        else:
            self.workers[-1].kill()

    def stop(self) -> None:
        if self.server is not None:
            self.server.stop()
        for worker in self.workers:
            worker.stop()


@pytest.fixture
def runner(
    request: pytest.FixtureRequest, hooks_env: dict[str, str], tmp_path: Path
) -> Iterator[Runner]:
    started = Runner(request.param, hooks_env, tmp_path)
    yield started
    started.stop()


@pytest.mark.parametrize("runner", ["serve", "worker"], indirect=True)
def test_deliveries_of_a_process_killed_mid_way_all_arrive_after_a_restart(
    local: Services, runner: Runner, receiver: SlowReceiver
) -> None:
    receiver.delay, receiver.hold_from = 0.01, HOLD_FROM
    runner.start()
    add_webhook(local, receiver.url())
    created = add_contacts(local, CONTACTS, batches=4)
    wait_for("the first deliveries", lambda: receiver.count() >= HOLD_FROM, *runner.logs)
    time.sleep(0.2)  # the drain's other requests in flight reach the receiver
    runner.kill()
    before_kill = receiver.count()
    receiver.released.set()
    assert 0 < before_kill < CONTACTS
    assert states(local)[DELIVERED] < CONTACTS
    runner.start()
    wait_for(
        "every delivery",
        lambda: states(local) == {DELIVERED: CONTACTS},
        *runner.logs,
        seconds=45,
    )
    events = by_event(receiver.arrived())
    assert len(events) == CONTACTS
    records = set()
    for event_id, copies in events.items():
        assert len({c.body for c in copies}) == 1, event_id  # a resend is the same message
        records.add(orjson.loads(copies[0].body)["id"])
    assert records == set(created)
    # the kill landed mid-send: what was sent but not yet recorded went again
    assert any(len(copies) > 1 for copies in events.values())


@needs_postgresql
def test_two_postgresql_workers_deliver_each_message_once(
    local: Services,
    hooks_env: dict[str, str],
    tmp_path: Path,
    receiver: SlowReceiver,
) -> None:
    workers = [Worker(hooks_env, tmp_path, f"worker{n}") for n in range(2)]
    try:
        hooks = [add_webhook(local, receiver.url(f"/hook/{n}")) for n in range(4)]
        created = add_contacts(local, 300, batches=6)
        total = len(hooks) * len(created)
        wait_for(
            "every delivery",
            lambda: states(local) == {DELIVERED: total},
            *(w.log for w in workers),
            seconds=60,
        )
        time.sleep(1)  # a message sent twice would arrive now
        arrivals = receiver.arrived()
        for n in range(len(hooks)):
            mine = [a for a in arrivals if a.path == f"/hook/{n}"]
            assert Counter(Counter(a.webhook_id for a in mine).values()) == {1: len(created)}
            assert {orjson.loads(a.body)["id"] for a in mine} == set(created)
        assert len(arrivals) == total
        logs = "".join(w.log.read_text() for w in workers)
        assert "Traceback" not in logs
    finally:
        for worker in workers:
            worker.stop()
