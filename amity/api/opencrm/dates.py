"""OpenCRM's dateTimeOverride and dateOverride: dates and times shown in a PHP date()
format given in the path (`_` for a space, `*` for `/`). Times are UTC, so the zone
letters say UTC; `c` is ISO 8601, and a date shown with a time format gets 00:00:00."""

from __future__ import annotations

import calendar
from collections.abc import Callable
from datetime import date, datetime

from amity.errors import BadRequest

MAX_FORMAT = 64


def _suffix(day: int) -> str:
    if day in (11, 12, 13):
        return "th"
    return {1: "st", 2: "nd", 3: "rd"}.get(day % 10, "th")


def _hour12(t: datetime) -> int:
    return t.hour % 12 or 12


LETTERS: dict[str, Callable[[datetime], str]] = {
    "d": lambda t: f"{t.day:02d}",
    "D": lambda t: t.strftime("%a"),
    "j": lambda t: str(t.day),
    "l": lambda t: calendar.day_name[t.weekday()],
    "N": lambda t: str(t.isoweekday()),
    "S": lambda t: _suffix(t.day),
    "w": lambda t: str(t.isoweekday() % 7),
    "z": lambda t: str(t.timetuple().tm_yday - 1),
    "W": lambda t: f"{t.isocalendar()[1]:02d}",
    "F": lambda t: calendar.month_name[t.month],
    "m": lambda t: f"{t.month:02d}",
    "M": lambda t: calendar.month_abbr[t.month],
    "n": lambda t: str(t.month),
    "t": lambda t: str(calendar.monthrange(t.year, t.month)[1]),
    "L": lambda t: "1" if calendar.isleap(t.year) else "0",
    "o": lambda t: str(t.isocalendar()[0]),
    "Y": lambda t: str(t.year),
    "y": lambda t: f"{t.year % 100:02d}",
    "a": lambda t: "am" if t.hour < 12 else "pm",
    "A": lambda t: "AM" if t.hour < 12 else "PM",
    "g": lambda t: str(_hour12(t)),
    "G": lambda t: str(t.hour),
    "h": lambda t: f"{_hour12(t):02d}",
    "H": lambda t: f"{t.hour:02d}",
    "i": lambda t: f"{t.minute:02d}",
    "s": lambda t: f"{t.second:02d}",
    "u": lambda t: f"{t.microsecond:06d}",
    "v": lambda t: f"{t.microsecond // 1000:03d}",
    "e": lambda t: "UTC",
    "T": lambda t: "UTC",
    "P": lambda t: "+00:00",
    "O": lambda t: "+0000",
    "c": lambda t: t.strftime("%Y-%m-%dT%H:%M:%S+00:00"),
    "r": lambda t: (
        f"{t.strftime('%a')}, {t.day:02d} {calendar.month_abbr[t.month]} {t.year} "
        f"{t.strftime('%H:%M:%S')} +0000"
    ),
    "U": lambda t: str(calendar.timegm(t.timetuple())),
}


def path_format(segment: str) -> str:
    """The PHP format a path segment spells (`_` a space, `*` a slash); 400 when too long."""
    if not segment or len(segment) > MAX_FORMAT:
        raise BadRequest(
            "A date format must have 1 to {high} characters", high=MAX_FORMAT, field="format"
        )
    return segment.replace("_", " ").replace("*", "/")


def php_format(moment: datetime, fmt: str) -> str:
    """`moment` in a PHP date() format: known letters replaced, `\\x` a literal x, every
    other character as it is."""
    out: list[str] = []
    escaped = False
    for char in fmt:
        if escaped:
            out.append(char)
            escaped = False
        elif char == "\\":
            escaped = True
        else:
            letter = LETTERS.get(char)
            out.append(letter(moment) if letter is not None else char)
    return "".join(out)


def parse_moment(value: str) -> datetime | None:
    """A stored date or date-time value as a datetime (a date at midnight); None for other
    text (left as it is)."""
    text = value.replace("T", " ").removesuffix("Z")
    try:
        if len(text) == 10:
            return datetime.combine(date.fromisoformat(text), datetime.min.time())
        return datetime.fromisoformat(text).replace(tzinfo=None)
    except ValueError:
        return None
