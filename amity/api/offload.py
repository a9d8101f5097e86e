"""Password checks and hashes off the event loop, one at a time per worker process.

argon2 (argon2-cffi's defaults) spends about 0.1 s of CPU on several threads per check. In a
worker thread it no longer stalls the event loop, and a limiter of one per process keeps a
flood of wrong passwords from taking every core from the other requests: later checks wait
(costing nothing) for the one running.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TypeVar

import anyio.to_thread
from anyio import CapacityLimiter
from anyio.lowlevel import RunVar

T = TypeVar("T")
CHECKS_AT_ONCE = 1

_limiter: RunVar[CapacityLimiter] = RunVar("amity_password_checks")


def password_limiter() -> CapacityLimiter:
    """The limiter of the running event loop (one per loop, made on first use)."""
    try:
        return _limiter.get()
    except LookupError:
        limiter = CapacityLimiter(CHECKS_AT_ONCE)
        _limiter.set(limiter)
        return limiter


async def run_password_check(func: Callable[..., T], *args: object) -> T:
    """func(*args) in a worker thread, at most CHECKS_AT_ONCE at a time."""
    return await anyio.to_thread.run_sync(func, *args, limiter=password_limiter())
