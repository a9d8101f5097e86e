"""The time: naive UTC datetimes, as stored."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta


def utcnow() -> datetime:
    """Now in UTC, to the second (what the API shows)."""
    return datetime.now(UTC).replace(tzinfo=None, microsecond=0)


def utcnow_precise() -> datetime:
    """Now in UTC to the microsecond: orders definitions made within one second."""
    return datetime.now(UTC).replace(tzinfo=None)


def seconds_from_now(seconds: int) -> datetime:
    """The end of a span that starts now, rounded up to the second: stored to the second,
    a span never ends early (a one-second session lasts at least one second)."""
    end = utcnow_precise() + timedelta(seconds=seconds)
    return end.replace(microsecond=0) + timedelta(seconds=1) if end.microsecond else end


def today() -> date:
    return utcnow().date()
