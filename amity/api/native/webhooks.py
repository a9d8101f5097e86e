"""/webhooks: the 1CRM webhooks API, with Amity's secrets, delivery log, replay and test."""

from __future__ import annotations

from datetime import datetime
from typing import Any

import anyio.to_thread
import orjson
from starlette.requests import Request
from starlette.routing import Route

from amity.api.context import require_actor, run_write, services
from amity.api.events_wire import DATETIME_FORMAT
from amity.api.params import paging_params, parse_query, read_json
from amity.api.responses import JSONResponse

MAX_LIMIT = 200


def render(row: dict[str, Any]) -> dict[str, Any]:
    """A webhook on the wire (never its secret)."""
    return {
        "id": row["id"],
        "type": row["type"],
        "url": row["url"],
        "model": row["model"],
        "filters": orjson.loads(row["filters"]),
        "assigned_user_id": row["assigned_user_id"],
        "payload": row["payload"],
        "disabled": bool(row["disabled"]),
        "disabled_reason": row["disabled_reason"],
        "date_entered": _time(row["date_entered"]),
        "date_modified": _time(row["date_modified"]),
    }


def render_delivery(row: dict[str, Any]) -> dict[str, Any]:
    """One logged attempt on the wire."""
    return {
        "id": row["id"],
        "webhook_id": row["webhook_id"],
        "event_id": row["event_id"],
        "attempt": row["attempt"],
        "status_code": row["status_code"],
        "duration_ms": row["duration_ms"],
        "response": row["response"],
        "error": row["error"],
        "date_created": _time(row["date_created"]),
    }


def with_secret(result: tuple[dict[str, Any], str]) -> JSONResponse:
    """A webhook with its new signing secret (the one answer that shows it)."""
    row, secret = result
    return JSONResponse({**render(row), "secret": secret})


def _time(moment: datetime | None) -> str | None:
    return None if moment is None else moment.strftime(DATETIME_FORMAT)


def _paging(request: Request) -> tuple[int, int]:
    return paging_params(parse_query(request.scope["query_string"]), MAX_LIMIT)


async def _body(request: Request) -> dict[str, Any]:
    """The JSON body (a 1CRM-style {"data": {...}} wrapper taken off), its URL checked
    in a worker thread (the check resolves the host name)."""
    body = await read_json(request)
    if set(body) == {"data"} and isinstance(body["data"], dict):
        body = dict(body["data"])
    prepared: dict[str, Any] = await anyio.to_thread.run_sync(
        services(request).webhooks.prepare, body
    )
    return prepared


async def list_webhooks(request: Request) -> JSONResponse:
    """The caller's webhooks (an administrator's: all): offset, limit (1..200, 20)."""
    actor = require_actor(request)
    offset, limit = _paging(request)
    rows, total = services(request).webhooks.page(actor, offset, limit)
    return JSONResponse({"total_results": total, "records": [render(r) for r in rows]})


async def create_webhook(request: Request) -> JSONResponse:
    """A new webhook; the answer carries its signing secret, shown this once."""
    actor = require_actor(request)
    hooks = services(request).webhooks
    data = await _body(request)

    return await run_write(request, lambda: hooks.create(actor, data), respond=with_secret)


async def get_webhook(request: Request) -> JSONResponse:
    actor = require_actor(request)
    row = services(request).webhooks.get(actor, request.path_params["id"])
    return JSONResponse(render(row))


async def update_webhook(request: Request) -> JSONResponse:
    """PATCH (and PUT): change the given fields."""
    actor = require_actor(request)
    hooks, webhook_id = services(request).webhooks, request.path_params["id"]
    data = await _body(request)
    return await run_write(
        request,
        lambda: hooks.update(actor, webhook_id, data),
        respond=lambda row: JSONResponse(render(row)),
    )


async def delete_webhook(request: Request) -> JSONResponse:
    actor = require_actor(request)
    hooks, webhook_id = services(request).webhooks, request.path_params["id"]

    def respond(row: dict[str, Any]) -> JSONResponse:
        return JSONResponse({key: row[key] for key in ("id", "type", "url", "model")})

    return await run_write(request, lambda: hooks.delete(actor, webhook_id), respond=respond)


async def rotate_secret(request: Request) -> JSONResponse:
    """A new secret; deliveries are signed with both for 24 hours."""
    actor = require_actor(request)
    hooks, webhook_id = services(request).webhooks, request.path_params["id"]

    return await run_write(
        request, lambda: hooks.rotate_secret(actor, webhook_id), respond=with_secret
    )


async def recover(request: Request) -> JSONResponse:
    """Switch on again and resend what failed since `since` (Y-m-d H:i:s, UTC)."""
    actor = require_actor(request)
    hooks, webhook_id = services(request).webhooks, request.path_params["id"]
    since = (await _body(request)).get("since")

    def respond(result: tuple[dict[str, Any], int]) -> JSONResponse:
        row, count = result
        return JSONResponse({**render(row), "requeued": count})

    return await run_write(
        request, lambda: hooks.recover(actor, webhook_id, since), respond=respond
    )


async def deliveries(request: Request) -> JSONResponse:
    """Delivery attempts newest first (30 days): offset, limit."""
    actor = require_actor(request)
    offset, limit = _paging(request)
    rows, total = services(request).webhooks.deliveries(
        actor, request.path_params["id"], offset, limit
    )
    return JSONResponse({"total_results": total, "records": [render_delivery(r) for r in rows]})


async def replay(request: Request) -> JSONResponse:
    """Send a logged delivery's event again (same webhook-id)."""
    actor = require_actor(request)
    hooks = services(request).webhooks
    webhook_id, delivery_id = request.path_params["id"], request.path_params["delivery_id"]
    return await run_write(
        request,
        lambda: hooks.replay(actor, webhook_id, delivery_id),
        respond=lambda event_id: JSONResponse({"result": True, "event_id": event_id}),
    )


async def test(request: Request) -> JSONResponse:
    """Send a test event now; the attempt as logged."""
    actor = require_actor(request)
    row = await services(request).webhooks.test(actor, request.path_params["id"])
    return JSONResponse(render_delivery(row))


routes = [
    Route("/webhooks", list_webhooks, methods=["GET"]),
    Route("/webhooks", create_webhook, methods=["POST"]),
    Route("/webhooks/{id}", get_webhook, methods=["GET"]),
    Route("/webhooks/{id}", update_webhook, methods=["PATCH", "PUT"]),
    Route("/webhooks/{id}", delete_webhook, methods=["DELETE"]),
    Route("/webhooks/{id}/rotate_secret", rotate_secret, methods=["POST"]),
    Route("/webhooks/{id}/recover", recover, methods=["POST"]),
    Route("/webhooks/{id}/test", test, methods=["POST"]),
    Route("/webhooks/{id}/deliveries", deliveries, methods=["GET"]),
    Route("/webhooks/{id}/deliveries/{delivery_id}/replay", replay, methods=["POST"]),
]
