"""/webhooks: subscriptions that POST the server's events to a URL, their deliveries,
and the calls that replay, test, recover them and rotate their secrets.

The call builders are IO-free; `Webhooks` runs them on a Client (`client.webhooks`),
`AsyncWebhooks` on an AsyncClient, with the same method names and arguments. A webhook is
the server's JSON object as it came (a dict); `create` and `rotate_secret` add its
`secret`, which the server shows only then.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from typing import Any

from amity_client._core import Call, as_dict, path
from amity_client._data import AsyncRunner, SyncRunner
from amity_client._paging import Page, parse_page
from amity_client._results import AsyncListQuery, ListResult

Webhook = dict[str, Any]


# -- call builders (IO-free) -----------------------------------------------------------------
def _page_params(offset: int, limit: int | None) -> dict[str, Any]:
    params: dict[str, Any] = {"offset": offset}
    if limit is not None:
        params["limit"] = limit
    return params


def list_call(offset: int = 0, limit: int | None = None) -> Call[Page]:
    """GET /webhooks -> the caller's webhooks, a page at a time."""
    return Call("GET", "/webhooks", parse_page, _page_params(offset, limit))


def create_call(
    type: str,
    url: str,
    model: str,
    filters: Mapping[str, Any] | None = None,
    payload: str | None = None,
) -> Call[Webhook]:
    """POST /webhooks -> the new webhook with its `secret`."""
    body: dict[str, Any] = {"type": type, "url": url, "model": model}
    if filters is not None:
        body["filters"] = dict(filters)
    if payload is not None:
        body["payload"] = payload
    return Call("POST", "/webhooks", as_dict, json=body)


def get_call(webhook_id: str) -> Call[Webhook]:
    return Call("GET", path("webhooks", webhook_id), as_dict)


def update_call(webhook_id: str, fields: Mapping[str, Any]) -> Call[Webhook]:
    """PATCH /webhooks/{id} with any of type, url, model, filters, payload, disabled,
    assigned_user_id."""
    return Call("PATCH", path("webhooks", webhook_id), as_dict, json=dict(fields))


def delete_call(webhook_id: str) -> Call[Webhook]:
    """DELETE /webhooks/{id} -> {"id", "type", "url", "model"} of the deleted webhook."""
    return Call("DELETE", path("webhooks", webhook_id), as_dict)


def rotate_secret_call(webhook_id: str) -> Call[Webhook]:
    return Call("POST", path("webhooks", webhook_id, "rotate_secret"), as_dict)


def deliveries_call(webhook_id: str, offset: int = 0, limit: int | None = None) -> Call[Page]:
    """GET /webhooks/{id}/deliveries -> delivery attempts, a page at a time."""
    return Call(
        "GET", path("webhooks", webhook_id, "deliveries"), parse_page, _page_params(offset, limit)
    )


def replay_call(webhook_id: str, delivery_id: str) -> Call[dict[str, Any]]:
    """POST .../deliveries/{delivery_id}/replay -> {"result": true, "event_id"}."""
    return Call("POST", path("webhooks", webhook_id, "deliveries", delivery_id, "replay"), as_dict)


def send_test_call(webhook_id: str) -> Call[dict[str, Any]]:
    """POST /webhooks/{id}/test -> the delivery of a test event."""
    return Call("POST", path("webhooks", webhook_id, "test"), as_dict)


def recover_call(webhook_id: str, since: dt.datetime | str) -> Call[Webhook]:
    """POST /webhooks/{id}/recover -> the webhook with `requeued`, the events queued again.
    A datetime is sent as GMT (naive ones are taken as GMT)."""
    return Call("POST", path("webhooks", webhook_id, "recover"), as_dict, json={"since": since})


