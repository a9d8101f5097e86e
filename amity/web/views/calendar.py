"""/app/calendar: a week or a month of the calls, meetings and tasks the user may see
(the calendar service that the 1CRM /calendar API uses), in the user's time zone."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from typing import Any
from urllib.parse import urlencode

from babel import dates as babel_dates
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import BaseRoute, Route

from amity.api.context import services
from amity.core.calendar.events import Event, Window
from amity.core.preferences import PersonFormat
from amity.errors import BadRequest
from amity.web.models import menu_models
from amity.web.pages import Labels, render
from amity.web.session import current_user

VIEWS = ("week", "month")
TYPES = ("Call", "Meeting", "Task")


@dataclass
class Entry:
    """An event on a day of the view."""

    event: Event
    time: str  # its time of day in the user's zone; empty for an all-day one

    @property
    def url(self) -> str:
        return f"/app/{self.event.type}/{self.event.id}"


@dataclass
class Day:
    day: date
    in_range: bool  # a month view's days of the weeks around the month are not
    entries: list[Entry]


def _day_param(raw: str | None, today: date) -> date:
    if not raw:
        return today
    try:
        return date.fromisoformat(raw)
    except ValueError:
        raise BadRequest(
            "Invalid date {given!r}", "dates are Y-m-d, e.g. 2024-01-31", given=raw
        ) from None


def _range(view: str, day: date) -> tuple[date, date, date, date]:
    """(first, last) day shown, and (first, last) day of the week or month itself."""
    if view == "week":
        first = day - timedelta(days=day.weekday())
        return first, first + timedelta(days=6), first, first + timedelta(days=6)
    start = day.replace(day=1)
    end = (start + timedelta(days=32)).replace(day=1) - timedelta(days=1)
    first = start - timedelta(days=start.weekday())
    last = end + timedelta(days=6 - end.weekday())
    return first, last, start, end


def _shift(view: str, day: date, step: int) -> date:
    if view == "week":
        return day - timedelta(days=day.weekday()) + timedelta(days=7 * step)
    month = day.month - 1 + step
    return date(day.year + month // 12, month % 12 + 1, 1)


def _utc(day: date, person: PersonFormat) -> datetime:
    """The first moment of a day of the user's zone, as a stored (naive UTC) time."""
    local = datetime.combine(day, time(), tzinfo=person.zone())
    return local.astimezone(UTC).replace(tzinfo=None)


def _anchor(event: Event, person: PersonFormat) -> tuple[date | None, str]:
    """The day the event shows on (a task: its due day) and its time of day."""
    moment = event.due if event.type == "Task" else event.start
    moment = moment or event.start or event.due
    if moment is None:
        return None, ""
    if isinstance(moment, datetime):
        return person.local(moment).date(), person.time(moment)
    return moment, ""


async def calendar_view(request: Request) -> Response:
    """GET /app/calendar?view=week|month&date=Y-m-d."""
    actor = current_user(request)
    svc = services(request)
    labels = Labels(request)
    person = svc.preferences.for_user(actor.user_id)
    view = request.query_params.get("view") or "week"
    if view not in VIEWS:
        raise BadRequest("Unknown view {view!r}", "views: week, month", view=view)
    today = person.local(datetime.now(UTC)).date()
    day = _day_param(request.query_params.get("date"), today)
    first, last, start, end = _range(view, day)
    where = Window(_utc(first, person), _utc(last + timedelta(days=1), person))
    events = svc.calendar.events(actor, where, None)
    days = [
        Day(first + timedelta(days=n), start <= first + timedelta(days=n) <= end, [])
        for n in range((last - first).days + 1)
    ]
    for event in events:
        if event.type not in TYPES:
            continue
        shown, at = _anchor(event, person)
        if shown is None:
            continue
        shown = max(shown, first)
        if shown <= last:
            days[(shown - first).days].entries.append(Entry(event, at))
    for d in days:
        d.entries.sort(key=lambda e: (e.time == "", e.time, e.event.name))
    locale = labels.language
    title = (
        babel_dates.format_date(start, "LLLL y", locale=locale)
        if view == "month"
        else labels.ui("Week of {day}", day=babel_dates.format_date(start, "medium", locale=locale))
    )

    def link(**changes: Any) -> str:
        params = {"view": view, "date": day.isoformat(), **changes}
        return f"/app/calendar?{urlencode(params)}"

    return render(
        request,
        "calendar.html",
        models=menu_models(svc, actor),
        view=view,
        title=title,
        weeks=[days[n : n + 7] for n in range(0, len(days), 7)],
        day_names=[babel_dates.get_day_names("abbreviated", locale=locale)[n] for n in range(7)],
        today=today,
        prev_url=link(date=_shift(view, day, -1).isoformat()),
        next_url=link(date=_shift(view, day, 1).isoformat()),
        today_url=link(date=today.isoformat()),
        week_url=link(view="week"),
        month_url=link(view="month"),
        type_labels={
            "Call": labels.ui("Call"),
            "Meeting": labels.ui("Meeting"),
            "Task": labels.ui("Task"),
        },
    )


routes: list[BaseRoute] = [Route("/app/calendar", calendar_view, methods=["GET"])]
