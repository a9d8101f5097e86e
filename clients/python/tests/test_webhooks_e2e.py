"""client.webhooks against the real server (`amity serve`, which may deliver to
127.0.0.1: AMITY_WEBHOOK_ALLOW_NETWORKS in conftest.py), with a real receiver: every call,
and deliveries the server's job runner sends, checked with verify_webhook and with the
`standardwebhooks` package."""

from __future__ import annotations

import asyncio
import datetime as dt
import time
from collections.abc import Iterator
from typing import Any

import pytest
import standardwebhooks
from conftest import unique
from receiver import Arrival, Receiver, receiving

from amity_client import (
    AsyncClient,
    BadRequest,
    Client,
    NotFound,
    TokenAuth,
    WebhookVerificationError,
    verify_webhook,
)


@pytest.fixture
def receiver() -> Iterator[Receiver]:
    with receiving() as r:
        yield r


def named(last_name: str) -> dict[str, Any]:
    """A filter for the contacts of one test (other tests write contacts too)."""
    return {
        "glue": "and",
        "conditions": [{"field": "last_name", "filter": "eq", "value": last_name}],
    }


def verified(arrival: Arrival, *secrets: str) -> Any:
    """The body, checked by both libraries under each secret."""
    body = verify_webhook(arrival.body, arrival.headers, list(secrets))
    for secret in secrets:
        assert verify_webhook(arrival.body, arrival.headers, secret) == body
        standardwebhooks.Webhook(secret).verify(arrival.body, arrival.headers)
    return body


