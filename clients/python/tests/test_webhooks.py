"""client.webhooks on the wire: an in-memory stand-in for the server's /webhooks endpoints
(httpx.MockTransport) records every request and answers as the wire contract says, so
these tests check paths, queries, bodies, Idempotency-Keys, paging and errors of the sync
and the async client alike. End-to-end tests against `amity serve` come with the server."""

from __future__ import annotations

import asyncio
import datetime as dt
import json
import re
import uuid
from collections.abc import Iterator
from typing import Any

import httpx
import pytest

from amity_client import (
    AsyncClient,
    AsyncListQuery,
    AsyncWebhooks,
    BadRequest,
    Client,
    ListResult,
    NotFound,
    RetryPolicy,
    TokenAuth,
    Webhooks,
)

URL = "https://crm.example/api.php"
NOW = "2026-05-01 12:00:00"
ROUTE = re.compile(r"/api\.php/webhooks(?:/(?P<id>[^/]+)(?:/(?P<rest>.+))?)?")
BANKS = {
    "glue": "and",
    "conditions": [
        {"field": "industry", "filter": "eq", "value": "Banking", "when": "current_value"}
    ],
}
WRITABLE = {"type", "url", "model", "filters", "payload", "disabled"}


def error(status: int, kind: str, message: str, hint: str = "") -> httpx.Response:
    return httpx.Response(status, json={"error": kind, "message": message, "hint": hint})


def page(rows: list[dict[str, Any]], request: httpx.Request) -> httpx.Response:
    offset = int(request.url.params.get("offset", 0))
    limit = int(request.url.params.get("limit", 20))
    return httpx.Response(
        200, json={"total_results": len(rows), "records": rows[offset : offset + limit]}
    )


class FakeServer:
    """The /webhooks endpoints of the contract, in memory; `requests` holds what came."""

    def __init__(self) -> None:
        self.hooks: dict[str, dict[str, Any]] = {}
        self.deliveries: dict[str, list[dict[str, Any]]] = {}
        self.requests: list[httpx.Request] = []
        self.unavailable = 0  # answer the next n requests with 503

    def __call__(self, request: httpx.Request) -> httpx.Response:
        self.requests.append(request)
        if self.unavailable:
            self.unavailable -= 1
            return httpx.Response(503, headers={"Retry-After": "0"})
        match = ROUTE.fullmatch(request.url.path)
        if match is None:
            return error(404, "not_found", "Unknown endpoint")
        body = json.loads(request.content) if request.content else {}
        hook_id, rest = match["id"], match["rest"]
        if hook_id is None:
            if request.method == "GET":
                return page(list(self.hooks.values()), request)
            return self.create(body)
        if hook_id not in self.hooks:
            return error(404, "not_found", "No webhook {id}", "list them with GET /webhooks")
        hook = self.hooks[hook_id]
        if rest is None:
            if request.method == "GET":
                return httpx.Response(200, json=hook)
            if request.method == "PATCH":
                unknown = set(body) - WRITABLE
                if unknown:
                    return error(400, "bad_request", f"Unknown field {sorted(unknown)[0]}")
                hook.update(body, date_modified=NOW)
                return httpx.Response(200, json=hook)
            del self.hooks[hook_id]
            return httpx.Response(200, json={k: hook[k] for k in ("id", "type", "url", "model")})
        return self.action(hook, rest, body, request)

    def create(self, body: dict[str, Any]) -> httpx.Response:
        missing = [k for k in ("type", "url", "model") if k not in body]
        if missing:
            return error(400, "bad_request", f"Missing {missing[0]}")
        hook = {
            "id": uuid.uuid4().hex,
            "type": body["type"],
            "url": body["url"],
            "model": body["model"],
            "filters": body.get("filters", {}),
            "assigned_user_id": "1",
            "payload": body.get("payload", "record"),
            "disabled": False,
            "disabled_reason": None,
            "date_entered": NOW,
            "date_modified": NOW,
        }
        self.hooks[hook["id"]] = hook
        self.deliveries[hook["id"]] = []
        return httpx.Response(200, json={**hook, "secret": "whsec_" + uuid.uuid4().hex})

    def action(
        self, hook: dict[str, Any], rest: str, body: dict[str, Any], request: httpx.Request
    ) -> httpx.Response:
        deliveries = self.deliveries[hook["id"]]
        if rest == "rotate_secret":
            return httpx.Response(200, json={**hook, "secret": "whsec_" + uuid.uuid4().hex})
        if rest == "deliveries":
            return page(deliveries, request)
        if rest == "test":
            delivery = {
                "id": uuid.uuid4().hex,
                "webhook_id": hook["id"],
                "event_id": uuid.uuid4().hex,
                "attempt": 1,
                "status_code": 204,
                "duration_ms": 12,
                "response": "",
                "error": None,
                "date_created": NOW,
            }
            deliveries.append(delivery)
            return httpx.Response(200, json=delivery)
        if rest == "recover":
            if not re.fullmatch(r"\d{4}-\d\d-\d\d \d\d:\d\d:\d\d", str(body.get("since"))):
                return error(400, "bad_request", "since must be Y-m-d H:i:s")
            return httpx.Response(200, json={**hook, "requeued": 3})
        replay = re.fullmatch(r"deliveries/([^/]+)/replay", rest)
        if replay:
            for delivery in deliveries:
                if delivery["id"] == replay[1]:
                    return httpx.Response(
                        200, json={"result": True, "event_id": delivery["event_id"]}
                    )
            return error(404, "not_found", "No delivery {id}")
        return error(404, "not_found", "Unknown endpoint")


