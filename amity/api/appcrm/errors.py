"""App CRM's error shape (Laravel's): {"message"} and, for invalid input, 422 with
{"message", "errors": {field: [messages]}}."""

from __future__ import annotations

from typing import Any

from starlette.requests import Request
from starlette.responses import Response

from amity.api.language import translate_message
from amity.api.responses import JSONResponse
from amity.errors import AmityError, BadRequest, Unauthorized, UnknownField

UNAUTHENTICATED = "Unauthenticated."


def render_error(exc: AmityError, request: Request | None) -> Response:
    """An AmityError in App CRM's shape: a 400 becomes 422 with the field it names (an
    unknown field under the key that was sent; "request" when no field is to blame)."""
    if isinstance(exc, Unauthorized):
        return JSONResponse({"message": UNAUTHENTICATED}, status_code=401)
    message = translate_message(request, exc.message_id, exc.params)
    if isinstance(exc, BadRequest):
        field = exc.params.get("field")
        if field is None and isinstance(exc, UnknownField):
            field = exc.params.get("name")
        key = str(field) if field is not None else "request"
        body: dict[str, Any] = {"message": message, "errors": {key: [message]}}
        return JSONResponse(body, status_code=422)
    return JSONResponse({"message": message}, status_code=exc.status)
