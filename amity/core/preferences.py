"""How to format for a person: a user's preferences (language, date and time format, time
zone, currency, fields of the User record) as one PersonFormat value.

`Preferences.for_user(user_id)` is the one call for whatever Amity formats for someone:
PDFs, labels and messages when a request names no language, and the calendar feed and
report exports. The formats are 1CRM's (PHP date letters such as `d.m.Y`), printed through
Babel patterns.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC, date, datetime
from typing import TYPE_CHECKING, Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from babel import dates

from amity.config import Settings
from amity.core.actor import SYSTEM
from amity.core.pdf.fmt import parse_locale, printable
from amity.core.ttlcache import TtlCache
from amity.errors import NotFound
from amity.schema.builtin.people import (
    DATE_PATTERNS,
    PREFERENCE_FIELDS,
    PREFERRED_LANGUAGES,
    TIME_PATTERNS,
)

if TYPE_CHECKING:
    from amity.core.records import Records


@dataclass(frozen=True)
class PersonFormat:
    """How to format for one person. Empty formats follow the locale (Babel's medium date
    and short time); `currency` is an ISO 4217 code, empty when the user chose none."""

    locale: str = "en"
    date_format: str = ""
    time_format: str = ""
    timezone: str = "UTC"
    currency: str = ""

    @property
    def date_pattern(self) -> str:
        """The Babel pattern of the date format ("medium", the locale's, when none)."""
        return DATE_PATTERNS.get(self.date_format, "medium")

    def zone(self) -> ZoneInfo:
        try:
            return ZoneInfo(self.timezone or "UTC")
        except (ZoneInfoNotFoundError, ValueError):
            return ZoneInfo("UTC")

    def local(self, moment: datetime) -> datetime:
        """A stored time (UTC; naive values are UTC) in the person's time zone."""
        aware = moment if moment.tzinfo else moment.replace(tzinfo=UTC)
        return aware.astimezone(self.zone())

    def date(self, value: date) -> str:
        """A date in the person's format ("14.03.2025"), else the locale's medium one."""
        if isinstance(value, datetime):
            value = self.local(value).date()
        locale = parse_locale(self.locale)
        return printable(dates.format_date(value, self.date_pattern, locale=locale))

    def time(self, moment: datetime) -> str:
        """The time of day of a stored time, in the person's zone and format."""
        pattern = TIME_PATTERNS.get(self.time_format, "short")
        local = self.local(moment)
        return printable(dates.format_time(local, pattern, locale=parse_locale(self.locale)))

    def datetime(self, moment: datetime) -> str:
        """Date and time of a stored time in the person's zone ("14.03.2025 09:30")."""
        return f"{self.date(self.local(moment).date())} {self.time(moment)}"


def person_format(
    user: Mapping[str, Any], currency: str = "", default_language: str = "en"
) -> PersonFormat:
    """A user record's preferences as a PersonFormat; what the user left empty (or an
    unknown value) falls back to `default_language`, the locale's formats and UTC."""
    language = user.get("language")
    date_format, time_format = user.get("date_format"), user.get("time_format")
    return PersonFormat(
        locale=str(language) if language in PREFERRED_LANGUAGES else default_language,
        date_format=str(date_format) if date_format in DATE_PATTERNS else "",
        time_format=str(time_format) if time_format in TIME_PATTERNS else "",
        timezone=str(user.get("timezone") or "UTC"),
        currency=currency,
    )


class Preferences:
    """Users' PersonFormat, remembered for AMITY_AUTH_CACHE_SECONDS and forgotten at once
    when the user (or a currency) changes."""

    def __init__(self, records: Records, settings: Settings) -> None:
        self.records = records
        self.default_language = settings.language
        self._cache: TtlCache[str, PersonFormat] = TtlCache(settings.auth_cache_seconds)
        records.db.listeners.append(self._changed)

    def _changed(self, model: str, record_id: str) -> None:
        if model == "User":
            self._cache.pop(record_id)
        elif model in ("Currency", "*"):
            self._cache.clear()

    def for_user(self, user_id: str) -> PersonFormat:
        """How to format for the user (the defaults for an unknown id)."""
        found = self._cache.get(user_id, lambda: self.load(user_id))
        return found or PersonFormat(locale=self.default_language)

    def load(self, user_id: str) -> PersonFormat | None:
        try:
            user = self.records.get(SYSTEM, "User", user_id, list(PREFERENCE_FIELDS))
        except NotFound:
            return None
        currency = ""
        if user.get("currency_id"):
            try:
                found = self.records.get(SYSTEM, "Currency", str(user["currency_id"]), ["iso4217"])
                currency = str(found.get("iso4217") or "")
            except NotFound:
                pass
        return person_format(user, currency, self.default_language)
