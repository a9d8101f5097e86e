"""Rendering dashboard pages: one Jinja2 environment (autoescaped), the page's language and
the helpers every template may use."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import jinja2
from starlette.requests import Request
from starlette.responses import HTMLResponse

from amity.api.language import language, languages
from amity.core.actor import Actor
from amity.schema.model import Field, Model
from amity.web.session import CSRF_FIELD, csrf_token

ENV = jinja2.Environment(
    loader=jinja2.PackageLoader("amity.web", "templates"),
    autoescape=jinja2.select_autoescape(["html"]),
    undefined=jinja2.StrictUndefined,
    trim_blocks=True,
    lstrip_blocks=True,
)
SECURITY_HEADERS = {
    "Cache-Control": "no-store",
    "X-Frame-Options": "SAMEORIGIN",
    "Content-Security-Policy": "default-src 'self'; img-src 'self' data:; object-src 'none'; "
    "frame-src 'self'; frame-ancestors 'self'; base-uri 'none'; form-action 'self'",
    "Referrer-Policy": "same-origin",
    "X-Content-Type-Options": "nosniff",
}


class Labels:
    """UI texts, model, field and option labels in one language (English when the catalog
    lacks one). UI texts live in the `ui` section of amity/i18n/<language>.json."""

    def __init__(self, request: Request) -> None:
        self.language = page_language(request)
        self.languages = languages(request)

    def ui(self, english: str, **params: object) -> str:
        text = self.languages.text(self.language, "ui", english)
        return text.format(**params) if params else text

    def model(self, model: Model) -> str:
        return self.languages.text(self.language, "models", model.label or model.name)

    def field(self, fd: Field) -> str:
        return self.label(fd.label or fd.name)

    def label(self, english: str) -> str:
        """A field or filter label (the catalog's `labels` section)."""
        return self.languages.text(self.language, "labels", english)

    def option(self, option: str) -> str:
        return self.languages.text(self.language, "options", option)

    def message(self, message_id: str, params: dict[str, object] | None = None) -> str:
        return self.languages.message(self.language, message_id, params)


def page_language(request: Request) -> str:
    """The language of a page: the one the signed-in user chose in their preferences (a
    browser always sends Accept-Language, so the choice must come first), else the
    browser's. Kept in the request's state, where error pages and messages find it."""
    state = request.scope.setdefault("state", {})
    if "web_language" in state:
        return str(state["web_language"])
    chosen = None
    actor = state.get("actor")
    if isinstance(actor, Actor) and actor.credential == "session":
        user = request.app.state.services.auth.active_user(actor.user_id) or {}
        preference = user.get("language")
        if isinstance(preference, str) and preference:
            chosen = languages(request).negotiate(preference)
    state["language"] = chosen or language(request)
    state["web_language"] = state["language"]
    return str(state["language"])


def render(request: Request, template: str, status: int = 200, **context: Any) -> HTMLResponse:
    """A page: the template with the request's user, language, CSRF token and labels."""
    labels = Labels(request)
    actor = request.scope.get("state", {}).get("actor")
    user = actor if isinstance(actor, Actor) and actor.credential == "session" else None
    page = ENV.get_template(template).render(
        request=request,
        user=user,
        lang=labels.language,
        labels=labels,
        _=labels.ui,
        csrf_field=CSRF_FIELD,
        csrf_token=csrf_token(request),
        path=request.url.path,
        **context,
    )
    return HTMLResponse(page, status_code=status, headers=SECURITY_HEADERS)


def translator(request: Request) -> Callable[..., str]:
    return Labels(request).ui