@pytest.fixture
def server() -> FakeServer:
    return FakeServer()


@pytest.fixture
def client(server: FakeServer) -> Iterator[Client]:
    retry = RetryPolicy(max_retries=2, backoff_factor=0, max_backoff=0)
    transport = httpx.MockTransport(server)
    with Client(URL, TokenAuth("amity_pat_x"), transport=transport, retry=retry) as c:
        yield c


def sent(request: httpx.Request) -> Any:
    return json.loads(request.content) if request.content else None


def test_client_webhooks_is_the_webhooks_area(client: Client, server: FakeServer) -> None:
    assert isinstance(client.webhooks, Webhooks)
    async_client = AsyncClient(URL, transport=httpx.MockTransport(server))
    assert isinstance(async_client.webhooks, AsyncWebhooks)
    asyncio.run(async_client.aclose())


def test_create_get_update_delete(client: Client, server: FakeServer) -> None:
    hooks = client.webhooks
    made = hooks.create(type="update", url="https://hooks.example/a", model="Contact")
    assert made["secret"].startswith("whsec_") and made["payload"] == "record"
    assert sent(server.requests[-1]) == {
        "type": "update",
        "url": "https://hooks.example/a",
        "model": "Contact",
    }  # filters and payload left out when not given
    assert (server.requests[-1].method, server.requests[-1].url.path) == (
        "POST",
        "/api.php/webhooks",
    )
    full = hooks.create(
        type="create",
        url="https://hooks.example/b",
        model="Account",
        filters=BANKS,
        payload="event",
    )
    assert sent(server.requests[-1])["filters"] == BANKS
    assert full["payload"] == "event" and full["filters"] == BANKS

    got = hooks.get(made["id"])
    assert got["url"] == "https://hooks.example/a" and "secret" not in got
    changed = hooks.update(made["id"], url="https://hooks.example/c", disabled=True)
    assert sent(server.requests[-1]) == {"url": "https://hooks.example/c", "disabled": True}
    assert server.requests[-1].method == "PATCH"
    assert changed["disabled"] is True and changed["url"] == "https://hooks.example/c"

    gone = hooks.delete(made["id"])
    assert gone == {
        "id": made["id"],
        "type": "update",
        "url": "https://hooks.example/c",
        "model": "Contact",
    }
    assert server.requests[-1].method == "DELETE"
    with pytest.raises(NotFound) as info:
        hooks.get(made["id"])
    assert info.value.message == "No webhook {id}" and info.value.hint.startswith("list them")


def test_list_pages_itself(client: Client, server: FakeServer) -> None:
    made = [
        client.webhooks.create(type="create", url=f"https://h.example/{i}", model="Note")["id"]
        for i in range(5)
    ]
    server.requests.clear()
    result = client.webhooks.list(limit=2)
    assert isinstance(result, ListResult)
    assert result.total_results == 5 and [r["id"] for r in result.records] == made[:2]
    assert [r["id"] for r in result] == made
    queries = [(r.url.path, dict(r.url.params)) for r in server.requests]
    assert queries == [
        ("/api.php/webhooks", {"offset": str(offset), "limit": "2"}) for offset in (0, 2, 4)
    ]
    later = client.webhooks.list(offset=3)
    assert dict(server.requests[-1].url.params) == {"offset": "3"}  # server's default limit
    assert [r["id"] for r in later.records] == made[3:]


def test_deliveries_test_and_replay(client: Client, server: FakeServer) -> None:
    hook = client.webhooks.create(type="update", url="https://h.example", model="Task")
    tested = [client.webhooks.test(hook["id"]) for _ in range(3)]
    assert tested[0]["webhook_id"] == hook["id"] and tested[0]["status_code"] == 204
    assert server.requests[-1].url.path == f"/api.php/webhooks/{hook['id']}/test"

    result = client.webhooks.deliveries(hook["id"], limit=2)
    assert isinstance(result, ListResult) and result.total_results == 3
    assert [d["id"] for d in result] == [d["id"] for d in tested]
    assert dict(server.requests[-1].url.params) == {"offset": "2", "limit": "2"}

    replayed = client.webhooks.replay(hook["id"], tested[1]["id"])
    assert replayed == {"result": True, "event_id": tested[1]["event_id"]}
    assert server.requests[-1].url.path == (
        f"/api.php/webhooks/{hook['id']}/deliveries/{tested[1]['id']}/replay"
    )
    with pytest.raises(NotFound):
        client.webhooks.replay(hook["id"], "no-such-delivery")


