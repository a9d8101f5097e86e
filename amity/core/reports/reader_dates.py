"""Dates and times of a report export, for the one who exports it: times in their time
zone, and the date and time formats they chose (User preferences). What they did not
choose stays as the wire has it (`Y-m-d`, `H:i:s`), so a plain export stays machine
readable. XLSX gets real date cells with the matching number format; CSV gets text.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from amity.core.preferences import PersonFormat
from amity.schema.builtin.people import DATE_PATTERNS, TIME_PATTERNS
from amity.schema.model import Model
from amity.schema.types import InvalidValue, parse_date, parse_datetime

TEMPORAL_TYPES = ("date", "datetime")
# 1CRM's formats (User preferences) as Excel number formats
EXCEL_DATES = {php: babel.replace("MM", "mm") for php, babel in DATE_PATTERNS.items()}
EXCEL_TIMES = {"H:i": "hh:mm", "h:i A": "hh:mm AM/PM", "H.i": "hh.mm"}
assert set(EXCEL_TIMES) == set(TIME_PATTERNS)
ISO_DATE, ISO_TIME = "yyyy-mm-dd", "hh:mm:ss"


@dataclass(frozen=True)
class ReaderDates:
    """Turns the wire's date and datetime values of a run into the reader's."""

    person: PersonFormat
    kinds: Mapping[str, str]  # column -> "date" | "datetime"

    @classmethod
    def of(cls, model: Model, columns: Iterable[str], person: PersonFormat) -> ReaderDates:
        kinds = {
            name: model.fields[name].type
            for name in columns
            if name in model.fields and model.fields[name].type in TEMPORAL_TYPES
        }
        return cls(person, kinds)

    def value(self, column: str, wire: Any) -> date | datetime | None:
        """A column's value as a date, or a datetime in the reader's zone (naive, as
        spreadsheets keep them); None when it is not a date column or holds no date."""
        kind = self.kinds.get(column)
        if kind is None or not isinstance(wire, str) or not wire:
            return None
        try:
            if kind == "date":
                return parse_date(wire[:10])
            return self.person.local(parse_datetime(wire)).replace(tzinfo=None)
        except InvalidValue:
            return None

    def text(self, column: str, wire: Any) -> Any:
        """The CSV text of a value (other columns' values as they are)."""
        value = self.value(column, wire)
        if value is None:
            return wire
        person = self.person
        if isinstance(value, datetime):  # printed from the stored (UTC) time
            moment = parse_datetime(wire)
            day = person.date(moment) if person.date_format else f"{value:%Y-%m-%d}"
            clock = person.time(moment) if person.time_format else f"{value:%H:%M:%S}"
            return f"{day} {clock}"
        return person.date(value) if person.date_format else value.isoformat()

    def rows(self, rows: Iterable[dict[str, Any]]) -> Iterator[dict[str, Any]]:
        """The rows with their date columns as CSV text."""
        if not self.kinds:
            yield from rows
            return
        for row in rows:
            yield {name: self.text(name, value) for name, value in row.items()}

    def excel_format(self, column: str) -> str:
        """The Excel number format of a date column."""
        day = EXCEL_DATES.get(self.person.date_format, ISO_DATE)
        if self.kinds.get(column) == "date":
            return day
        return f"{day} {EXCEL_TIMES.get(self.person.time_format, ISO_TIME)}"
