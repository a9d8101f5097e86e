"""The time: naive UTC datetimes, as stored."""

from __future__ import annotations

from datetime import UTC, date, datetime


def utcnow() -> datetime:
    """Now in UTC, to the second (what the API shows)."""
    return datetime.now(UTC).replace(tzinfo=None, microsecond=0)


def utcnow_precise() -> datetime:
    """Now in UTC to the microsecond: orders definitions made within one second."""
    return datetime.now(UTC).replace(tzinfo=None)


def today() -> date:
    return utcnow().date()