def test_rotate_secret_returns_a_new_one(client: Client, server: FakeServer) -> None:
    hook = client.webhooks.create(type="create_update", url="https://h.example", model="Call")
    rotated = client.webhooks.rotate_secret(hook["id"])
    assert rotated["id"] == hook["id"] and rotated["secret"] != hook["secret"]
    assert server.requests[-1].method == "POST"
    assert server.requests[-1].url.path.endswith(f"/{hook['id']}/rotate_secret")


@pytest.mark.parametrize(
    ("since", "wire"),
    [
        (dt.datetime(2026, 4, 30, 8, 15, 0, tzinfo=dt.UTC), "2026-04-30 08:15:00"),
        (  # an aware datetime elsewhere is sent in GMT
            dt.datetime(2026, 4, 30, 10, 15, 0, tzinfo=dt.timezone(dt.timedelta(hours=2))),
            "2026-04-30 08:15:00",
        ),
        (dt.datetime(2026, 4, 30, 8, 15, 0), "2026-04-30 08:15:00"),  # naive: taken as GMT
        ("2026-04-30 08:15:00", "2026-04-30 08:15:00"),
    ],
)
def test_recover_sends_since_in_gmt(
    client: Client, server: FakeServer, since: dt.datetime | str, wire: str
) -> None:
    hook = client.webhooks.create(type="update", url="https://h.example", model="Lead")
    recovered = client.webhooks.recover(hook["id"], since)
    assert sent(server.requests[-1]) == {"since": wire}
    assert recovered["requeued"] == 3 and recovered["id"] == hook["id"]


def test_writes_carry_an_idempotency_key_reads_do_not(client: Client, server: FakeServer) -> None:
    hook = client.webhooks.create(type="update", url="https://h.example", model="Note")
    delivery = client.webhooks.test(hook["id"])
    client.webhooks.replay(hook["id"], delivery["id"])
    client.webhooks.recover(hook["id"], "2026-01-01 00:00:00")
    client.webhooks.rotate_secret(hook["id"])
    client.webhooks.update(hook["id"], disabled=False)
    client.webhooks.get(hook["id"])
    client.webhooks.list()
    client.webhooks.deliveries(hook["id"])
    client.webhooks.delete(hook["id"])
    keys = {(r.method, r.url.path): r.headers.get("idempotency-key") for r in server.requests}
    for (method, where), key in keys.items():
        assert (key is not None) == (method != "GET"), (method, where)
    assert len({k for k in keys.values() if k}) == 7  # a key of its own for each write


def test_a_retried_create_sends_the_same_key(client: Client, server: FakeServer) -> None:
    server.unavailable = 1
    made = client.webhooks.create(type="update", url="https://h.example", model="Note")
    first, retry = server.requests
    assert first.headers["idempotency-key"] == retry.headers["idempotency-key"]
    assert list(server.hooks) == [made["id"]]


def test_server_errors_are_raised_as_their_class(client: Client, server: FakeServer) -> None:
    hook = client.webhooks.create(type="update", url="https://h.example", model="Note")
    with pytest.raises(BadRequest, match="Unknown field colour"):
        client.webhooks.update(hook["id"], colour="red")
    with pytest.raises(BadRequest, match="since"):
        client.webhooks.recover(hook["id"], "yesterday")
    with pytest.raises(NotFound):
        client.webhooks.delete("a/b")
    assert server.requests[-1].url.raw_path == b"/api.php/webhooks/a%2Fb"  # ids are encoded


def test_the_async_client_does_the_same(server: FakeServer) -> None:
    async def scenario() -> None:
        async with AsyncClient(URL, transport=httpx.MockTransport(server)) as client:
            hooks = client.webhooks
            ids = [
                (await hooks.create(type="create", url=f"https://h/{i}", model="Note"))["id"]
                for i in range(3)
            ]
            query = hooks.list(limit=2)
            assert isinstance(query, AsyncListQuery)
            first = await query
            assert first.total_results == 3 and len(first.records) == 2
            assert [r["id"] async for r in hooks.list(limit=2)] == ids
            assert (await hooks.get(ids[0]))["id"] == ids[0]
            assert (await hooks.update(ids[0], payload="event"))["payload"] == "event"
            assert (await hooks.rotate_secret(ids[0]))["secret"].startswith("whsec_")
            delivery = await hooks.test(ids[0])
            assert [d["id"] async for d in hooks.deliveries(ids[0])] == [delivery["id"]]
            assert (await hooks.replay(ids[0], delivery["id"]))["result"] is True
            since = dt.datetime(2026, 4, 30, 8, 15, tzinfo=dt.UTC)
            assert (await hooks.recover(ids[0], since))["requeued"] == 3
            assert sent(server.requests[-1]) == {"since": "2026-04-30 08:15:00"}
            assert (await hooks.delete(ids[0]))["id"] == ids[0]
            with pytest.raises(NotFound):
                await hooks.get(ids[0])
        writes = [r for r in server.requests if r.method != "GET"]
        assert writes and all(r.headers.get("idempotency-key") for r in writes)

    asyncio.run(scenario())
