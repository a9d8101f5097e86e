"""The calendar service: events for the API and the feed, feed tokens."""

from __future__ import annotations

from collections.abc import Sequence

from amity.core.actor import Actor
from amity.core.calendar.events import Event, Window, list_events
from amity.core.calendar.feed import feed_window, render_feed
from amity.core.calendar.tokens import CalendarTokens
from amity.core.preferences import Preferences
from amity.core.records import Records


class Calendar:
    """Events in a window, read through the records service (so with the caller's
    rights), and the iCalendar feed of a feed token's user."""

    def __init__(self, records: Records, preferences: Preferences) -> None:
        self.records = records
        self.preferences = preferences
        self.tokens = CalendarTokens(records)

    def events(self, actor: Actor, where: Window, types: Sequence[str] | None) -> list[Event]:
        return list_events(self.records, actor, where, types)

    def feed(self, token: str, source: str, host: str) -> bytes:
        """The feed of the token's user, read with that user's rights; 404 for a token
        that is unknown or revoked."""
        actor = self.tokens.actor(token, source)
        events = self.events(actor, feed_window(), None)
        zone = self.preferences.for_user(actor.user_id).timezone
        return render_feed(events, f"Amity: {actor.user_name}", host, zone)
