"""Vtiger's error shape: {"success": false, "error": {"code", "message"}} with the HTTP
status of the error (401 token, 403 access, 404 module or record, 400 input, 429 limit)."""

from __future__ import annotations

from starlette.requests import Request
from starlette.responses import Response

from amity.api.language import translate_message
from amity.api.responses import JSONResponse
from amity.errors import AmityError


def render_error(exc: AmityError, request: Request | None) -> Response:
    message = translate_message(request, exc.message_id, exc.params)
    body = {"success": False, "error": {"code": exc.error.upper(), "message": message}}
    return JSONResponse(body, status_code=exc.status)
