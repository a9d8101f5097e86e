"""Which records are events, and which of them fall in a date range.

An event spans from the earlier to the later of its two date fields that are set (a call
without an end is a moment). It is in the range [start, end] when it begins at or before
`end` and ends at or after `start`: both bounds inclusive, an event touching a bound is in.
Project tasks have dates, not times: they cover whole days, compared by day.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Any

from amity.core.actor import Actor
from amity.core.records import Records
from amity.errors import BadRequest, Forbidden
from amity.store.conditions import AnyOf, Compare, Condition, Empty, OrderKey

MAX_PER_TYPE = 200


@dataclass(frozen=True)
class EventSource:
    """How records of one model become events."""

    model: str
    start: str  # the field where the event starts
    due: str  # the field where it ends (a task: its due date)
    order: str  # the field events of this type are sorted by
    location: str | None = None
    needs: str | None = None  # a field that must be set for a record to be an event
    all_day: bool = False  # date fields: the event covers whole days
    duration: str | None = None  # minutes, for an end when `due` is empty


SOURCES: dict[str, EventSource] = {
    source.model: source
    for source in (
        EventSource("Call", "date_start", "date_end", "date_start", duration="duration"),
        EventSource(
            "Meeting", "date_start", "date_end", "date_start", "location", duration="duration"
        ),
        # a task is on the calendar by its due date; its start, when set, widens the span
        EventSource("Task", "date_start", "date_due", "date_due", needs="date_due"),
        EventSource("ProjectTask", "date_start", "date_due", "date_start", all_day=True),
    )
}
EVENT_TYPES = tuple(SOURCES)


@dataclass(frozen=True)
class Event:
    """One event: `start` and `due` are UTC datetimes, or dates for all-day events."""

    id: str
    type: str
    name: str
    start: datetime | date | None
    due: datetime | date | None
    location: str | None
    all_day: bool
    minutes: int | None = None  # the stored duration, when the type has one


@dataclass(frozen=True)
class Window:
    """[start, end], both inclusive; `end_exclusive` is the first moment after it."""

    start: datetime
    end_exclusive: datetime

    def __post_init__(self) -> None:
        if self.end_exclusive <= self.start:
            raise BadRequest(
                "end_date must not be before start_date",
                "give start_date <= end_date, as Y-m-d H:i:s or Y-m-d (GMT)",
            )


def window(start: datetime | date, end: datetime | date) -> Window:
    """The range from two bounds: a date as start means its first moment, as end its last
    (the whole day is in); a date and time is taken to the second."""
    low = start if isinstance(start, datetime) else datetime(start.year, start.month, start.day)
    if isinstance(end, datetime):
        high = end.replace(microsecond=0) + timedelta(seconds=1)
    else:
        high = datetime(end.year, end.month, end.day) + timedelta(days=1)
    return Window(low.replace(tzinfo=None), high.replace(tzinfo=None))


def check_types(types: Sequence[str] | None) -> tuple[str, ...]:
    """The types asked for, in the order given (repeats dropped); all when none is."""
    if not types:
        return EVENT_TYPES
    for name in types:
        if name not in SOURCES:
            raise BadRequest(
                "Unknown event type {type!r}",
                "types are: {types}",
                type=name,
                types=", ".join(EVENT_TYPES),
            )
    return tuple(dict.fromkeys(types))


def in_window(source: EventSource, where: Window) -> list[Condition]:
    """Conditions for records of `source` whose span overlaps the window."""
    low: datetime | date = where.start
    high: datetime | date = where.end_exclusive
    op_high = "lt"
    if source.all_day:  # by day: any day of the span in a day the window touches
        low = where.start.date()
        high = (where.end_exclusive - timedelta(microseconds=1)).date()
        op_high = "lte"
    fields = (source.start, source.due)
    conds: list[Condition] = [
        AnyOf(tuple(Compare(name, op_high, high) for name in fields)),  # begins by the end
        AnyOf(tuple(Compare(name, "gte", low) for name in fields)),  # ends after the start
    ]
    if source.needs:
        conds.append(Empty(source.needs, negate=True))
    return conds


def list_events(
    records: Records, actor: Actor, where: Window, types: Sequence[str] | None
) -> list[Event]:
    """Events in the window the actor may read, grouped by type (in the order of `types`,
    else EVENT_TYPES) and sorted by date within a type, at most MAX_PER_TYPE of each.
    Types asked for by name that the actor may not list are a 403; when none is named,
    those types are left out."""
    out: list[Event] = []
    named = bool(types)
    for name in check_types(types):
        source = SOURCES[name]
        fields = [source.start, source.due, "name"]
        if source.location:
            fields.append(source.location)
        if source.duration:
            fields.append(source.duration)
        try:
            rows = records.select_readable(
                actor,
                name,
                fields,
                in_window(source, where),
                [OrderKey(source.order), OrderKey(source.start)],
                MAX_PER_TYPE,
            )
        except Forbidden:
            if named:
                raise
            continue
        out += [event_of(source, row) for row in rows]
    return out


def event_of(source: EventSource, row: dict[str, Any]) -> Event:
    minutes = row.get(source.duration) if source.duration else None
    return Event(
        id=str(row["id"]),
        type=source.model,
        name=str(row.get("name") or ""),
        start=_value(row.get(source.start), source.all_day),
        due=_value(row.get(source.due), source.all_day),
        location=row.get(source.location) if source.location else None,
        all_day=source.all_day,
        minutes=int(minutes) if isinstance(minutes, int) else None,
    )


def _value(value: Any, all_day: bool) -> datetime | date | None:
    """A stored date or datetime as Python values (raw SQLite text is parsed)."""
    if value is None or value == "":
        return None
    if isinstance(value, str):
        value = date.fromisoformat(value[:10]) if all_day else datetime.fromisoformat(value)
    if isinstance(value, datetime):
        return value.date() if all_day else value.replace(tzinfo=None)
    if isinstance(value, date):
        return value
    return None
