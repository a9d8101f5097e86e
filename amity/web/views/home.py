"""The home page: the menu of models, my open tasks, my calls and meetings of the next
two weeks, the records I opened last and my favorites."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from starlette.requests import Request
from starlette.responses import Response

from amity.api.context import services
from amity.core.actor import Actor
from amity.core.clock import utcnow
from amity.core.favorites import favorite_records
from amity.core.preferences import PersonFormat
from amity.core.recent import recent_records
from amity.core.records import ListQuery
from amity.core.services import Services
from amity.errors import AmityError
from amity.store import conditions as c
from amity.web.models import menu_models
from amity.web.pages import render
from amity.web.session import current_user

UPCOMING_DAYS = 14
SHOWN = 10
CLOSED_TASK = ("Completed", "Deferred")
DONE_ACTIVITY = ("Held", "Not Held")


def _mine(
    svc: Services, actor: Actor, model: str, conditions: list[c.Condition], order: str
) -> list[dict[str, Any]]:
    """The actor's records of the model that match, in order; none when the actor may not
    list the model."""
    try:
        page = svc.records.list_records(
            actor,
            model,
            ListQuery(
                conditions=[c.Equals("assigned_user_id", (actor.user_id,)), *conditions],
                order=[c.OrderKey(order)],
                limit=SHOWN,
                count=False,
            ),
        )
    except AmityError:
        return []
    return page.records


def _when(person: PersonFormat, stored: Any) -> str:
    """A stored time (UTC) as the user reads it: date and time in their zone and format."""
    if not isinstance(stored, str) or not stored:
        return ""
    try:
        moment = datetime.fromisoformat(stored)
    except ValueError:
        return stored
    return f"{person.date(moment)} {person.time(moment)}"


async def home(request: Request) -> Response:
    """/app/: where a user starts."""
    actor = current_user(request)
    svc = services(request)
    now = utcnow()
    soon = c.Range("date_start", now, now + timedelta(days=UPCOMING_DAYS))
    planned = c.Equals("status", DONE_ACTIVITY, negate=True)
    upcoming = [
        {"model": model, **row}
        for model in ("Call", "Meeting")
        for row in _mine(svc, actor, model, [soon, planned], "date_start")
    ]
    upcoming.sort(key=lambda row: str(row.get("date_start") or ""))
    tasks = _mine(svc, actor, "Task", [c.Equals("status", CLOSED_TASK, negate=True)], "date_due")
    person = svc.preferences.for_user(actor.user_id)
    for row in upcoming:
        row["when"] = _when(person, row.get("date_start"))
    for row in tasks:
        row["when"] = _when(person, row.get("date_due"))
    return render(
        request,
        "home.html",
        models=menu_models(svc, actor),
        tasks=tasks,
        upcoming=upcoming[:SHOWN],
        recent=recent_records(svc.records, actor, SHOWN),
        favorites=favorite_records(svc.records, actor, SHOWN),
        days=UPCOMING_DAYS,
    )
