"""client.calendar against the real server: events of a range with datetime, date and
string bounds, the types filter in its order, sync and async; a bad bound is BadRequest."""

from __future__ import annotations

import asyncio
from datetime import UTC, date, datetime, timedelta, timezone

import pytest
from conftest import FAST_RETRY, unique

from amity_client import AsyncClient, BadRequest, Client, TokenAuth


def test_events_in_a_range(client: Client) -> None:
    name = unique("Review")
    client.model("Meeting").create(
        {"name": name, "date_start": "2031-04-02 10:00:00", "date_end": "2031-04-02 11:00:00"}
    )
    call = unique("Ring")
    client.model("Call").create({"name": call, "date_start": "2031-04-02 12:00:00"})
    rows = client.calendar.events(datetime(2031, 4, 2, 10, 30), "2031-04-02 23:00:00")
    mine = [r for r in rows if r["name"] in (name, call)]
    assert [(r["type"], r["name"]) for r in mine] == [("Call", call), ("Meeting", name)]
    meeting = mine[1]
    assert meeting["date_start"] == meeting["start_date"] == "2031-04-02 10:00:00"
    assert meeting["date_due"] == meeting["due_date"] == "2031-04-02 11:00:00"
    # an aware bound is converted to GMT: 13:00 at +02:00 is 11:00 GMT
    later = datetime(2031, 4, 2, 13, 0, tzinfo=timezone(timedelta(hours=2)))
    names = [r["name"] for r in client.calendar.events(later, date(2031, 4, 2))]
    assert call in names and name in names  # the meeting ends exactly at 11:00: inclusive
    only = client.calendar.events(date(2031, 4, 2), date(2031, 4, 2), ["Meeting"])
    assert {r["type"] for r in only} == {"Meeting"}


def test_a_bad_bound_is_bad_request(client: Client) -> None:
    with pytest.raises(BadRequest) as raised:
        client.calendar.events("tomorrow", "2031-04-02")
    assert "start_date" in str(raised.value)
    with pytest.raises(BadRequest):
        client.calendar.events("2031-04-02", "2031-04-03", ["Note"])


def test_async_events(url: str, token: str, client: Client) -> None:
    name = unique("Async")
    client.model("Task").create({"name": name, "date_due": "2031-05-01 16:00:00"})

    async def main() -> list[str]:
        async with AsyncClient(url, TokenAuth(token), retry=FAST_RETRY) as async_client:
            rows = await async_client.calendar.events(
                datetime(2031, 5, 1, tzinfo=UTC), "2031-05-01", ["Task"]
            )
            return [r["name"] for r in rows]

    assert name in asyncio.run(main())
