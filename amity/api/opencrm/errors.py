"""OpenCRM's error answer as this server gives it (OpenCRM's own error body was not at
hand): {"status": "error", "error": message} with the HTTP status of the error."""

from __future__ import annotations

from starlette.requests import Request
from starlette.responses import Response

from amity.api.language import translate_message
from amity.api.responses import JSONResponse
from amity.errors import AmityError


def render_error(exc: AmityError, request: Request | None) -> Response:
    message = translate_message(request, exc.message_id, exc.params)
    return JSONResponse({"status": "error", "error": message}, status_code=exc.status)
