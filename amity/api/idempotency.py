"""Idempotency-Key on POST, PATCH, PUT and DELETE (ASGI middleware, after Authenticate).

A request with the header from an authenticated caller claims the key for its credential
(core/idempotency.py) before it runs. The same key and request again within 24 hours get
the stored answer with `Idempotent-Replayed: true` and write nothing; the key with another
method, path, query or body is a 422; while the first request runs, a 409. The answer is
stored before it is sent (a /data write stores it in the write's own transaction), so a
client that retries at once finds it. Answers that depend on the credential or on timing
(401, 403, 408, 409, 412, 423, 425, 429 and any 5xx) of a request that committed no write
release the key: the request may be sent again with it. Requests without the header, or
without credentials, pass as they are, and so do raw file uploads: their body streams to
storage and is never held whole, and sending one again only makes another temporary id,
which expires unused.
"""

from __future__ import annotations

import contextvars
import logging
import re
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from sqlalchemy.exc import IntegrityError, OperationalError
from starlette.requests import Request
from starlette.responses import Response
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from amity.api.authn import first_header
from amity.api.errors import database_error, render_error, scope_request
from amity.core.idempotency import MAX_KEY_LENGTH, Answer, Claim, fingerprint, owner_of
from amity.core.services import Services
from amity.errors import AmityError, BadRequest, PayloadTooLarge
from amity.store.engine import commit_hook

HEADER = b"idempotency-key"
REPLAYED_HEADER = (b"idempotent-replayed", b"true")
METHODS = frozenset({"POST", "PATCH", "PUT", "DELETE"})
STREAMED_PATHS = frozenset({"/api.php/files/upload"})  # bodies never read whole
# answers of requests that wrote nothing which are not kept: the same request may succeed
RELEASED = frozenset({401, 403, 408, 409, 412, 423, 425, 429})
KEPT_HEADERS = frozenset({"content-type", "etag", "location", "last-modified", "content-language"})
MAX_ANSWER_BYTES = 1024 * 1024  # a larger answer is sent as it comes, and not kept
log = logging.getLogger("amity.api.idempotency")

_claim: contextvars.ContextVar[Claim | None] = contextvars.ContextVar(
    "amity_idempotency_claim", default=None
)


def answer_of(status: int, headers: list[tuple[bytes, bytes]], body: bytes) -> Answer:
    kept = tuple(
        (name.decode("latin-1").lower(), value.decode("latin-1"))
        for name, value in headers
        if name.decode("latin-1").lower() in KEPT_HEADERS
    )
    return Answer(status, kept, body)


def keep_answer(response: Response) -> None:
    """Inside a write unit: the response to store in the write's transaction when the
    request holds an idempotency key (run_write(..., respond=...))."""
    claim = _claim.get()
    if claim is not None:
        claim.answer = answer_of(response.status_code, response.raw_headers, bytes(response.body))


@contextmanager
def _holding(claim: Claim, hook: Any) -> Iterator[None]:
    token = _claim.set(claim)
    try:
        with commit_hook(hook):
            yield
    finally:
        _claim.reset(token)


