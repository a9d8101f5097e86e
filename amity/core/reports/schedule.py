"""When a scheduled report runs next: every `run_interval` hours, days, weeks or months."""

from __future__ import annotations

import calendar
from datetime import datetime, timedelta

UNITS = ("hours", "days", "weeks", "months")
MAX_INTERVAL = 1000


def advance(moment: datetime, interval: int, unit: str) -> datetime:
    """`moment` plus the interval; a month step keeps the day, or the month's last day."""
    if unit == "months":
        months = moment.month - 1 + interval
        year, month = moment.year + months // 12, months % 12 + 1
        day = min(moment.day, calendar.monthrange(year, month)[1])
        return moment.replace(year=year, month=month, day=day)
    return moment + timedelta(**{unit: interval})


def next_after(moment: datetime, interval: int, unit: str, now: datetime) -> datetime:
    """The first step of the schedule from `moment` that is later than `now` (runs missed
    while the server was down are not made up one by one)."""
    step = advance(moment, interval, unit)
    while step <= now:
        step = advance(step, interval, unit)
    return step
