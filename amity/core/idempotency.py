"""Idempotency keys: a retried write with the same key gets the first answer, not a second
change (Stripe's Idempotency-Key).

A request with a key first claims it (owner = the credential, the key, a fingerprint of the
request) in a transaction of its own. Every write the request commits marks the claim in
its own transaction (a commit hook, store/engine.py), and a /data write stores its answer
there too, so a change and the knowledge that it was made commit together. The API layer
(api/idempotency.py) then keeps the answer, replays it, or releases the claim.
"""

from __future__ import annotations

import hashlib
import json
import logging
import uuid
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy.engine import Connection

from amity.core.actor import Actor
from amity.core.clock import utcnow
from amity.errors import Conflict, InProgress, Unprocessable
from amity.store.engine import CommitHook, Database
from amity.store.idempotency import COMMITTED, DONE, IdempotencyStore, KeyRow

KEEP = timedelta(hours=24)  # a key answers the same for this long, then is forgotten
STALE = timedelta(seconds=60)  # a running claim this old lost its process: take it over
MAX_KEY_LENGTH = 255
log = logging.getLogger("amity.core.idempotency")


@dataclass(frozen=True)
class Answer:
    """A stored answer: status, the headers worth replaying, body."""

    status: int
    headers: tuple[tuple[str, str], ...]
    body: bytes

    def headers_json(self) -> str:
        return json.dumps([list(pair) for pair in self.headers])

    @classmethod
    def of_row(cls, row: KeyRow) -> Answer:
        pairs = json.loads(row.headers or "[]")
        return cls(
            int(row.status or 200), tuple((str(n), str(v)) for n, v in pairs), row.body or b""
        )


@dataclass
class Claim:
    """One request's hold on a key, for as long as the request runs."""

    owner: str
    key: str
    fingerprint: str
    token: str
    answer: Answer | None = None
    """An answer rendered inside the request's write, stored in that write's transaction."""
    committed: bool = False
    """A write of the request has committed: the claim must not be released."""
    stored: Answer | None = None
    """The answer the database holds (committed)."""

    def note_commit(self, answer: Answer | None) -> None:
        self.committed = True
        if answer is not None:
            self.stored = answer


def owner_of(actor: Actor) -> str:
    """Whose keys these are: the user, the credential's kind and id, the OAuth client (and
    the portal contact): one credential's keys never answer for another's."""
    parts = (actor.user_id, actor.credential, actor.credential_id, actor.client_id)
    owner = "|".join(part or "" for part in parts)
    return f"{owner}|{actor.contact_id}" if actor.contact_id else owner


def fingerprint(method: str, path: str, query: bytes, body: bytes) -> str:
    """sha256 over the method, path, query string and body (each length-prefixed, so no
    two different requests share a fingerprint by moving bytes between the parts)."""
    digest = hashlib.sha256()
    for part in (method.encode(), path.encode(), query, body):
        digest.update(len(part).to_bytes(8, "big"))
        digest.update(part)
    return digest.hexdigest()


class Idempotency:
    """Claims, marks, answers, releases and purges idempotency keys."""

    def __init__(self, db: Database) -> None:
        self.db = db
        self.store = IdempotencyStore(db.tables)

    def claim(self, owner: str, key: str, print_: str) -> Claim | Answer:
        """A new claim of the key, or the stored answer of its first request. 422 when the
        key was used for another request; 409 while its first request runs, or when that
        request made its change but its answer was not kept."""
        now = utcnow()
        token = uuid.uuid4().hex
        with self.db.write() as conn:
            for _ in range(3):  # a row that expires or goes away while we look: again
                if self.store.insert(conn, owner, key, print_, token, now):
                    return Claim(owner, key, print_, token)
                row = self.store.find(conn, owner, key)
                if row is None:
                    continue
                if row.date_created < now - KEEP:
                    expired = self.store.expired(now - KEEP)
                    if self.store.take_over(conn, owner, key, print_, token, now, expired):
                        return Claim(owner, key, print_, token)
                    continue
                return self._existing(conn, row, owner, key, print_, token, now)
        raise InProgress(
            "A request with this Idempotency-Key is still running",
            "wait for its answer, then send the request again with the same key",
        )

    def _existing(
        self,
        conn: Connection,
        row: KeyRow,
        owner: str,
        key: str,
        print_: str,
        token: str,
        now: datetime,
    ) -> Claim | Answer:
        if row.fingerprint != print_:
            raise Unprocessable(
                "This Idempotency-Key was used for a different request",
                "a retry repeats the method, path, query and body exactly; "
                "send a new key for a new request",
            )
        if row.state == DONE:
            return Answer.of_row(row)
        if row.state == COMMITTED:
            raise Conflict(
                "The first request with this Idempotency-Key made its change, "
                "but its answer was not kept",
                "read the resource to see the result; send a new key for a new request",
            )
        stale = self.store.stale(now - STALE)
        if row.date_created < now - STALE and self.store.take_over(
            conn, owner, key, print_, token, now, stale
        ):
            return Claim(owner, key, print_, token)
        raise InProgress(
            "A request with this Idempotency-Key is still running",
            "wait for its answer, then send the request again with the same key",
        )

    def commit_hook(self, claim: Claim) -> CommitHook:
        """What every write of the claim's request does in its transaction: mark the claim
        used (and store the answer rendered in the write, if any); a claim taken over by
        another request (this one ran past the stale limit) rolls the write back."""

        def hook(conn: Connection) -> None:
            answer, claim.answer = claim.answer, None
            if answer is not None:
                kept = self.store.store_answer(
                    conn,
                    claim.owner,
                    claim.key,
                    claim.token,
                    answer.status,
                    answer.headers_json(),
                    answer.body,
                )
            else:
                kept = self.store.mark_committed(conn, claim.owner, claim.key, claim.token)
            if not kept:
                raise Conflict(
                    "Another request took this Idempotency-Key over",
                    "this request took too long and changed nothing; "
                    "send it again with the same key to get the other request's answer",
                )
            self.db.after_commit(lambda: claim.note_commit(answer))

        return hook

    def finish(self, claim: Claim, answer: Answer) -> None:
        """Keep the answer of the claim's request, to replay."""
        with self.db.write() as conn:
            kept = self.store.store_answer(
                conn,
                claim.owner,
                claim.key,
                claim.token,
                answer.status,
                answer.headers_json(),
                answer.body,
            )
        if kept:
            claim.stored = answer
        else:
            log.warning("idempotency key of %s was taken over before its answer", claim.owner)

    def release(self, claim: Claim) -> None:
        """Drop the claim of a request that changed nothing and may be sent again."""
        with self.db.write() as conn:
            self.store.release(conn, claim.owner, claim.key, claim.token)

    def purge(self, now: datetime) -> int:
        """Remove the keys older than 24 hours (they answer no more); returns how many."""
        with self.db.write() as conn:
            return self.store.purge(conn, now - KEEP)
