"""The invalidation bus: other processes hear of a committed change within a second, and
drop their cached copies of it (tokens, rights, rate limits, portal tokens, metadata) at
once instead of after AMITY_AUTH_CACHE_SECONDS.

- With AMITY_REDIS_URL: Redis pub/sub, channel `<AMITY_REDIS_KEY_PREFIX>:invalidate`.
- Otherwise on PostgreSQL: NOTIFY / LISTEN on the channel `amity_invalidate`, each
  process on a connection of its own.
- Otherwise on SQLite: the processes sharing the file are on one machine
  (`amity serve --workers N`); each reads the outbox's new events every POLL_SECONDS. Ended
  sessions and revoked OAuth grants are no events: there they reach the other workers
  within AMITY_AUTH_CACHE_SECONDS.

A process publishes what changed (model, record id) from a thread of its own once the
write has committed (Database.changed), several changes to a message; a process that
listens calls its Database.listeners with them. A listener that (re)connects tells its
listeners ("*", "*"), since it may have missed messages meanwhile. A process that dies
between its commit and the publish leaves the others on their cache TTLs.
"""

from __future__ import annotations

import atexit
import contextlib
import logging
import queue
import threading
import uuid
from collections.abc import Callable
from typing import Any, Protocol

import orjson
import sqlalchemy as sa

from amity.config import Settings
from amity.store.engine import Database

log = logging.getLogger("amity.store.bus")
PG_CHANNEL = "amity_invalidate"
POLL_SECONDS = 0.2
WAIT_SECONDS = 0.5  # how long a listener waits for a message before it checks for stop
RETRY_SECONDS = 1.0
MAX_PAYLOAD = 7000  # bytes; PostgreSQL takes up to 8000 per NOTIFY
MAX_BATCH = 500
EVERYTHING = ("*", "*")


class Transport(Protocol):
    def send(self, payload: bytes) -> None: ...
    def listen(
        self,
        stop: threading.Event,
        subscribed: Callable[[], None],
        deliver: Callable[[bytes], None],
    ) -> None:
        """Call `subscribed` once listening, then deliver messages until `stop` is set;
        return (or raise) when the link breaks."""

    def close(self) -> None: ...


class InvalidationBus:
    """Publishes this process's committed changes and delivers the others'."""

    def __init__(self, db: Database, settings: Settings) -> None:
        self.db = db
        self.sender = uuid.uuid4().hex
        self.transport = make_transport(db, settings)
        self._out: queue.SimpleQueue[tuple[str, str] | None] = queue.SimpleQueue()
        self._publisher: threading.Thread | None = None
        self._listener: threading.Thread | None = None
        self._stop = threading.Event()
        self._lock = threading.Lock()
        self.connected = threading.Event()  # set while the listener is subscribed
        if self.transport is not None:
            db.publish = self.publish

    # -- publishing -------------------------------------------------------------------
    def publish(self, model: str, record_id: str) -> None:
        """Queue a committed change for the other processes (never blocks the writer)."""
        self._out.put((model, record_id))
        if self._publisher is None:
            with self._lock:
                if self._publisher is None:
                    self._publisher = threading.Thread(
                        target=self._publish_loop, name="amity-bus-publish", daemon=True
                    )
                    self._publisher.start()
                    atexit.register(self.close)  # a CLI command's changes still go out

    def _publish_loop(self) -> None:
        assert self.transport is not None
        while True:
            first = self._out.get()
            if first is None:
                return
            changes = [first]
            done = False
            while len(changes) < MAX_BATCH:
                try:
                    item = self._out.get_nowait()
                except queue.Empty:
                    break
                if item is None:
                    done = True
                    break
                changes.append(item)
            try:
                self.transport.send(self.encode(changes))
            except Exception:
                log.exception("could not publish %d changes to the other processes", len(changes))
            if done:
                return

    def encode(self, changes: list[tuple[str, str]]) -> bytes:
        unique = list(dict.fromkeys(changes))
        payload = orjson.dumps({"from": self.sender, "changes": unique})
        if len(payload) > MAX_PAYLOAD:
            payload = orjson.dumps({"from": self.sender, "changes": [EVERYTHING]})
        return payload

    # -- listening --------------------------------------------------------------------
    def start(self) -> None:
        """Listen for the other processes' changes in a thread (the server's processes)."""
        if self._listener is not None:
            return
        self._stop.clear()
        target = self._listen_loop if self.transport is not None else self._poll_loop
        self._listener = threading.Thread(target=target, name="amity-bus-listen", daemon=True)
        self._listener.start()

    def _listen_loop(self) -> None:
        assert self.transport is not None
        listens = 0

        def subscribed() -> None:
            # after a reconnect, anything may have changed unheard
            if listens:
                self.deliver([EVERYTHING])
            self.connected.set()

        while not self._stop.is_set():
            try:
                self.transport.listen(self._stop, subscribed, self._received)
            except Exception as exc:
                log.warning("invalidation bus: the listener lost its connection: %s", exc)
            listens += 1
            self.connected.clear()
            if self._stop.wait(RETRY_SECONDS):
                return

    def _received(self, payload: bytes) -> None:
        try:
            message = orjson.loads(payload)
            if message.get("from") == self.sender:
                return  # this process heard of its own changes at commit
            changes = [(str(m), str(r)) for m, r in message["changes"]]
        except (ValueError, KeyError, TypeError, AttributeError):
            log.warning("invalidation bus: ignored a malformed message %r", payload[:200])
            return
        self.deliver(changes)

    def deliver(self, changes: list[tuple[str, str]]) -> None:
        for model, record_id in changes:
            self.db.notify(model, record_id, publish=False)

    def _poll_loop(self) -> None:
        """SQLite: read the outbox's new events (ids grow in commit order: one writer)."""
        outbox = self.db.tables.system("outbox")
        newest = self.db.prepare(sa.select(sa.func.max(outbox.c.id).label("id")))
        newer = self.db.prepare(
            sa.select(outbox.c.id, outbox.c.model, outbox.c.record_id)
            .where(outbox.c.id > sa.bindparam("last"))
            .order_by(outbox.c.id)
            .limit(MAX_BATCH)
        )
        last: int | None = None
        while not self._stop.is_set():
            try:
                if last is None:
                    last = int(self.db.fetch(newest, {})[0]["id"] or 0)
                    self.connected.set()
                rows = self.db.fetch(newer, {"last": last})
                if rows:
                    last = int(rows[-1]["id"])
                    self.deliver([(row["model"], row["record_id"]) for row in rows])
                    if len(rows) == MAX_BATCH:
                        continue
            except Exception as exc:
                log.warning("invalidation bus: could not read the outbox: %s", exc)
            self._stop.wait(POLL_SECONDS)

    # -- ending -----------------------------------------------------------------------
    def close(self) -> None:
        """Send what is queued, stop listening, close the connections."""
        with contextlib.suppress(Exception):
            atexit.unregister(self.close)
        publisher, self._publisher = self._publisher, None
        if publisher is not None:
            self._out.put(None)
            publisher.join(timeout=5)
        self._stop.set()
        listener, self._listener = self._listener, None
        if listener is not None:
            listener.join(timeout=5)
        if self.transport is not None:
            self.transport.close()


