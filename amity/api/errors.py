"""Every error leaves as {"error", "message", "hint"} with its status, made from an
AmityError and translated by its message id; a 500 is logged."""

from __future__ import annotations

import logging
from collections.abc import Mapping

from sqlalchemy.exc import IntegrityError
from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Match, Route
from starlette.types import Scope

from amity.api.dialects import scope_dialect
from amity.api.etags import etag
from amity.api.language import translate_message
from amity.api.native.hints import native_id, native_params
from amity.api.paths import redact_path
from amity.api.responses import JSONResponse
from amity.errors import (
    AmityError,
    BadRequest,
    Conflict,
    Forbidden,
    MethodNotAllowed,
    NotFound,
    PayloadTooLarge,
    PreconditionFailed,
    ServiceUnavailable,
    Unauthorized,
    UnsupportedMediaType,
)

log = logging.getLogger("amity.errors")

_HTTP_ERRORS: dict[int, type[AmityError]] = {
    400: BadRequest,
    401: Unauthorized,
    403: Forbidden,
    404: NotFound,
    405: MethodNotAllowed,
    409: Conflict,
    413: PayloadTooLarge,
    415: UnsupportedMediaType,
}


def error_response(
    status: int,
    error: str,
    message: str,
    hint: str = "",
    request: Request | None = None,
    params: Mapping[str, object] | None = None,
) -> JSONResponse:
    """The error body; message and hint (ids, filled from params) in the request's
    language when one is given, else English."""
    message, hint = (
        translate_message(request, message, params),
        translate_message(request, hint, params),
    )
    return JSONResponse({"error": error, "message": message, "hint": hint}, status_code=status)


def render_error(exc: AmityError, request: Request | None) -> Response:
    """An AmityError as its response, in the shape of the request's dialect (1CRM's unless
    the path belongs to another, with its hints in 1CRM's words: amity.api.native.hints),
    translated for the request, with the headers its kind calls for."""
    dialect = scope_dialect(request.scope) if request is not None else None
    response: Response
    if dialect is not None:
        response = dialect.render_error(exc, request)
    else:
        response = error_response(
            exc.status,
            exc.error,
            native_id(exc.message_id),
            native_id(exc.hint_id),
            request,
            native_params(exc.params),
        )
    if exc.status == 401:
        response.headers["WWW-Authenticate"] = 'Bearer realm="amity"'
    if isinstance(exc, PreconditionFailed) and exc.version is not None:
        response.headers["ETag"] = etag(exc.model, exc.record_id, exc.version)
    retry_after = getattr(exc, "retry_after", None)
    if retry_after is not None:
        response.headers["Retry-After"] = str(retry_after)
    return response


def scope_request(scope: Scope) -> Request | None:
    """A Request for ASGI middleware to translate with (None outside the Amity app)."""
    app = scope.get("app")
    return Request(scope) if app is not None and hasattr(app.state, "services") else None


async def amity_error(request: Request, exc: Exception) -> Response:
    assert isinstance(exc, AmityError)
    return render_error(exc, request)


async def http_error(request: Request, exc: Exception) -> Response:
    assert isinstance(exc, HTTPException)
    status = exc.status_code
    if status == 404:
        return render_error(
            NotFound(
                "Not found", "No endpoint {path}; see the API reference", path=request.url.path
            ),
            request,
        )
    if status == 405:
        response = render_error(
            MethodNotAllowed(
                "Method {method} not allowed on {path}",
                method=request.method,
                path=request.url.path,
            ),
            request,
        )
        response.headers["Allow"] = allowed_methods(request, (exc.headers or {}).get("Allow"))
        return response
    error = _HTTP_ERRORS.get(status)
    if error is None:
        return error_response(status, "error", str(exc.detail), request=request)
    return render_error(error(str(exc.detail)), request)


def allowed_methods(request: Request, given: str | None = None) -> str:
    """Every method that some route takes on the request's path, and those `given` (by a
    mounted app): one path's methods are often split over several routes, and Starlette's
    own Allow names only one route's."""
    methods = {m.strip() for m in given.split(",")} if given else set()
    for route in request.app.router.routes:
        if (
            isinstance(route, Route)
            and route.methods
            and (route.matches(request.scope)[0] is not Match.NONE)
        ):
            methods |= route.methods
    return ", ".join(sorted(methods))


async def database_error(request: Request, exc: Exception) -> Response:
    """Lock conflicts that outlived their retries, or an unreachable database: retry later."""
    log.warning("database error on %s %s: %s", request.method, redact_path(request.url.path), exc)
    if isinstance(exc, IntegrityError):
        return render_error(
            Conflict(
                "The write conflicts with another one",
                "another request changed the same data; retry",
            ),
            request,
        )
    return render_error(
        ServiceUnavailable(
            "The database is busy or unavailable", "retry in a moment", retry_after=1
        ),
        request,
    )


CLIENT_CLOSED_REQUEST = 499  # nginx's status for a client gone before its answer


async def client_gone(request: Request, exc: Exception) -> Response:
    """The client hung up before its request body arrived (Starlette's ClientDisconnect):
    no one reads an answer and nothing is wrong with the server, so nothing is logged as
    an error; the request log and the API call log show 499."""
    return error_response(
        CLIENT_CLOSED_REQUEST,
        "client_closed_request",
        "The client closed the connection before the request body arrived",
    )


async def server_error(request: Request, exc: Exception) -> Response:
    log.exception("unhandled error on %s %s", request.method, redact_path(request.url.path))
    return render_error(
        AmityError(
            "Internal server error", "this is a bug in Amity; the server log has the details"
        ),
        request,
    )
