"""The dashboard as a dialect of its own (amity.api.dialects): the pages under /app take
the dashboard cookie as their credential, and every error they meet is an HTML page."""

from __future__ import annotations

from urllib.parse import quote

from starlette.requests import Request
from starlette.responses import RedirectResponse, Response

from amity.api.dialects import Dialect
from amity.errors import (
    AddressRefused,
    AmityError,
    CsrfFailed,
    Forbidden,
    HttpsRequired,
    NotFound,
    Unauthorized,
)
from amity.web.pages import SECURITY_HEADERS, render
from amity.web.session import COOKIE, authenticate

PREFIX = "/app"


def render_error(exc: AmityError, request: Request | None) -> Response:
    """An error as a page. A page or action the access rules deny answers like a missing
    record (404), so a user cannot learn what exists; without a session, the sign-in page."""
    if request is None:
        return Response(exc.message, status_code=exc.status)
    if isinstance(exc, Unauthorized):
        if request.method == "GET":
            target = request.url.path + (f"?{request.url.query}" if request.url.query else "")
            response: Response = RedirectResponse(
                f"{PREFIX}/login?next={quote(target, safe='')}", status_code=303
            )
        else:
            response = RedirectResponse(f"{PREFIX}/login", status_code=303)
        response.headers.update(SECURITY_HEADERS)
        response.delete_cookie(COOKIE, path=PREFIX)
        return response
    if isinstance(exc, Forbidden) and not isinstance(
        exc, CsrfFailed | HttpsRequired | AddressRefused
    ):
        exc = NotFound("Not found", "it may have been deleted, or you may not see it")
    return render(request, "error.html", status=exc.status, error=exc)


DIALECT = Dialect("web", PREFIX, render_error, authenticate)
