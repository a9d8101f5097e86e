"""Per-user and per-client rate limits: admins override AMITY_RATE_LIMIT for one user (all
of that user's credentials) or one OAuth client (every token issued to it).

Every worker process reads the whole (small) table at most once per
AMITY_AUTH_CACHE_SECONDS, and at once when the invalidation bus says it changed.
"""

from __future__ import annotations

import time

from limits import parse

from amity.core.actor import Actor, ensure_admin
from amity.core.clock import utcnow
from amity.errors import BadRequest, NotFound
from amity.store.accounts import AccountStore
from amity.store.clients import ClientStore
from amity.store.engine import Database
from amity.store.ratelimits import RateLimitStore
from amity.store.writes import Writer

KINDS = ("user", "client")
MAX_RATE_TEXT = 40
EVENT_MODEL = "RateLimit"  # overrides' events: the user id or client_id, and the kind


def check_rate(text: str) -> str:
    """A rate such as '100/minute' or '5 per second'; 400 for anything else."""
    rate = text.strip() if isinstance(text, str) else ""
    if not rate or len(rate) > MAX_RATE_TEXT:
        raise BadRequest(
            "rate_limit must be a rate such as '100/minute'",
            "amount/unit with unit second, minute, hour or day",
        )
    try:
        parse(rate)
    except ValueError:
        raise BadRequest(
            "rate_limit {rate!r} is not a rate",
            "use amount/unit, e.g. 100/minute or 10/second",
            rate=rate,
        ) from None
    return rate


def admits_requests(rate: str) -> str:
    """A valid rate that admits at least one request: 400 for zero, which would lock the
    user or client out (a limit of its own is cleared with DELETE or --clear instead)."""
    if parse(rate).amount < 1:
        raise BadRequest(
            "rate_limit {rate!r} would refuse every request",
            "allow at least 1 request; to restore the default, DELETE the "
            "limit (amity user|client limit ... --clear)",
            rate=rate,
        )
    return rate


class RateLimitOverrides:
    """Reads and changes the per-user / per-client limits."""

    def __init__(self, db: Database, writer: Writer, cache_seconds: float) -> None:
        self.db = db
        self.writer = writer
        self.store = RateLimitStore(db.tables)
        self.accounts = AccountStore(db.tables)
        self.clients = ClientStore(db.tables)
        self.cache_seconds = cache_seconds
        self._snapshot: dict[tuple[str, str], str] = {}
        self._loaded_at = float("-inf")
        db.listeners.append(self._forget)

    def _forget(self, model: str, record_id: str) -> None:
        """An override changed, here or in another process: read them again."""
        if model in (EVENT_MODEL, "*"):
            self._loaded_at = float("-inf")

    def rate_for(self, kind: str, subject_id: str) -> str | None:
        """The override for a user id or client_id, or None (the default applies)."""
        now = time.monotonic()
        if now - self._loaded_at >= self.cache_seconds:
            with self.db.read() as conn:
                rows = self.store.all(conn)
            self._snapshot = {(k, s): r for k, s, r in rows}
            self._loaded_at = now
        return self._snapshot.get((kind, subject_id))

    def list(self, actor: Actor) -> list[dict[str, str]]:
        ensure_admin(actor, "rate limits")
        with self.db.read() as conn:
            rows = self.store.all(conn)
        return [{"kind": k, "id": s, "rate_limit": r} for k, s, r in rows]

    def set(self, actor: Actor, kind: str, subject_id: str, rate: str) -> dict[str, str]:
        """Give a user or client its own limit; 404 when there is no such user/client."""
        ensure_admin(actor, "rate limits")
        self._check_subject(kind, subject_id)
        text = admits_requests(check_rate(rate))
        now = utcnow()
        with self.db.write() as conn:
            before = self.store.rate(conn, kind, subject_id)
            self.store.put(conn, kind, subject_id, text, now)
            self.writer.emit(
                conn,
                actor,
                model=EVENT_MODEL,
                record_id=subject_id,
                kind="create" if before is None else "update",
                changes={"subject": kind, "rate_limit": [before, text]},
                at=now,
            )
        return {"kind": kind, "id": subject_id, "rate_limit": text}

    def remove(self, actor: Actor, kind: str, subject_id: str) -> None:
        ensure_admin(actor, "rate limits")
        if kind not in KINDS:
            raise NotFound("No rate limit kind {kind!r}", "kinds: user, client", kind=kind)
        with self.db.write() as conn:
            before = self.store.rate(conn, kind, subject_id)
            removed = self.store.remove(conn, kind, subject_id)
            if removed:
                self.writer.emit(
                    conn,
                    actor,
                    model=EVENT_MODEL,
                    record_id=subject_id,
                    kind="delete",
                    changes={"subject": kind, "rate_limit": [before, None]},
                    at=utcnow(),
                )
        if not removed:
            raise NotFound(
                "No rate limit of its own for {kind} {subject_id}", kind=kind, subject_id=subject_id
            )

    def _check_subject(self, kind: str, subject_id: str) -> None:
        if kind not in KINDS:
            raise NotFound("No rate limit kind {kind!r}", "kinds: user, client", kind=kind)
        with self.db.read() as conn:
            found = (
                self.clients.get(conn, subject_id)
                if kind == "client"
                else self.accounts.user_by_id(conn, subject_id)
            )
        if not found:
            raise NotFound("No {kind} with id {subject_id}", kind=kind, subject_id=subject_id)
