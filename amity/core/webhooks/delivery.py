"""Delivering webhook messages: one drain job per webhook, retries, the log, switching off.

The job `amity.webhooks.deliver(webhook_id)` runs under the lock `webhook:<id>`, so one
webhook's messages are sent by one job at a time (two workers never send one message
twice unless an attempt failed or a worker died mid-send). A drain sends in rounds: each
round takes, of every record, only its oldest pending message (so one record's deliveries
arrive in the order of the writes), sends the due ones concurrently, and records how each
went; it ends when nothing is due. A failed attempt is retried after about 5 s, 5 min,
30 min, 2 h, 5 h, 10 h and 10 h (±10 %), or after the receiver's Retry-After (429, 503);
the periodic job `amity.webhooks.wake` defers the drains of webhooks whose retries are
due. 410 switches the webhook off at once; so do five days of nothing but failures.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import random
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import TYPE_CHECKING, Any

import httpx
import orjson

from amity.core.actor import Actor
from amity.core.clock import utcnow_precise
from amity.core.fields import select_fields
from amity.core.ids import new_id
from amity.core.jobs.tasks import task
from amity.core.webhooks import sender
from amity.core.webhooks.secrets import signature_header
from amity.errors import Forbidden
from amity.store.webhooks import DELIVERED, FAILED, PENDING, SKIPPED

if TYPE_CHECKING:
    from amity.core.webhooks.service import Webhooks

RETRY_DELAYS = (5, 300, 1800, 7200, 18000, 36000, 36000)
"""Seconds before each retry; after the last one the message has failed."""
JITTER = 0.1
DISABLE_AFTER = timedelta(days=5)
ROUND = 500  # messages looked at per round
CONCURRENCY = 16  # requests in flight per drain (and connections per receiver)
MAX_RETRY_AFTER = 86400.0
WAKE_SECONDS = 5.0
DELIVER_TASK = "amity.webhooks.deliver"
FAN_OUT_TASK = "amity.webhooks.fan_out"
FAN_OUT_KEY = "webhooks:fan_out"
log = logging.getLogger("amity.webhooks")


def retry_delay(attempts: int, retry_after: float | None) -> float | None:
    """Seconds until the next attempt after `attempts` failed ones; None: give up."""
    if attempts > len(RETRY_DELAYS):
        return None
    if retry_after is not None:
        return min(max(retry_after, 1.0), MAX_RETRY_AFTER)
    base = RETRY_DELAYS[attempts - 1]
    return base * random.uniform(1 - JITTER, 1 + JITTER)


@dataclass
class Sent:
    """One attempt: the message row and what came of it."""

    message: dict[str, Any]
    answer: sender.Answer | None  # None: not sent (the owner may not read the record)
    reason: str | None = None


class Deliverer:
    """Sends the pending messages of one webhook (the body of the drain job)."""

    def __init__(self, webhooks: Webhooks, now: Callable[[], datetime] = utcnow_precise) -> None:
        self.webhooks = webhooks
        self.db = webhooks.db
        self.store = webhooks.store
        self.records = webhooks.records
        self.now = now
        self._local = threading.local()
        self._lock = threading.Lock()
        self._kept: list[tuple[asyncio.Runner, httpx.AsyncClient]] = []

    def drain(self, webhook_id: str) -> int:
        """Send every due message of the webhook; how many attempts were made."""
        runner, client = self._loop()
        return runner.run(self._drain(webhook_id, client))

    def _loop(self) -> tuple[asyncio.Runner, httpx.AsyncClient]:
        """This thread's event loop and HTTP client, kept between drains (connections to
        a receiver stay open; no client to build per job)."""
        kept = getattr(self._local, "kept", None)
        if kept is None:
            runner = asyncio.Runner()
            client = sender.client(self.webhooks.targets, max_connections=CONCURRENCY)
            kept = self._local.kept = (runner, client)
            with self._lock:
                self._kept.append(kept)
        return kept

    def close(self) -> None:
        """Close the loops and clients of every thread (their threads have stopped)."""
        with self._lock:
            kept, self._kept = self._kept, []
        for runner, client in kept:
            with contextlib.suppress(Exception):
                runner.run(client.aclose())
            runner.close()
        self._local = threading.local()

    async def _drain(self, webhook_id: str, client: httpx.AsyncClient) -> int:
        attempts = 0
        while True:
            with self.db.read() as conn:
                hook = self.store.get(conn, webhook_id)
                if hook is None or hook["disabled"]:
                    return attempts
                rows = self.store.pending(conn, webhook_id, ROUND)
            now = self.now()
            batch = heads(rows, now)
            if not batch:
                return attempts
            results = await self._send(client, hook, batch)
            self._record(hook, results)
            attempts += sum(1 for r in results if r.answer is not None)

    async def send_one(self, hook: dict[str, Any], message: dict[str, Any]) -> Sent:
        """Send one message now (the test event), recording the attempt."""
        async with sender.client(self.webhooks.targets, max_connections=CONCURRENCY) as client:
            results = await self._send(client, hook, [message], final=True)
        self._record(hook, results, final=True)
        return results[0]

    # -- sending ----------------------------------------------------------------------
    async def _send(
        self,
        client: Any,
        hook: dict[str, Any],
        batch: list[dict[str, Any]],
        final: bool = False,
    ) -> list[Sent]:
        bodies = self._bodies(hook, batch)
        keys = self.webhooks.signing_secrets(hook, self.now())
        gate = asyncio.Semaphore(CONCURRENCY)

        async def one(message: dict[str, Any]) -> Sent:
            body = bodies.get(message["id"])
            if body is None:
                return Sent(message, None, "the webhook's owner may not read the record")
            if not keys:
                return Sent(message, None, "the webhook's secret cannot be read")
            stamp = int(time.time())
            headers = {
                "content-type": "application/json",
                "webhook-id": message["event_id"],
                "webhook-timestamp": str(stamp),
                "webhook-signature": signature_header(keys, message["event_id"], stamp, body),
                "x-amity-event": message["kind"],
                "x-amity-model": message["model"],
            }
            async with gate:
                answer = await sender.post(client, hook["url"], body, headers)
            return Sent(message, answer)

        return list(await asyncio.gather(*(one(m) for m in batch)))

    def _bodies(self, hook: dict[str, Any], batch: list[dict[str, Any]]) -> dict[int, bytes]:
        """The JSON bodies of the messages whose record the owner may read now, rendered
        as the owner reads the record (names of records hidden from the owner blanked)."""
        owner = self.webhooks.owner_actor(hook["assigned_user_id"])
        out: dict[int, bytes] = {}
        tests = [m for m in batch if m["kind"] == "test"]
        for m in tests:
            out[m["id"]] = m["record"].encode()
        records = [m for m in batch if m["kind"] != "test"]
        if owner is None or not records:
            return out
        model = self.records.registry.models.get(hook["model"])
        if model is None:
            return out
        readable = self.readable(owner, model, sorted({m["record_id"] for m in records}))
        fields = select_fields(model, None, all_by_default=True)
        shown = [(m, orjson.loads(m["record"])) for m in records if m["record_id"] in readable]
        with self.db.read() as conn:  # one look-up of hidden names for the whole round
            self.records.hide_names(conn, owner, fields, [record for _, record in shown])
        for m, record in shown:
            if hook["payload"] == "event":
                previous = orjson.loads(m["previous"])
                content: Any = {
                    "type": m["kind"],
                    "model": m["model"],
                    "id": m["record_id"],
                    "record": record,
                    "previous": previous,
                    "changed": sorted(previous),
                    "actor": orjson.loads(m["actor"]),
                    "occurred_at": m["occurred_at"].strftime("%Y-%m-%d %H:%M:%S"),
                }
            else:
                content = record
            out[m["id"]] = orjson.dumps(content)
        return out

    def readable(self, owner: Actor, model: Any, ids: list[str]) -> set[str]:
        """The records (deleted ones included) the owner may read."""
        try:
            self.records.policy.check(owner, model, "view")
            conditions = self.records.policy.read_conditions(owner, model)
        except Forbidden:
            return set()
        if not conditions:
            return set(ids)
        with self.db.read() as conn:
            rows = self.records.query.select_rows(
                conn,
                model,
                [model.fields["id"]],
                ids=ids,
                conditions=conditions,
                with_deleted=True,
            )
        return {row["id"] for row in rows}

    # -- recording --------------------------------------------------------------------
    def _record(self, hook: dict[str, Any], results: list[Sent], final: bool = False) -> None:
        now = self.now()
        log_rows: list[dict[str, Any]] = []
        settled: list[dict[str, Any]] = []
        succeeded = failed = False
        gone: str | None = None
        for sent in results:
            m, answer = sent.message, sent.answer
            row = {
                "message_id": m["id"],
                "state": SKIPPED,
                "attempts": m["attempts"],
                "next_attempt_at": m["next_attempt_at"],
                "last_error": sent.reason,
                "now": now,
            }
            settled.append(row)
            if answer is None:
                continue
            row["attempts"] = attempt = m["attempts"] + 1
            log_rows.append(
                {
                    "id": new_id(),
                    "webhook_id": hook["id"],
                    "message_id": m["id"],
                    "event_id": m["event_id"],
                    "attempt": attempt,
                    "status_code": answer.status,
                    "duration_ms": answer.duration_ms,
                    "response": answer.body,
                    "error": answer.error[:500] if answer.error else None,
                    "date_created": now,
                }
            )
            if answer.status is not None and 200 <= answer.status < 300:
                succeeded = True
                row.update(state=DELIVERED, last_error=None)
                continue
            failed = True
            row["last_error"] = (answer.error or f"HTTP {answer.status}")[:500]
            delay = None if final else retry_delay(attempt, answer.retry_after)
            if answer.status == 410:
                gone = "the receiver answered 410 Gone"
                delay = None
            if delay is None:
                row["state"] = FAILED
            else:
                row.update(state=PENDING, next_attempt_at=now + timedelta(seconds=delay))
        with self.db.write() as conn:
            self.store.settle(conn, settled)
            self.store.log(conn, log_rows)
            self._health(conn, hook, now, succeeded, failed, gone)

    def _health(
        self,
        conn: Any,
        hook: dict[str, Any],
        now: datetime,
        succeeded: bool,
        failed: bool,
        gone: str | None,
    ) -> None:
        """Remember since when every delivery failed; switch the webhook off after 410 or
        after five days of failures."""
        fresh = self.store.get(conn, hook["id"])
        if fresh is None:
            return
        since = fresh["failing_since"]
        if succeeded:
            since = None
        elif failed and since is None:
            since = now
        reason = gone
        if reason is None and since is not None and now - since >= DISABLE_AFTER:
            reason = f"every delivery failed for 5 days (since {since:%Y-%m-%d %H:%M:%S} UTC)"
        if since != fresh["failing_since"] and reason is None:
            self.store.update(conn, hook["id"], {"failing_since": since})
        if reason is not None:
            self.webhooks.switch_off(conn, fresh, reason, now)


def heads(rows: list[dict[str, Any]], now: datetime) -> list[dict[str, Any]]:
    """Of each record, its oldest pending message, if that is due (rows oldest first)."""
    seen: set[str] = set()
    out: list[dict[str, Any]] = []
    for row in rows:
        key = row["record_id"] or f"message:{row['id']}"
        if key in seen:
            continue
        seen.add(key)
        if row["next_attempt_at"] <= now:
            out.append(row)
    return out


@task(DELIVER_TASK, attempts=3, backoff=5.0)
def deliver(services: Any, webhook_id: str) -> None:
    """Send the due messages of one webhook."""
    services.webhooks.deliverer.drain(webhook_id)


@task(FAN_OUT_TASK, attempts=3, backoff=5.0)
def fan_out(services: Any) -> None:
    """Give the webhooks whose filters match the kept events their messages."""
    services.webhooks.selection.fan_out()


@task("amity.webhooks.wake", attempts=1, every=WAKE_SECONDS)
def wake(services: Any) -> None:
    """Defer the drains of webhooks with due retries (and of any a lost job left)."""
    services.webhooks.wake_due()
