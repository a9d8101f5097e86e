"""Reports: saved queries over one model, run as jobs, their rows archived per run."""

from __future__ import annotations

from amity.core.reports import tasks
from amity.core.reports.service import Reports

__all__ = ["Reports", "tasks"]
