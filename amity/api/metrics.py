"""`GET /metrics`: the Prometheus text format, for administrators or allowed networks.

What it holds:
- `amity_http_requests_total{method, route, status}` and the latency histogram
  `amity_http_request_duration_seconds{method, route}`, counted by the request log for
  every request (the probes /healthz and /readyz aside). `route` is the route's template
  (`/api.php/data/{model}/{id}`), never the raw path, so that ids and names make no
  series; a request that matched no route is `unmatched`.
- `amity_db_pool_connections{state}`: the database connections of the answering
  process, in use and idle.
- `amity_jobs{state}` and `amity_jobs_oldest_due_seconds`: the job queue's depth per state
  and how long its longest-waiting due job has waited.
- `amity_webhook_messages{state}`: webhook messages per delivery state (pending, sending,
  delivered, failed, skipped), kept as long as the delivery log.

With several worker processes (`amity serve --workers N`), `amity serve` gives them one
directory for prometheus_client's multiprocess mode (PROMETHEUS_MULTIPROC_DIR): any
worker's answer sums the request counts of all of them.

Who may read it: an administrator's credential, or any caller from AMITY_METRICS_ALLOW
(the networks of a Prometheus server that sends none). Others get 401 or 403.
"""

from __future__ import annotations

import os
from collections.abc import Iterable, Iterator
from typing import Any

import anyio.to_thread
from prometheus_client import (
    CONTENT_TYPE_LATEST,
    CollectorRegistry,
    Counter,
    Histogram,
    disable_created_metrics,
)
from prometheus_client.exposition import generate_latest
from prometheus_client.metrics_core import GaugeMetricFamily, Metric
from prometheus_client.multiprocess import MultiProcessCollector
from prometheus_client.registry import Collector
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import BaseRoute, Mount, Route
from starlette.types import ASGIApp, Receive, Scope, Send

from amity.api.access_guard import Network, in_any, parse_address
from amity.api.context import optional_actor, services
from amity.config import Settings, parse_networks
from amity.core.services import Services
from amity.errors import Forbidden, Unauthorized

MULTIPROCESS_DIR = "PROMETHEUS_MULTIPROC_DIR"
UNMATCHED = "unmatched"
ROUTE_KEY = "route"  # in the request state: the template of the route that answered
TAGGED = "_amity_tags_route"  # on a route's app once tag_routes wrapped it
BUCKETS = (0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0)

# no `_created` series beside every counter
disable_created_metrics()  # type: ignore[no-untyped-call]
REGISTRY = CollectorRegistry(auto_describe=True)
REQUESTS = Counter(
    "amity_http_requests",
    "HTTP requests answered, by method, route template and status.",
    ["method", "route", "status"],
    registry=REGISTRY,
)
LATENCY = Histogram(
    "amity_http_request_duration_seconds",
    "Time from a request's arrival to its last byte, by method and route template.",
    ["method", "route"],
    buckets=BUCKETS,
    registry=REGISTRY,
)


def observe(scope: Scope, status: int, seconds: float) -> None:
    """Count one answered request (called by the request log)."""
    route = scope.get("state", {}).get(ROUTE_KEY, UNMATCHED)
    method = scope["method"]
    REQUESTS.labels(method, route, str(status)).inc()
    LATENCY.labels(method, route).observe(seconds)


def tag_routes(routes: Iterable[BaseRoute]) -> None:
    """Make each route note its template in the request state when it answers. Route
    objects are module-level and shared by every app built in a process: a route is
    tagged once."""
    for route in routes:
        if isinstance(route, Route | Mount) and not getattr(route.app, TAGGED, False):
            route.app = _tagged(route.app, route.path)


def _tagged(app: ASGIApp, template: str) -> ASGIApp:
    async def tagged(scope: Scope, receive: Receive, send: Send) -> None:
        scope.setdefault("state", {})[ROUTE_KEY] = template
        await app(scope, receive, send)

    setattr(tagged, TAGGED, True)
    return tagged


class StateCollector(Collector):
    """Gauges read when scraped: the connection pool, the job queue, webhook messages."""

    def __init__(self, svc: Services) -> None:
        self.services = svc

    def collect(self) -> Iterator[Metric]:
        pool = self.services.db.engine.pool
        connections = GaugeMetricFamily(
            "amity_db_pool_connections",
            "Database connections of the answering process.",
            labels=["state"],
        )
        in_use = _pool_count(pool, "checkedout")
        connections.add_metric(["in_use"], in_use)
        connections.add_metric(["idle"], _pool_count(pool, "checkedin"))
        yield connections
        counts, waited = self.services.jobs.queue_stats()
        jobs = GaugeMetricFamily("amity_jobs", "Background jobs per state.", labels=["state"])
        for state, n in sorted(counts.items()):
            jobs.add_metric([state], n)
        yield jobs
        yield GaugeMetricFamily(
            "amity_jobs_oldest_due_seconds",
            "Seconds the longest-waiting due job has waited (0: none waits).",
            value=waited,
        )
        messages = GaugeMetricFamily(
            "amity_webhook_messages",
            "Webhook messages per delivery state.",
            labels=["state"],
        )
        for state, n in sorted(self.services.webhooks.message_counts().items()):
            messages.add_metric([state], n)
        yield messages


def _pool_count(pool: Any, method: str) -> int:
    """A count a SQLAlchemy pool keeps (0 for a pool without it)."""
    count = getattr(pool, method, None)
    return int(count()) if callable(count) else 0


def exposition(svc: Services) -> bytes:
    """The metrics of this process, or of every worker in multiprocess mode."""
    registry = CollectorRegistry(auto_describe=False)
    if os.environ.get(MULTIPROCESS_DIR):
        MultiProcessCollector(registry)  # type: ignore[no-untyped-call]
    else:
        registry.register(_Forward(REGISTRY))
    registry.register(StateCollector(svc))
    return bytes(generate_latest(registry))


class _Forward(Collector):
    """Another registry's metrics, as one collector."""

    def __init__(self, registry: CollectorRegistry) -> None:
        self.registry = registry

    def collect(self) -> Iterator[Metric]:
        yield from self.registry.collect()


async def metrics(request: Request) -> Response:
    """GET /metrics."""
    actor = optional_actor(request)
    svc = services(request)
    if not (actor is not None and actor.is_admin) and not _allowed_network(request):
        if actor is None:
            raise Unauthorized(
                "Sign in as an administrator to read the metrics",
                "send an administrator's token, or scrape from a network in AMITY_METRICS_ALLOW",
            )
        raise Forbidden(
            "Only administrators may read the metrics",
            "use an administrator's token, or scrape from a network in AMITY_METRICS_ALLOW",
        )
    body = await anyio.to_thread.run_sync(exposition, svc)  # the gauges ask the database
    return Response(body, media_type=CONTENT_TYPE_LATEST, headers={"Cache-Control": "no-store"})


def allowed_networks(settings: Settings) -> tuple[Network, ...]:
    """AMITY_METRICS_ALLOW's networks, for app.state.metrics_allow; a malformed entry
    stops the server at start (ValueError)."""
    return parse_networks(settings.metrics_allow, "metrics_allow")


def _allowed_network(request: Request) -> bool:
    allowed: tuple[Network, ...] = getattr(request.app.state, "metrics_allow", ())
    address = parse_address(request.client.host) if request.client else None
    return bool(allowed) and address is not None and in_any(address, allowed)


routes = [Route("/metrics", metrics, methods=["GET"])]
