"""The tasks Amity itself defers: the retention sweep, and a no-op (health, benchmarks)."""

from __future__ import annotations

import logging
from typing import Any

from amity.core.clock import utcnow
from amity.core.jobs.tasks import task

SWEEP_SECONDS = 3600.0
log = logging.getLogger("amity.jobs")


@task("amity.sweep", attempts=3, backoff=60.0, every=SWEEP_SECONDS)
def sweep(services: Any) -> None:
    """Call every retention sweep (services.sweeps) with the time; each deletes what is
    older than its retention and says how much."""
    now = utcnow()
    for purge in services.sweeps:
        removed = purge(now)
        if removed:
            log.info("sweep %s removed %d rows", getattr(purge, "__qualname__", purge), removed)


@task("amity.noop", attempts=1)
def noop(services: Any, **_: Any) -> None:
    """Does nothing."""
