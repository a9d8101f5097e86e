"""What every admin page shares: the signed-in administrator (anyone else meets a missing
page), the posted form with its CSRF token checked, and the core's messages."""

from __future__ import annotations

from typing import Any

from starlette.datastructures import FormData
from starlette.requests import Request
from starlette.responses import Response

from amity.api.context import services
from amity.core.actor import Actor, ensure_admin
from amity.errors import AmityError
from amity.web.models import menu_models
from amity.web.pages import Labels, render
from amity.web.session import check_csrf, current_user


def admin_actor(request: Request, what: str) -> Actor:
    """The signed-in administrator; for anyone else the core's 403, which the dashboard
    answers as a missing page (404). `what` names the page's subject for its caller; the
    refusal names the console."""
    actor = current_user(request)
    ensure_admin(actor, "the admin console")
    return actor


async def posted(request: Request, what: str) -> tuple[Actor, FormData]:
    """The administrator and the form of a POST, once its CSRF token is checked."""
    actor = admin_actor(request, what)
    form = await request.form()
    check_csrf(request, text(form.get("csrf_token")))
    return actor, form


def text(value: Any) -> str:
    return value if isinstance(value, str) else ""


def field(form: FormData, name: str, limit: int = 10_000) -> str:
    """A posted text, stripped (and cut at `limit` characters)."""
    return text(form.get(name)).strip()[:limit]


def lines(raw: str) -> list[str]:
    """The non-empty lines of a textarea, stripped."""
    return [line.strip() for line in raw.splitlines() if line.strip()]


def message(request: Request, exc: AmityError) -> str:
    """The core's message (and its hint) for a rejected change, in the page's language."""
    labels = Labels(request)
    text = labels.message(exc.message_id, exc.params)
    if exc.hint_id:
        text += " (" + labels.message(exc.hint_id, exc.params) + ")"
    return text


def status_of(exc: AmityError) -> int:
    """A rejected change's status: the core's 4xx (a 403 of a rule is shown, not hidden)."""
    return exc.status if 400 <= exc.status < 500 else 400


def page(request: Request, template: str, status: int = 200, **context: Any) -> Response:
    """An admin page (templates/admin/), with the menu of the signed-in user."""
    actor = current_user(request)
    models = menu_models(services(request), actor)
    return render(request, template, status=status, models=models, **context)
