"""/calendar: events in a date range (1CRM's /calendar/events), and the iCalendar feed a
calendar app subscribes to, with the feed token of the user whose events it shows."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any
from urllib.parse import urlsplit

from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from amity.api.authn import scope_source
from amity.api.context import issuer, require_actor, run_write, services
from amity.api.params import list_param, parse_query, str_param
from amity.api.responses import JSONResponse
from amity.core.calendar.events import Event, window
from amity.errors import BadRequest
from amity.schema.types import InvalidValue, parse_date, parse_datetime

FEED_PATH = "/api.php/calendar/ics/"  # + the token: what the feed URL looks like
ICS_TYPE = "text/calendar; charset=utf-8"


def bound(params: dict[str, Any], name: str) -> datetime | date:
    """A range bound: Y-m-d H:i:s (GMT) or Y-m-d; 400 when missing or malformed."""
    raw = str_param(params, name)
    if not raw:
        raise BadRequest(
            "{name} is required",
            "give start_date and end_date as Y-m-d H:i:s or Y-m-d (GMT)",
            name=name,
        )
    text = raw.strip()
    try:
        return parse_date(text) if len(text) == 10 else parse_datetime(text)
    except InvalidValue:
        raise BadRequest(
            "{name} must be a date and time, got {raw!r}",
            "use Y-m-d H:i:s or Y-m-d (GMT), e.g. 2026-01-31 13:45:00",
            name=name,
            raw=raw,
        ) from None


def stamp(value: datetime | date | None) -> str | None:
    """Y-m-d H:i:s; a date (a project task's) is midnight GMT of that day."""
    if value is None:
        return None
    if not isinstance(value, datetime):
        value = datetime(value.year, value.month, value.day)
    return value.strftime("%Y-%m-%d %H:%M:%S")


def event_row(event: Event) -> dict[str, Any]:
    """An event in both spellings: the seed's start_date/due_date and the PHP client's
    date_start/date_due."""
    start, due = stamp(event.start), stamp(event.due)
    return {
        "id": event.id,
        "name": event.name,
        "type": event.type,
        "date_start": start,
        "date_due": due,
        "start_date": start,
        "due_date": due,
        "location": event.location,
    }


async def list_events(request: Request) -> JSONResponse:
    actor = require_actor(request)
    params = parse_query(request.scope["query_string"])
    where = window(bound(params, "start_date"), bound(params, "end_date"))
    types = list_param(params, "types")
    calendar = services(request).calendar
    events = await run_in_threadpool(calendar.events, actor, where, types)
    return JSONResponse({"records": [event_row(e) for e in events]})


async def feed(request: Request) -> Response:
    """The iCalendar feed; no credentials but the token in the path (404 when it is
    unknown or revoked)."""
    token = request.path_params["token"].removesuffix(".ics")
    host = urlsplit(issuer(request)).hostname or "amity"  # makes the events' UIDs unique
    calendar = services(request).calendar
    body = await run_in_threadpool(calendar.feed, token, scope_source(request.scope), host)
    return Response(
        body,
        media_type=ICS_TYPE,
        headers={"Cache-Control": "private, max-age=300", "Referrer-Policy": "no-referrer"},
    )


def feed_url(request: Request, token: str) -> str:
    return f"{issuer(request)}{FEED_PATH}{token}"


async def create_feed_token(request: Request) -> JSONResponse:
    """A new feed token for the caller (the old one stops working); shown only now."""
    actor = require_actor(request)
    tokens = services(request).calendar.tokens
    return await run_write(
        request,
        lambda: tokens.issue(actor, actor.user_id),
        respond=lambda token: JSONResponse({"token": token, "url": feed_url(request, token)}),
    )


async def revoke_feed_token(request: Request) -> JSONResponse:
    actor = require_actor(request)
    tokens = services(request).calendar.tokens
    return await run_write(
        request,
        lambda: tokens.revoke(actor, actor.user_id),
        respond=lambda _: JSONResponse({"result": True}),
    )


routes = [
    Route("/calendar/events", list_events, methods=["GET"]),
    Route("/calendar/ics/token", create_feed_token, methods=["POST"]),
    Route("/calendar/ics/token", revoke_feed_token, methods=["DELETE"]),
    Route("/calendar/ics/{token}", feed, methods=["GET"]),
]
