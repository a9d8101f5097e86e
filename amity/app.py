"""Builds the ASGI app: middleware order and routes, in one place."""

from __future__ import annotations

import contextlib
import logging
from collections.abc import AsyncIterator

from sqlalchemy.exc import IntegrityError, OperationalError
from starlette.applications import Starlette
from starlette.exceptions import HTTPException
from starlette.middleware import Middleware
from starlette.requests import ClientDisconnect
from starlette.routing import Route

from amity import web
from amity.api import appcrm, errors, metrics, opencrm, vtiger
from amity.api.access_guard import AccessGuard, access_rules
from amity.api.authn import Authenticate
from amity.api.freshness import MetadataRefresh, retry_on_unknown_field
from amity.api.idempotency import IdempotencyKeys
from amity.api.middleware import EncodedSlash, MethodOverride, RequestLog
from amity.api.native import (
    admin,
    audit,
    auth,
    calendar,
    changes,
    data,
    docs,
    files,
    index,
    layouts,
    me,
    meta,
    portal,
    printer,
    reports,
    session,
    tally,
    webhooks,
)
from amity.api.paths import PathAliases
from amity.api.probes import Probes
from amity.api.ratelimit import Counters, RateLimit
from amity.config import Settings
from amity.core.services import Services, build_services
from amity.errors import AmityError

API_PREFIX = "/api.php"  # the 1CRM entry point; every endpoint hangs off it


def create_app(settings: Settings | None = None, services: Services | None = None) -> Starlette:
    """The Amity ASGI application; the 1CRM API lives under /api.php."""
    settings = settings or Settings.from_env()
    services = services or build_services(settings)
    configure_logging(settings)
    counters = Counters(settings, services.rate_limits)  # a malformed rate stops the server
    rules = access_rules(settings)  # so does a malformed address list
    metrics_allow = metrics.allowed_networks(settings)  # and a malformed metrics one
    api_routes = [
        Route(
            API_PREFIX + route.path, retry_on_unknown_field(route.endpoint), methods=route.methods
        )
        for route in (
            *data.routes,
            *meta.routes,
            *me.routes,
            *index.routes,
            *session.routes,
            *layouts.routes,
            *portal.routes,
            *auth.routes,
            *docs.api_routes,
            *admin.routes,
            *changes.routes,
            *audit.routes,
            *webhooks.routes,
            *files.routes,
            *tally.routes,
            *printer.routes,
            *calendar.routes,
            *reports.routes,
        )
    ]
    api_routes += opencrm.routes  # /api/rest: before App CRM's /api/{resource}
    api_routes += vtiger.routes
    api_routes += appcrm.routes  # last: other dialects' /api/... paths go first
    api_routes += auth.root_routes  # RFC 8414 metadata lives at the host's well-known path

    @contextlib.asynccontextmanager
    async def lifespan(_: Starlette) -> AsyncIterator[None]:
        services.bus.start()  # other processes' changes drop this one's cached copies
        if settings.jobs_in_serve:
            services.jobs.start()  # this process's job runner (SQLite) or worker (PostgreSQL)
        yield
        services.jobs.stop()
        services.api_log.close()  # write the buffered API call log before the process ends
        services.bus.close()

    app = Starlette(
        routes=[*api_routes, *docs.site_routes, *index.site_routes, *metrics.routes, *web.routes],
        lifespan=lifespan,
        middleware=[
            Middleware(Probes, services=services, redis_url=settings.redis_url),  # before all
            Middleware(PathAliases),  # every layer below sees one spelling
            Middleware(RequestLog, api_log=services.api_log),
            Middleware(AccessGuard, rules=rules),
            Middleware(Authenticate, services=services, locked_out=counters.locked_out),
            Middleware(RateLimit, settings=settings, counters=counters),
            Middleware(MethodOverride),
            Middleware(IdempotencyKeys, services=services),
            Middleware(MetadataRefresh, sync=services.metadata),
            Middleware(EncodedSlash),
        ],
        exception_handlers={
            AmityError: errors.amity_error,
            ClientDisconnect: errors.client_gone,
            HTTPException: errors.http_error,
            OperationalError: errors.database_error,
            IntegrityError: errors.database_error,
            Exception: errors.server_error,
        },
    )
    app.router.redirect_slashes = False  # PathAliases drops trailing slashes instead
    metrics.tag_routes(app.routes)  # request counts by route template
    app.state.services = services
    app.state.metrics_allow = metrics_allow
    app.state.dialects = (
        opencrm.DIALECT,
        vtiger.DIALECT,
        appcrm.DIALECT,
        web.DIALECT,
    )  # amity.api.dialects: each other API's prefix, errors, credential
    return app


def app_from_env() -> Starlette:
    """Factory for `uvicorn --factory` and worker processes."""
    return create_app(Settings.from_env())


def configure_logging(settings: Settings) -> None:
    level = getattr(logging, settings.log_level.upper(), logging.INFO)
    logger = logging.getLogger("amity")
    logger.setLevel(level)
    if not logger.handlers:
        handler = logging.StreamHandler()
        handler.setFormatter(logging.Formatter("%(asctime)s %(levelname)s %(name)s %(message)s"))
        logger.addHandler(handler)
        logger.propagate = False
