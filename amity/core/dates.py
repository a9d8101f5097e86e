"""Date ranges for the 1CRM date filter operators and periods."""

from __future__ import annotations

import re
from datetime import date, timedelta

PERIOD_DAYS = re.compile(r"^days_([0-9]{1,4})$")


def add_months(day: date, months: int) -> date:
    """The first of the month `months` after day's month (day must be a 1st)."""
    index = day.year * 12 + day.month - 1 + months
    return date(index // 12, index % 12 + 1, 1)


def period_range(
    period: str, which: str, today: date, fiscal_start_month: int = 1
) -> tuple[date, date] | None:
    """[start, end) of the previous/current/next `period` around `today`; None if unknown.

    days_N windows are N days long and the current one ends with today.
    """
    shift = {"period_prev": -1, "period_current": 0, "period_next": 1}[which]
    match = PERIOD_DAYS.match(period)
    if match:
        n = int(match.group(1))
        if n < 1:
            return None
        start = today - timedelta(days=n - 1) + timedelta(days=n * shift)
        return start, start + timedelta(days=n)
    if period == "day":
        start = today + timedelta(days=shift)
        return start, start + timedelta(days=1)
    if period == "week":
        start = today - timedelta(days=today.weekday()) + timedelta(weeks=shift)
        return start, start + timedelta(weeks=1)
    months = {"month": 1, "quarter": 3, "year": 12, "fiscal_quarter": 3, "fiscal_year": 12}
    if period not in months:
        return None
    length = months[period]
    anchor = 1 if period in ("month", "quarter", "year") else fiscal_start_month
    if period == "month":
        anchor = today.month
    # first month of the block holding today, counting blocks of `length` from `anchor`
    offset = (today.month - anchor) % length if length != 1 else 0
    first = add_months(date(today.year, today.month, 1), -offset)
    start = add_months(first, shift * length)
    return start, add_months(start, length)
