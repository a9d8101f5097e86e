"""The iCalendar (RFC 5545) feed of a user's events, written with the icalendar library.

Times are UTC (`...Z`); project tasks are all-day events (DTEND the day after the last).
The window is fixed: FEED_DAYS_BACK days before today through FEED_DAYS_AHEAD days after.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, date, datetime, timedelta

import icalendar

from amity.core.calendar.events import Event, Window, window
from amity.core.clock import today, utcnow

FEED_DAYS_BACK = 30
FEED_DAYS_AHEAD = 180
PRODUCT = "-//Amity//Amity CRM calendar//EN"


def feed_window() -> Window:
    now = today()
    return window(now - timedelta(days=FEED_DAYS_BACK), now + timedelta(days=FEED_DAYS_AHEAD))


def render_feed(events: Sequence[Event], title: str, host: str, zone: str = "UTC") -> bytes:
    """The VCALENDAR of `events`; `host` makes the UIDs unique to this server. `zone`, the
    user's time zone, is named as the calendar's (X-WR-TIMEZONE, which calendar apps show
    the events in); the times themselves stay UTC."""
    cal = icalendar.Calendar()
    cal.add("prodid", PRODUCT)
    cal.add("version", "2.0")
    cal.add("calscale", "GREGORIAN")
    cal.add("x-wr-calname", title)
    cal.add("x-wr-timezone", zone)
    stamp = utcnow().replace(tzinfo=UTC)
    for event in events:
        cal.add_component(vevent(event, host, stamp))
    return bytes(cal.to_ical())


def vevent(event: Event, host: str, stamp: datetime) -> icalendar.Event:
    out = icalendar.Event()
    out.add("uid", f"{event.type}-{event.id}@{host}")
    out.add("dtstamp", stamp)
    out.add("summary", event.name)
    out.add("categories", [event.type])
    if event.location:
        out.add("location", event.location)
    start, end = span(event)
    if start is not None:
        out.add("dtstart", start)
    if end is not None and end != start:
        out.add("dtend", end)
    return out


def span(event: Event) -> tuple[datetime | date | None, datetime | date | None]:
    """DTSTART and DTEND: UTC datetimes, or dates with an exclusive end for all-day events.
    A call or meeting without an end lasts its duration; a task without a start is a
    moment at its due time."""
    first = event.start or event.due
    last = event.due or event.start
    if first is None or last is None:
        return None, None
    if last < first:
        first, last = last, first
    if event.all_day:
        assert isinstance(first, date) and isinstance(last, date)
        return as_day(first), as_day(last) + timedelta(days=1)
    assert isinstance(first, datetime) and isinstance(last, datetime)
    if event.due is None and event.minutes:
        last = first + timedelta(minutes=event.minutes)
    return first.replace(tzinfo=UTC), last.replace(tzinfo=UTC)


def as_day(value: date) -> date:
    return value.date() if isinstance(value, datetime) else value
