"""`GET /healthz` and `GET /readyz`: what a load balancer or an orchestrator asks.

/healthz: the process is up and its event loop answers (no database call), 200.
/readyz: the process can serve: the database answers a query and, when AMITY_REDIS_URL
is set, Redis answers a PING, each within PROBE_SECONDS; 200, else 503 naming what
failed. A server that is shutting down closes its listening socket first (in-flight
requests still finish), so a balancer's probes fail at the connection and it stops
sending new requests there.

The probes answer before every other layer: no credentials, no rate limit, no API call
log line, whatever the address rules (a balancer probes from its own address). They tell
nothing beyond up or down and which dependency failed.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable, Mapping

import anyio.to_thread
from redis.asyncio import Redis
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from amity.api.responses import JSONResponse
from amity.core.services import Services

PROBE_SECONDS = 2.0
PATHS = ("/healthz", "/readyz")
log = logging.getLogger("amity.api.probes")


class Probes:
    """ASGI middleware, outermost: answers the two probe paths itself."""

    def __init__(self, app: ASGIApp, services: Services, redis_url: str = "") -> None:
        self.app = app
        self.services = services
        self.redis_url = redis_url.strip()

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or scope["path"] not in PATHS:
            await self.app(scope, receive, send)
            return
        if scope["method"] not in ("GET", "HEAD"):
            await answer(send, 405, {"status": "error", "message": "use GET"}, scope)
            return
        if scope["path"] == "/healthz":
            await answer(send, 200, {"status": "ok"}, scope)
            return
        checks = await self.checks()
        ready = all(value in ("ok", "not used") for value in checks.values())
        body = {"status": "ready" if ready else "not ready", "checks": checks}
        await answer(send, 200 if ready else 503, body, scope)

    async def checks(self) -> dict[str, str]:
        """Each dependency's state: "ok", "not used", or what went wrong."""
        return {
            "database": await _timed(self._database),
            "redis": await _timed(self._redis) if self.redis_url else "not used",
        }

    async def _database(self) -> None:
        def query() -> None:
            with self.services.db.read() as conn:
                conn.exec_driver_sql("SELECT 1").scalar_one()

        await anyio.to_thread.run_sync(query, abandon_on_cancel=True)

    async def _redis(self) -> None:
        client = Redis.from_url(
            self.redis_url,
            socket_timeout=PROBE_SECONDS,
            socket_connect_timeout=PROBE_SECONDS,
        )
        try:
            await client.ping()  # type: ignore[misc]  # redis-py types it sync or async
        finally:
            await client.aclose()


async def _timed(check: Callable[[], Awaitable[None]]) -> str:
    try:
        await asyncio.wait_for(check(), PROBE_SECONDS)
    except TimeoutError:
        return f"no answer within {PROBE_SECONDS:g} s"
    except Exception as exc:  # any failure of the dependency makes the process not ready
        reason = str(exc).splitlines()[0] if str(exc) else type(exc).__name__
        log.warning("readiness check failed: %s", reason)
        return f"error: {reason[:200]}"
    return "ok"


async def answer(send: Send, status: int, body: Mapping[str, object], scope: Scope) -> None:
    """The probe's JSON answer, never cached (uvicorn drops the body of a HEAD answer)."""
    response = JSONResponse(body, status_code=status, headers={"Cache-Control": "no-store"})
    await response(scope, _no_body, send)


async def _no_body() -> Message:
    return {"type": "http.request", "body": b"", "more_body": False}
