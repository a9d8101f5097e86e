"""The job tasks of reports: one run, and the periodic start of scheduled runs."""

from __future__ import annotations

from typing import Any

from amity.core.clock import utcnow
from amity.core.jobs.tasks import task

SCHEDULE_SECONDS = 60.0  # how often due scheduled reports are looked for


@task("reports.run", attempts=1)
def run(services: Any, run_id: str) -> None:
    """Run one report run (its rows archived; a failure is recorded on the run)."""
    services.reports.execute(run_id)


@task("reports.schedule", attempts=1, every=SCHEDULE_SECONDS)
def schedule(services: Any) -> None:
    """Start the runs of scheduled reports whose next_run has come."""
    services.reports.run_due(utcnow())
