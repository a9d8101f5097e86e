"""The language of a request: its Accept-Language among the shipped catalogs."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from starlette.requests import Request

from amity.core.actor import Actor
from amity.core.i18n import Languages
from amity.core.preferences import Preferences


def languages(request: Request) -> Languages:
    found: Languages = request.app.state.services.languages
    return found


def language(request: Request) -> str:
    """Negotiated once per request and remembered in its state: Accept-Language, else the
    language the signed-in user chose (their preferences), else AMITY_LANGUAGE."""
    state = request.scope.setdefault("state", {})
    chosen = state.get("language")
    if chosen is None:
        header = request.headers.get("accept-language")
        if not (header or "").strip():
            header = preferred_language(request, state)
        chosen = languages(request).negotiate(header)
        state["language"] = chosen
    return str(chosen)


def preferred_language(request: Request, state: dict[str, Any]) -> str | None:
    """The language preference of the request's user (not a portal contact), if any."""
    actor = state.get("actor")
    if not isinstance(actor, Actor) or actor.is_contact:
        return None
    preferences: Preferences = request.app.state.services.preferences
    return preferences.for_user(actor.user_id).locale


def translate_message(
    request: Request | None, message_id: str, params: Mapping[str, object] | None = None
) -> str:
    """A message id with its params, in the request's language (English without one)."""
    if request is None:
        return message_id.format(**params) if params else message_id
    return languages(request).message(language(request), message_id, params)