# -- runners ---------------------------------------------------------------------------------
class Webhooks:
    """The webhooks of the authenticated user (`client.webhooks`)."""

    def __init__(self, client: SyncRunner) -> None:
        self._client = client

    def __repr__(self) -> str:
        return "Webhooks()"

    def list(self, *, offset: int = 0, limit: int | None = None) -> ListResult:
        """`records` holds the first page (at most `limit`, the server's default 20);
        iterating walks every webhook page by page."""
        call = list_call(offset, limit)
        return ListResult(call, self._client._run(call), self._client._run)

    def create(
        self,
        *,
        type: str,
        url: str,
        model: str,
        filters: Mapping[str, Any] | None = None,
        payload: str | None = None,
    ) -> Webhook:
        """Subscribe `url` to the writes of `model`: `type` is "create", "update",
        "create_update" or "delete"; `filters` a WebhookFilter ({"glue", "conditions"})
        the record must match; `payload` "record" (its fields) or "event" (the change
        event). The answer carries the `secret` that signs deliveries: store it, get and
        list do not show it."""
        return self._client._run(create_call(type, url, model, filters, payload))

    def get(self, webhook_id: str) -> Webhook:
        return self._client._run(get_call(webhook_id))

    def update(self, webhook_id: str, **fields: Any) -> Webhook:
        """Change any of type, url, model, filters, payload, disabled (False re-enables a
        webhook the server disabled) and, as an administrator, assigned_user_id (the
        owner); returns the webhook as it is now."""
        return self._client._run(update_call(webhook_id, fields))

    def delete(self, webhook_id: str) -> Webhook:
        """Delete the webhook; returns its id, type, url and model."""
        return self._client._run(delete_call(webhook_id))

    def rotate_secret(self, webhook_id: str) -> Webhook:
        """A new signing secret (in the answer's `secret`); for 24 hours deliveries are
        signed with the old one as well, so receivers can switch without losing any."""
        return self._client._run(rotate_secret_call(webhook_id))

    def deliveries(
        self, webhook_id: str, *, offset: int = 0, limit: int | None = None
    ) -> ListResult:
        """Delivery attempts (status_code, duration_ms, response, error, ...); iterating
        walks all of them."""
        call = deliveries_call(webhook_id, offset, limit)
        return ListResult(call, self._client._run(call), self._client._run)

    def replay(self, webhook_id: str, delivery_id: str) -> dict[str, Any]:
        """Deliver a delivery's event again: {"result": True, "event_id"}."""
        return self._client._run(replay_call(webhook_id, delivery_id))

    def test(self, webhook_id: str) -> dict[str, Any]:
        """Send a test event now; returns its delivery."""
        return self._client._run(send_test_call(webhook_id))

    def recover(self, webhook_id: str, since: dt.datetime | str) -> Webhook:
        """Switch the webhook on again and queue again the events whose delivery failed
        since `since` (a UTC datetime or "Y-m-d H:i:s" GMT); the answer's `requeued` counts
        them."""
        return self._client._run(recover_call(webhook_id, since))


class AsyncWebhooks:
    """Webhooks for AsyncClient: the same methods, awaited; `list` and `deliveries`
    return an AsyncListQuery (awaited, the first page; `async for`, every row)."""

    def __init__(self, client: AsyncRunner) -> None:
        self._client = client

    def __repr__(self) -> str:
        return "AsyncWebhooks()"

    def list(self, *, offset: int = 0, limit: int | None = None) -> AsyncListQuery:
        return AsyncListQuery(list_call(offset, limit), self._client._run)

    async def create(
        self,
        *,
        type: str,
        url: str,
        model: str,
        filters: Mapping[str, Any] | None = None,
        payload: str | None = None,
    ) -> Webhook:
        return await self._client._run(create_call(type, url, model, filters, payload))

    async def get(self, webhook_id: str) -> Webhook:
        return await self._client._run(get_call(webhook_id))

    async def update(self, webhook_id: str, **fields: Any) -> Webhook:
        return await self._client._run(update_call(webhook_id, fields))

    async def delete(self, webhook_id: str) -> Webhook:
        return await self._client._run(delete_call(webhook_id))

    async def rotate_secret(self, webhook_id: str) -> Webhook:
        return await self._client._run(rotate_secret_call(webhook_id))

    def deliveries(
        self, webhook_id: str, *, offset: int = 0, limit: int | None = None
    ) -> AsyncListQuery:
        return AsyncListQuery(deliveries_call(webhook_id, offset, limit), self._client._run)

    async def replay(self, webhook_id: str, delivery_id: str) -> dict[str, Any]:
        return await self._client._run(replay_call(webhook_id, delivery_id))

    async def test(self, webhook_id: str) -> dict[str, Any]:
        return await self._client._run(send_test_call(webhook_id))

    async def recover(self, webhook_id: str, since: dt.datetime | str) -> Webhook:
        return await self._client._run(recover_call(webhook_id, since))
