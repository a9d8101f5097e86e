"""The language of a request: its Accept-Language among the shipped catalogs."""

from __future__ import annotations

from collections.abc import Mapping

from starlette.requests import Request

from amity.core.i18n import Languages


def languages(request: Request) -> Languages:
    found: Languages = request.app.state.services.languages
    return found


def language(request: Request) -> str:
    """Negotiated once per request and remembered in its state."""
    state = request.scope.setdefault("state", {})
    chosen = state.get("language")
    if chosen is None:
        chosen = languages(request).negotiate(request.headers.get("accept-language"))
        state["language"] = chosen
    return str(chosen)


def translate_message(
    request: Request | None, message_id: str, params: Mapping[str, object] | None = None
) -> str:
    """A message id with its params, in the request's language (English without one)."""
    if request is None:
        return message_id.format(**params) if params else message_id
    return languages(request).message(language(request), message_id, params)
