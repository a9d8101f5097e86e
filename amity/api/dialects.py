"""The API dialects other than 1CRM, each an adapter package under `api/` mounted at a
path prefix of its own (Vtiger's RestfulApi, OpenCRM, App CRM).

A dialect shares every service and every middleware with the 1CRM API; what differs is
declared here, once per dialect, and looked up by the request's path:

- `render_error`: its error shape (the 1CRM one elsewhere); every error a request under
  the prefix meets, from any middleware or endpoint, leaves in it;
- `authenticate`: its credential in the request head (a token in the path, a key pair in
  headers or the query string), turned into the actor before the rate limiter runs, so
  the request spends that actor's budget; None to use the shared Authorization header;

A credential that travels in the path is kept out of the logs by amity.api.paths.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass

from starlette.requests import Request
from starlette.responses import Response
from starlette.types import Scope

from amity.core.actor import Actor
from amity.core.services import Services
from amity.errors import AmityError

ErrorRenderer = Callable[[AmityError, Request | None], Response]
Authenticator = Callable[[Services, Scope], Actor | None]


@dataclass(frozen=True)
class Dialect:
    name: str
    prefix: str  # e.g. "/modules/RestfulApi": the dialect's paths start with it
    render_error: ErrorRenderer
    authenticate: Authenticator | None = None

    def owns(self, path: str) -> bool:
        return path == self.prefix or path.startswith(self.prefix + "/")


def dialect_of(dialects: Sequence[Dialect], path: str) -> Dialect | None:
    """The dialect a path belongs to (the longest prefix that holds it: OpenCRM's
    /api/rest inside App CRM's /api); None for the 1CRM API and the site's own pages."""
    owners = [dialect for dialect in dialects if dialect.owns(path)]
    return max(owners, key=lambda d: len(d.prefix)) if owners else None


def scope_dialect(scope: Scope) -> Dialect | None:
    """The dialect of a request in the Amity app (which lists its dialects in its state)."""
    app = scope.get("app")
    dialects: Sequence[Dialect] = getattr(getattr(app, "state", None), "dialects", ())
    return dialect_of(dialects, scope.get("path", "")) if dialects else None
