"""Retry decisions (IO-free): which failures are tried again, and how long to wait first.

- 429 and 503 (by default) are retried for every method: the server did not act on the
  request. A Retry-After header sets the wait; without one the wait grows exponentially
  (backoff_factor * 2**attempt, at most max_backoff) with random jitter.
- Connection failures before the request left (refused, connect timeout) are retried for
  every method. Failures after it left (reset, dropped, read timeout) are retried for
  idempotent methods, and for writes that carry an Idempotency-Key (the client adds one to
  every write): the server answers such a retry with the first answer instead of acting
  twice. Without a key a POST or PATCH is not retried, since the server may have acted.
- A 409 with a Retry-After, which the server sends while the first request with the same
  Idempotency-Key is still running, is waited for and retried.
"""

from __future__ import annotations

import random
from collections.abc import Callable
from dataclasses import dataclass, field

IDEMPOTENT = frozenset({"GET", "HEAD", "OPTIONS", "PUT", "DELETE"})


@dataclass(frozen=True)
class RetryPolicy:
    """How a client retries; `RetryPolicy(max_retries=0)` turns retrying off."""

    max_retries: int = 3
    """Retries after the first attempt (so at most max_retries + 1 requests)."""
    backoff_factor: float = 0.5
    """First backoff in seconds; each retry doubles it."""
    max_backoff: float = 30.0
    """Longest backoff between two attempts, in seconds."""
    jitter: float = 0.5
    """Fraction of each backoff that is random (0: none, 1: anywhere from 0 to the full wait)."""
    max_retry_after: float = 120.0
    """A Retry-After longer than this (seconds) is not waited for: the error is raised."""
    retry_statuses: frozenset[int] = field(default_factory=lambda: frozenset({429, 503}))
    idempotent_methods: frozenset[str] = IDEMPOTENT

    def __post_init__(self) -> None:
        if self.max_retries < 0 or self.backoff_factor < 0 or self.max_backoff < 0:
            raise ValueError("retry limits must not be negative")
        if not 0 <= self.jitter <= 1:
            raise ValueError("jitter must be between 0 and 1")

    def backoff(self, attempt: int, rand: Callable[[], float] = random.random) -> float:
        """The wait before retry number attempt+1 when the server gave no Retry-After."""
        full = min(self.max_backoff, self.backoff_factor * (2.0**attempt))
        return full * (1 - self.jitter * rand())

    def after_status(
        self,
        method: str,
        status: int,
        retry_after: float | None,
        attempt: int,
        rand: Callable[[], float] = random.random,
        *,
        keyed: bool = False,
    ) -> float | None:
        """Seconds to wait before retrying an answer with this status, or None: do not.
        `keyed`: the request carries an Idempotency-Key (a 409 with Retry-After then means
        that its first attempt is still running)."""
        if attempt >= self.max_retries:
            return None
        in_flight = keyed and status == 409 and retry_after is not None
        if status not in self.retry_statuses and not in_flight:
            return None
        if retry_after is not None:
            return retry_after if retry_after <= self.max_retry_after else None
        return self.backoff(attempt, rand)

    def after_error(
        self,
        method: str,
        request_sent: bool,
        attempt: int,
        rand: Callable[[], float] = random.random,
        *,
        keyed: bool = False,
    ) -> float | None:
        """Seconds to wait before retrying after a connection failure, or None: do not.
        `request_sent` is False when the connection was never made; `keyed`: the request
        carries an Idempotency-Key, so the server will not act on it twice."""
        if attempt >= self.max_retries:
            return None
        if request_sent and not keyed and method.upper() not in self.idempotent_methods:
            return None
        return self.backoff(attempt, rand)