class IdempotencyKeys:
    """ASGI middleware: claims, replays and keeps answers of keyed writes."""

    def __init__(self, app: ASGIApp, services: Services) -> None:
        self.app = app
        self.services = services

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if (
            scope["type"] != "http"
            or scope["method"] not in METHODS
            or scope["path"] in STREAMED_PATHS
        ):
            await self.app(scope, receive, send)
            return
        key = first_header(scope, HEADER)
        actor = scope.get("state", {}).get("actor")
        if key is None or actor is None:
            await self.app(scope, receive, send)
            return
        try:
            check_key(key)
            body = await read_whole_body(scope, receive, int(self.services.settings.max_body_bytes))
            if body is None:
                return  # the client hung up
            idem = self.services.idempotency
            owner, print_ = (
                owner_of(actor),
                fingerprint(scope["method"], scope["path"], scope.get("query_string", b""), body),
            )
            found = await self.services.writes.run(lambda: idem.claim(owner, key, print_))
        except AmityError as exc:
            await render_error(exc, scope_request(scope))(scope, receive, send)
            return
        except (OperationalError, IntegrityError) as exc:
            await (await database_error(Request(scope), exc))(scope, receive, send)
            return
        if isinstance(found, Answer):
            await replay(found, send)
            return
        await self.run(found, body, scope, receive, send)

    async def run(
        self, claim: Claim, body: bytes, scope: Scope, receive: Receive, send: Send
    ) -> None:
        """Run the request holding the claim; keep or release it as its answer says."""
        given = False

        async def receive_body() -> Message:
            nonlocal given
            if not given:
                given = True
                return {"type": "http.request", "body": body, "more_body": False}
            return await receive()

        start: Message | None = None
        chunks: list[bytes] = []
        size = 0
        streaming = False  # too large to keep: passed on as it comes

        async def capture(message: Message) -> None:
            nonlocal start, size, streaming
            if streaming:
                await send(message)
            elif message["type"] == "http.response.start":
                start = message
            elif message["type"] == "http.response.body":
                chunks.append(message.get("body", b""))
                size += len(chunks[-1])
                if not message.get("more_body", False):
                    assert start is not None
                    answer = answer_of(
                        start["status"], list(start.get("headers", ())), b"".join(chunks)
                    )
                    await self.settle(claim, answer)
                    await send(start)
                    await send({"type": "http.response.body", "body": answer.body})
                elif size > MAX_ANSWER_BYTES:
                    streaming = True
                    await self.settle(claim, None)
                    assert start is not None
                    await send(start)
                    await send(
                        {"type": "http.response.body", "body": b"".join(chunks), "more_body": True}
                    )
            else:
                await send(message)

        idem = self.services.idempotency
        try:
            with _holding(claim, idem.commit_hook(claim)):
                await self.app(scope, receive_body, capture)
        except BaseException:
            if start is None and not claim.committed:  # no answer: the key is free again
                await self.unclaim(claim)
            raise

    async def settle(self, claim: Claim, answer: Answer | None) -> None:
        """Keep the answer (if it is to be replayed) or release the key, before sending it."""
        with commit_hook(None):  # the bookkeeping is no write of the request's
            try:
                if claim.committed:
                    if answer is not None and answer.status < 500 and answer != claim.stored:
                        idem = self.services.idempotency
                        await self.services.writes.run(lambda: idem.finish(claim, answer))
                elif answer is None or answer.status >= 500 or answer.status in RELEASED:
                    await self.unclaim(claim)
                else:
                    idem = self.services.idempotency
                    await self.services.writes.run(lambda: idem.finish(claim, answer))
            except Exception:  # the answer still goes out; the key stays claimed
                log.exception("could not keep the answer of idempotency key %r", claim.key)

    async def unclaim(self, claim: Claim) -> None:
        with commit_hook(None):
            try:
                idem = self.services.idempotency
                await self.services.writes.run(lambda: idem.release(claim))
            except Exception:  # taken over once stale
                log.exception("could not release idempotency key %r", claim.key)


def check_key(key: str) -> None:
    if not 0 < len(key) <= MAX_KEY_LENGTH or not _PRINTABLE.fullmatch(key):
        raise BadRequest(
            "Idempotency-Key must be 1 to {max_length} printable characters",
            "send a new unique value, such as a UUID, with each new write",
            max_length=MAX_KEY_LENGTH,
        )


_PRINTABLE = re.compile(r"[\x20-\x7e]+")


async def read_whole_body(scope: Scope, receive: Receive, max_bytes: int) -> bytes | None:
    """The request body (to fingerprint and hand on); None when the client hung up; 413
    beyond `max_bytes` (AMITY_MAX_BODY_BYTES)."""
    declared = first_header(scope, b"content-length")
    if declared and re.fullmatch(r"[0-9]{1,19}", declared) and int(declared) > max_bytes:
        raise PayloadTooLarge("Request body larger than {max_bytes} bytes", max_bytes=max_bytes)
    chunks: list[bytes] = []
    size = 0
    while True:
        message = await receive()
        if message["type"] == "http.disconnect":
            return None
        chunk = message.get("body", b"")
        size += len(chunk)
        if size > max_bytes:
            raise PayloadTooLarge("Request body larger than {max_bytes} bytes", max_bytes=max_bytes)
        chunks.append(chunk)
        if not message.get("more_body", False):
            return b"".join(chunks)


async def replay(answer: Answer, send: Send) -> None:
    headers = [(name.encode("latin-1"), value.encode("latin-1")) for name, value in answer.headers]
    headers += [(b"content-length", str(len(answer.body)).encode()), REPLAYED_HEADER]
    await send({"type": "http.response.start", "status": answer.status, "headers": headers})
    await send({"type": "http.response.body", "body": answer.body})
