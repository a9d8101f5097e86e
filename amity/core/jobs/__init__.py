"""Background jobs: one interface, two engines (SQLite rows, procrastinate on PostgreSQL).

@task("webhooks.deliver", attempts=8, backoff=30)
def deliver(services, hook_id, event_id): ...

with services.db.write() as conn:
    ...  # the write that causes the job
    services.jobs.defer(conn, "webhooks.deliver", {"hook_id": h, "event_id": e},
                        lock=f"hook:{h}")
"""

from __future__ import annotations

from amity.core.jobs import builtin
from amity.core.jobs.service import Jobs, render
from amity.core.jobs.tasks import JOB_ACTOR, TASKS, Task, task

__all__ = ["JOB_ACTOR", "TASKS", "Jobs", "Task", "builtin", "render", "task"]
