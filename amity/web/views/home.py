"""The home page: the menu of models and the user's open activities."""

from __future__ import annotations

from starlette.requests import Request
from starlette.responses import Response

from amity.api.context import services
from amity.web.models import menu_models
from amity.web.pages import render
from amity.web.session import current_user


async def home(request: Request) -> Response:
    """/app/: where a user starts."""
    actor = current_user(request)
    svc = services(request)
    return render(request, "home.html", models=menu_models(svc, actor))
