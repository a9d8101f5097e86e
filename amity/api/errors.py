"""Every error leaves as {"error", "message", "hint"} with its status; a 500 is logged."""

from __future__ import annotations

import logging

from sqlalchemy.exc import IntegrityError
from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.responses import Response

from amity.api.language import translate_message
from amity.api.responses import JSONResponse
from amity.errors import AmityError, ServiceUnavailable

log = logging.getLogger("amity.errors")

_HTTP_TYPES = {400: "bad_request", 401: "unauthorized", 403: "forbidden", 404: "not_found",
               405: "method_not_allowed", 413: "payload_too_large",
               415: "unsupported_media_type"}


def error_response(status: int, error: str, message: str, hint: str = "",
                   request: Request | None = None) -> JSONResponse:
    """The error body; message and hint in the request's language when one is given."""
    if request is not None and "accept-language" in request.headers:
        message, hint = translate_message(request, message), translate_message(request, hint)
    return JSONResponse({"error": error, "message": message, "hint": hint}, status_code=status)


def render_error(exc: AmityError, request: Request | None) -> JSONResponse:
    """An error of the hierarchy as its response, with the headers its kind calls for."""
    response = error_response(exc.status, exc.error, exc.message, exc.hint, request)
    if exc.status == 401:
        response.headers["WWW-Authenticate"] = 'Bearer realm="amity"'
    retry_after = getattr(exc, "retry_after", None)
    if retry_after is not None:
        response.headers["Retry-After"] = str(retry_after)
    return response


async def amity_error(request: Request, exc: Exception) -> Response:
    assert isinstance(exc, AmityError)
    return render_error(exc, request)


async def http_error(request: Request, exc: Exception) -> Response:
    assert isinstance(exc, HTTPException)
    status = exc.status_code
    if status == 404:
        return error_response(404, "not_found", "Not found",
                              f"No endpoint {request.url.path}; see the API reference", request)
    if status == 405:
        response = error_response(405, "method_not_allowed",
                                  f"Method {request.method} not allowed on {request.url.path}",
                                  request=request)
        if exc.headers and "Allow" in exc.headers:
            response.headers["Allow"] = exc.headers["Allow"]
        return response
    return error_response(status, _HTTP_TYPES.get(status, "error"), str(exc.detail))


async def database_error(request: Request, exc: Exception) -> Response:
    """Lock conflicts that outlived their retries, or an unreachable database: retry later."""
    log.warning("database error on %s %s: %s", request.method, request.url.path, exc)
    if isinstance(exc, IntegrityError):
        return error_response(409, "conflict", "The write conflicts with another one",
                              "another request changed the same data; retry")
    return render_error(ServiceUnavailable("The database is busy or unavailable",
                                                 "retry in a moment", retry_after=1), request)


async def server_error(request: Request, exc: Exception) -> Response:
    log.exception("unhandled error on %s %s", request.method, request.url.path)
    return error_response(500, "server_error", "Internal server error",
                          "this is a bug in Amity; the server log has the details", request)
