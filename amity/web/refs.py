"""A record picked by name: what a user typed into a ref input (or a related list's "add
link" input) without picking one of the suggestions."""

from __future__ import annotations

from starlette.requests import Request

from amity.api.context import services
from amity.core.filters import filter_conditions
from amity.core.records import ListQuery
from amity.errors import BadRequest
from amity.web.session import current_user


def record_named(request: Request, model_name: str, name: str, field: str) -> str:
    """The id of the one record of the model named `name` (case-insensitive) that the
    user may read; 400 naming `field` when there is none or several."""
    actor = current_user(request)
    svc = services(request)
    target = svc.records.model(model_name)
    page = svc.records.list_records(
        actor,
        target.name,
        ListQuery(conditions=filter_conditions(target, actor, search=name), limit=20, count=False),
    )
    exact = [r for r in page.records if str(r.get("name", "")).lower() == name.lower()]
    if len(exact) != 1:
        raise BadRequest(
            "No single {model} is named {name}",
            "pick one of the suggestions",
            field=field,
            model=target.label or target.name,
            name=name,
        )
    return str(exact[0]["id"])
