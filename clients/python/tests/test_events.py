"""What the client offers on top of the server's event pipeline, against a real server:
audit rows, the change feed and its cursor, automatic Idempotency-Keys that make a dropped
write safe to send again."""

from __future__ import annotations

import asyncio

import pytest
from conftest import Faults, unique

from amity_client import AsyncClient, ChangeFeed, Client, ListResult, TokenAuth


def test_a_post_whose_answer_was_lost_is_sent_again_and_written_once(
    faults: Faults, token: str
) -> None:
    name = unique("Dropped")
    faults.arm("/data/Note", 0, 1, drop=True)
    with Client(faults.url, TokenAuth(token)) as client:
        note_id = client.model("Note").create({"name": name})  # the retry got the answer
        assert len(faults.arrivals("/data/Note")) == 2  # the first attempt, then one retry
        found = client.model("Note").list(filters={"name": name})
        assert [r["id"] for r in found.records] == [note_id]


def test_audit_of_one_record_and_of_the_model(client: Client) -> None:
    accounts = client.model("Account")
    account_id = accounts.create({"name": unique("Audited")})
    accounts.update(account_id, {"name": "Renamed " + account_id})
    rows = accounts.audit(account_id)
    assert isinstance(rows, ListResult)
    renamed = [r for r in rows if r["field_name"] == "name"]
    assert renamed and renamed[0]["after_value_string"] == "Renamed " + account_id
    assert all(r["parent_id"] == account_id for r in rows)
    everything = accounts.audit(limit=5)
    assert len(everything.records) <= 5 and everything.total_results >= len(list(rows))


def test_the_change_feed_follows_its_cursor(client: Client) -> None:
    start = client.changes(models=["Task"])
    list(start)  # catch up to now
    cursor = start.cursor
    tasks = client.model("Task")
    made = [tasks.create({"name": unique("Feed")}) for _ in range(3)]
    tasks.delete(made[0])
    feed = client.changes(after=cursor, models=["Task"], limit=2)  # several pages
    assert isinstance(feed, ChangeFeed)
    events = [(e["kind"], e["record_id"]) for e in feed]
    assert events == [("create", i) for i in made] + [("delete", made[0])]
    assert feed.cursor != cursor
    assert list(client.changes(after=feed.cursor, models=["Task"])) == []  # nothing new


def test_the_async_client_has_the_same_feed_and_audit(url: str, token: str) -> None:
    async def scenario() -> None:
        async with AsyncClient(url, TokenAuth(token)) as client:
            start = client.changes(models=["Call"])
            async for _ in start:
                pass
            call_id = await client.model("Call").create(
                {"name": unique("AsyncFeed"), "date_start": "2026-12-01 10:00:00"}
            )
            feed = client.changes(after=start.cursor, models=["Call"])
            assert [e["record_id"] async for e in feed] == [call_id]
            first = await client.model("Call").audit(call_id)
            assert first.records[0]["parent_id"] == call_id

    asyncio.run(scenario())


@pytest.mark.parametrize("method", ["update", "delete"])
def test_writes_carry_an_idempotency_key_the_server_accepts(client: Client, method: str) -> None:
    notes = client.model("Note")
    note_id = notes.create({"name": unique("Keyed")})
    if method == "update":
        assert notes.update(note_id, {"name": "changed"}) is True
    else:
        assert notes.delete(note_id) is True