def until(check: Any, timeout: float = 15) -> Any:
    """Poll `check` until it answers something true."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = check()
        if value:
            return value
        time.sleep(0.1)
    raise AssertionError("the server did not get there in time")


def test_every_call_and_real_deliveries(client: Client, receiver: Receiver) -> None:
    last = unique("Hook")
    contacts = client.model("Contact")
    hook = client.webhooks.create(
        type="create", url=receiver.url, model="Contact", filters=named(last)
    )
    secret, hook_id = hook["secret"], hook["id"]
    assert secret.startswith("whsec_")
    assert hook["filters"] == {
        "glue": "and",
        "conditions": [
            {"field": "last_name", "filter": "eq", "value": last, "when": "current_value"}
        ],
    }
    assert (hook["type"], hook["payload"], hook["disabled"]) == ("create", "record", False)

    listed = client.webhooks.list(limit=200)
    mine = [h for h in listed if h["id"] == hook_id]
    assert len(mine) == 1 and "secret" not in mine[0]
    got = client.webhooks.get(hook_id)
    assert got == {k: v for k, v in hook.items() if k != "secret"}

    # the record payload: what the owner's GET /data/Contact/{id} shows
    contact_id = contacts.create({"first_name": "Ada", "last_name": last})
    arrival = receiver.next()
    record = verified(arrival, secret)
    assert record["id"] == contact_id and record["last_name"] == last
    assert arrival.headers["x-amity-event"] == "create"
    assert arrival.headers["x-amity-model"] == "Contact"
    contacts.create({"first_name": "Bob", "last_name": unique("Other")})  # filtered out

    updated = client.webhooks.update(hook_id, type="create_update", payload="event")
    assert (updated["type"], updated["payload"]) == ("create_update", "event")
    with pytest.raises(BadRequest, match="sometimes"):
        client.webhooks.update(hook_id, type="sometimes")

    tested = client.webhooks.test(hook_id)
    assert tested["status_code"] == 200 and tested["attempt"] == 1 and tested["error"] is None
    arrival = receiver.next()
    body = verified(arrival, secret)
    assert body["type"] == "test" and body["webhook_id"] == hook_id
    assert arrival.headers["webhook-id"] == tested["event_id"]
    assert arrival.headers["x-amity-event"] == "test"

    # the event payload: the change, what it was before, who made it
    contacts.update(contact_id, {"first_name": "Grace"})
    arrival = receiver.next()
    event = verified(arrival, secret)
    assert (event["type"], event["model"], event["id"]) == ("update", "Contact", contact_id)
    assert event["record"]["first_name"] == "Grace"
    assert event["previous"]["first_name"] == "Ada" and "first_name" in event["changed"]
    update_event_id = arrival.headers["webhook-id"]
    assert receiver.quiet(1.0)  # the contact of another name sent nothing

    # the receiver has its answer a moment before the server logs the attempt
    deliveries = until(lambda: (d := list(client.webhooks.deliveries(hook_id)))[2:] and d)
    assert [d["status_code"] for d in deliveries] == [200, 200, 200]
    assert deliveries[0]["event_id"] == update_event_id  # newest first
    assert deliveries[1]["event_id"] == tested["event_id"]
    assert client.webhooks.deliveries(hook_id, limit=1).total_results == 3

    replayed = client.webhooks.replay(hook_id, deliveries[0]["id"])
    assert replayed == {"result": True, "event_id": update_event_id}
    arrival = receiver.next()
    assert arrival.headers["webhook-id"] == update_event_id  # the same id: drop duplicates
    assert verified(arrival, secret) == event
    with pytest.raises(NotFound):
        client.webhooks.replay(hook_id, "no-such-delivery")

    rotated = client.webhooks.rotate_secret(hook_id)
    new_secret = rotated["secret"]
    assert new_secret.startswith("whsec_") and new_secret != secret
    contacts.update(contact_id, {"first_name": "Hedy"})
    arrival = receiver.next()
    assert len(arrival.headers["webhook-signature"].split()) == 2  # old and new, for 24 h
    assert verified(arrival, secret, new_secret)["record"]["first_name"] == "Hedy"

    # 410 Gone switches the webhook off; recover switches it on and sends what failed
    since = dt.datetime.now(dt.UTC) - dt.timedelta(minutes=1)
    receiver.statuses.append(410)
    contacts.update(contact_id, {"first_name": "Mary"})
    gone = receiver.next()
    off = until(lambda: (h := client.webhooks.get(hook_id))["disabled"] and h)
    assert off["disabled_reason"]
    recovered = client.webhooks.recover(hook_id, since=since)
    assert recovered["requeued"] == 1 and recovered["disabled"] is False
    again = receiver.next()
    assert again.headers["webhook-id"] == gone.headers["webhook-id"]
    assert verified(again, new_secret)["record"]["first_name"] == "Mary"

    removed = client.webhooks.delete(hook_id)
    assert removed == {
        "id": hook_id,
        "type": "create_update",
        "url": receiver.url,
        "model": "Contact",
    }
    with pytest.raises(NotFound):
        client.webhooks.get(hook_id)
    contacts.update(contact_id, {"first_name": "Ada"})
    assert receiver.quiet(1.5)


def test_a_tampered_delivery_is_refused(client: Client, receiver: Receiver) -> None:
    last = unique("Tamper")
    hook = client.webhooks.create(
        type="create", url=receiver.url, model="Contact", filters=named(last)
    )
    try:
        client.model("Contact").create({"last_name": last})
        arrival = receiver.next()
        verified(arrival, hook["secret"])
        other = client.webhooks.rotate_secret(hook["id"])["secret"]
        changed = arrival.body.replace(last.encode(), unique("Forged").encode())
        with pytest.raises(WebhookVerificationError):
            verify_webhook(changed, arrival.headers, hook["secret"])
        with pytest.raises(WebhookVerificationError):  # signed before the rotation
            verify_webhook(arrival.body, arrival.headers, other)
        late = time.time() + 600
        with pytest.raises(WebhookVerificationError, match="too old"):
            verify_webhook(arrival.body, arrival.headers, hook["secret"], now=late)
    finally:
        client.webhooks.delete(hook["id"])


def test_the_async_client(url: str, token: str, receiver: Receiver) -> None:
    last = unique("AsyncHook")

    async def scenario() -> None:
        async with AsyncClient(url, TokenAuth(token)) as client:
            hook = await client.webhooks.create(
                type="create_update", url=receiver.url, model="Contact", filters=named(last)
            )
            page = await client.webhooks.list(limit=200)
            assert hook["id"] in [h["id"] async for h in page]
            assert (await client.webhooks.get(hook["id"]))["url"] == receiver.url
            tested = await client.webhooks.test(hook["id"])
            assert tested["status_code"] == 200
            verified(receiver.next(), hook["secret"])
            contact_id = await client.model("Contact").create({"last_name": last})
            record = verified(await asyncio.to_thread(receiver.next), hook["secret"])
            assert record["id"] == contact_id
            for _ in range(150):  # until the server has logged the attempt it just made
                seen = [d["event_id"] async for d in client.webhooks.deliveries(hook["id"])]
                if len(seen) == 2:
                    break
                await asyncio.sleep(0.1)
            assert seen[1] == tested["event_id"] and len(seen) == 2
            await client.webhooks.delete(hook["id"])
            with pytest.raises(NotFound):
                await client.webhooks.get(hook["id"])

    asyncio.run(scenario())


def test_the_readme_filter_sends_writes_that_set_an_email(
    client: Client, receiver: Receiver
) -> None:
    last = unique("Mail")
    condition = {"field": "email1", "filter": "not_empty", "when": "changed_to"}
    filters = named(last)
    filters["conditions"].append(condition)
    hook = client.webhooks.create(
        type="create_update", url=receiver.url, model="Contact", filters=filters
    )
    contacts = client.model("Contact")
    try:
        contact_id = contacts.create({"last_name": last})
        contacts.update(contact_id, {"first_name": "No email yet"})
        assert receiver.quiet(1.5)
        contacts.update(contact_id, {"email1": f"{last.lower()}@example.com"})
        assert verified(receiver.next(), hook["secret"])["id"] == contact_id
        contacts.update(contact_id, {"first_name": "Same email"})
        assert receiver.quiet(1.5)
    finally:
        client.webhooks.delete(hook["id"])
