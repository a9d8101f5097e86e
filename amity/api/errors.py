"""Every error leaves as {"error", "message", "hint"} with its status; a 500 is logged."""

from __future__ import annotations

import logging

from sqlalchemy.exc import IntegrityError
from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Match, Route

from amity.api.language import translate_message
from amity.api.responses import JSONResponse
from amity.errors import AmityError

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


async def amity_error(request: Request, exc: Exception) -> Response:
    assert isinstance(exc, AmityError)
    response = error_response(exc.status, exc.error, exc.message, exc.hint, request)
    if exc.status == 401:
        response.headers["WWW-Authenticate"] = 'Bearer realm="amity"'
    return response


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
        response.headers["Allow"] = allowed_methods(request, (exc.headers or {}).get("Allow"))
        return response
    return error_response(status, _HTTP_TYPES.get(status, "error"), str(exc.detail))


def allowed_methods(request: Request, given: str | None = None) -> str:
    """Every method that some route takes on the request's path, and those `given` (by a
    mounted app): one path's methods are often split over several routes, and Starlette's
    own Allow names only one route's."""
    methods = {m.strip() for m in given.split(",")} if given else set()
    for route in request.app.router.routes:
        if isinstance(route, Route) and route.methods and (
                route.matches(request.scope)[0] is not Match.NONE):
            methods |= route.methods
    return ", ".join(sorted(methods))


async def database_error(request: Request, exc: Exception) -> Response:
    """Lock conflicts that outlived their retries, or an unreachable database: retry later."""
    log.warning("database error on %s %s: %s", request.method, request.url.path, exc)
    if isinstance(exc, IntegrityError):
        return error_response(409, "conflict", "The write conflicts with another one",
                              "another request changed the same data; retry")
    response = error_response(503, "service_unavailable", "The database is busy or unavailable",
                              "retry in a moment", request)
    response.headers["Retry-After"] = "1"
    return response


CLIENT_CLOSED_REQUEST = 499  # nginx's status for a client gone before its answer


async def client_gone(request: Request, exc: Exception) -> Response:
    """The client hung up before its request body arrived (Starlette's ClientDisconnect):
    no one reads an answer and nothing is wrong with the server, so nothing is logged as
    an error; the request log and the API call log show 499."""
    return error_response(CLIENT_CLOSED_REQUEST, "client_closed_request",
                          "The client closed the connection before the request body arrived")


async def server_error(request: Request, exc: Exception) -> Response:
    log.exception("unhandled error on %s %s", request.method, request.url.path)
    return error_response(500, "server_error", "Internal server error",
                          "this is a bug in Amity; the server log has the details", request)