def make_transport(db: Database, settings: Settings) -> Transport | None:
    """Redis when configured, else PostgreSQL's NOTIFY; None on SQLite (the outbox poll)."""
    url = settings.redis_url.strip()
    if url:
        return RedisTransport(url, f"{settings.redis_key_prefix}:invalidate")
    if not db.is_sqlite:
        return PostgresTransport(db)
    return None


class PostgresTransport:
    """NOTIFY from one connection of this process, LISTEN on another."""

    def __init__(self, db: Database) -> None:
        self.db = db
        self._sender: Any = None

    def _connect(self) -> Any:
        proxied = self.db.engine.raw_connection()
        proxied.detach()  # this connection is the bus's, not the pool's
        conn: Any = proxied.dbapi_connection
        conn.autocommit = True
        return conn

    def send(self, payload: bytes) -> None:
        for attempt in range(2):
            try:
                if self._sender is None:
                    self._sender = self._connect()
                self._sender.execute("SELECT pg_notify(%s, %s)", (PG_CHANNEL, payload.decode()))
                return
            except Exception:
                self._drop_sender()
                if attempt:
                    raise

    def _drop_sender(self) -> None:
        sender, self._sender = self._sender, None
        if sender is not None:
            with contextlib.suppress(Exception):
                sender.close()

    def listen(
        self,
        stop: threading.Event,
        subscribed: Callable[[], None],
        deliver: Callable[[bytes], None],
    ) -> None:
        conn = self._connect()
        try:
            conn.execute(f"LISTEN {PG_CHANNEL}")
            subscribed()
            while not stop.is_set():
                for note in conn.notifies(timeout=WAIT_SECONDS):
                    deliver(note.payload.encode())
        finally:
            with contextlib.suppress(Exception):
                conn.close()

    def close(self) -> None:
        self._drop_sender()


class RedisTransport:
    """PUBLISH and SUBSCRIBE on one Redis channel."""

    def __init__(self, url: str, channel: str) -> None:
        import redis

        self.channel = channel
        self.client = redis.Redis.from_url(url, socket_timeout=5, socket_connect_timeout=5)

    def send(self, payload: bytes) -> None:
        self.client.publish(self.channel, payload)

    def listen(
        self,
        stop: threading.Event,
        subscribed: Callable[[], None],
        deliver: Callable[[bytes], None],
    ) -> None:
        pubsub = self.client.pubsub(ignore_subscribe_messages=True)  # type: ignore[no-untyped-call]
        try:
            pubsub.subscribe(self.channel)
            subscribed()
            while not stop.is_set():
                message = pubsub.get_message(timeout=WAIT_SECONDS)
                if message is not None and message.get("type") == "message":
                    deliver(message["data"])
        finally:
            with contextlib.suppress(Exception):
                pubsub.close()

    def close(self) -> None:
        with contextlib.suppress(Exception):
            self.client.close()
