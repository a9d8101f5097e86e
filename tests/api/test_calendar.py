"""/calendar/events and the iCalendar feed: the range rule, types, the cap, the ACL, feed
tokens (created, replaced, revoked) and that a feed token never reaches a log."""

from __future__ import annotations

import logging
from collections.abc import Iterator
from datetime import datetime, timedelta
from typing import Any

import icalendar
import pytest
import sqlalchemy as sa

from amity.core.actor import Actor
from amity.core.auth.tokens import token_hash
from amity.core.calendar.events import MAX_PER_TYPE
from amity.core.calendar.feed import feed_window
from amity.core.clock import today
from amity.core.services import Services
from tests.api.acl_world import World, build_world
from tests.conftest import ApiClient, User

Q = "/calendar/events"


def meeting(services: Services, actor: Actor, name: str, start: str, end: str | None) -> str:
    data = {"name": name, "date_start": start, "date_end": end}
    return services.records.create(actor, "Meeting", data)


def events(api: ApiClient, start: str, end: str, *types: str) -> list[dict[str, Any]]:
    params: list[tuple[str, str]] = [("start_date", start), ("end_date", end)]
    params += [("types[]", t) for t in types]
    resp = api.get(Q, params=params)
    assert resp.status_code == 200, resp.text
    records: list[dict[str, Any]] = resp.json()["records"]
    return records


def names(rows: list[dict[str, Any]]) -> list[str]:
    return [row["name"] for row in rows]


def test_bounds_are_inclusive_and_overlap_counts(
    api: ApiClient, services: Services, admin: User
) -> None:
    a = admin.actor
    meeting(services, a, "ends at the start", "2026-03-01 08:00:00", "2026-03-01 09:00:00")
    meeting(services, a, "ended before", "2026-03-01 07:00:00", "2026-03-01 08:59:59")
    meeting(services, a, "spans the range", "2026-02-01 00:00:00", "2026-04-01 00:00:00")
    meeting(services, a, "starts at the end", "2026-03-02 17:00:00", "2026-03-02 18:00:00")
    meeting(services, a, "starts after", "2026-03-02 17:00:01", None)
    meeting(services, a, "moment inside", "2026-03-02 12:00:00", None)
    rows = events(api, "2026-03-01 09:00:00", "2026-03-02 17:00:00", "Meeting")
    assert names(rows) == [
        "spans the range",
        "ends at the start",
        "moment inside",
        "starts at the end",
    ]


def test_a_date_bound_takes_the_whole_day(api: ApiClient, services: Services, admin: User) -> None:
    a = admin.actor
    meeting(services, a, "late on the last day", "2026-03-02 23:59:59", None)
    meeting(services, a, "next day", "2026-03-03 00:00:00", None)
    meeting(services, a, "first moment", "2026-03-01 00:00:00", None)
    meeting(services, a, "day before", "2026-02-28 23:59:59", None)
    assert names(events(api, "2026-03-01", "2026-03-02")) == [
        "first moment",
        "late on the last day",
    ]


def test_rows_have_both_spellings_of_the_dates(
    api: ApiClient, services: Services, admin: User
) -> None:
    a = admin.actor
    meeting_id = services.records.create(
        a,
        "Meeting",
        {
            "name": "Review",
            "date_start": "2026-03-01 10:00:00",
            "date_end": "2026-03-01 11:30:00",
            "location": "Room 4",
        },
    )
    call_id = services.records.create(
        a, "Call", {"name": "Ring", "date_start": "2026-03-01 12:00:00"}
    )
    rows = events(api, "2026-03-01", "2026-03-01")
    assert rows == [
        {
            "id": call_id,
            "name": "Ring",
            "type": "Call",
            "date_start": "2026-03-01 12:00:00",
            "date_due": None,
            "start_date": "2026-03-01 12:00:00",
            "due_date": None,
            "location": None,
        },
        {
            "id": meeting_id,
            "name": "Review",
            "type": "Meeting",
            "date_start": "2026-03-01 10:00:00",
            "date_due": "2026-03-01 11:30:00",
            "start_date": "2026-03-01 10:00:00",
            "due_date": "2026-03-01 11:30:00",
            "location": "Room 4",
        },
    ]


def four_types(services: Services, actor: Actor) -> None:
    records = services.records
    account = records.create(actor, "Account", {"name": "Acme"})
    project = records.create(
        actor,
        "Project",
        {
            "name": "Rollout",
            "account_id": account,
            "date_starting": "2026-01-01",
            "date_ending": "2026-12-31",
        },
    )
    records.create(
        actor,
        "ProjectTask",
        {
            "name": "Phase 1",
            "parent_id": project,
            "date_start": "2026-02-20",
            "date_due": "2026-03-01",
        },
    )
    records.create(
        actor,
        "ProjectTask",
        {
            "name": "Phase 2",
            "parent_id": project,
            "date_start": "2026-03-02",
            "date_due": "2026-03-09",
        },
    )
    records.create(actor, "Task", {"name": "Send offer", "date_due": "2026-03-01 16:00:00"})
    records.create(
        actor,
        "Task",
        {"name": "Prepare", "date_start": "2026-02-01 09:00:00", "date_due": "2026-03-05 09:00:00"},
    )
    records.create(actor, "Task", {"name": "No due date", "date_start": "2026-03-01 09:00:00"})
    records.create(actor, "Call", {"name": "Ring", "date_start": "2026-03-01 12:00:00"})
    meeting(services, actor, "Review", "2026-03-01 10:00:00", "2026-03-01 11:00:00")


def test_grouped_by_type_in_the_order_asked(
    api: ApiClient, services: Services, admin: User
) -> None:
    four_types(services, admin.actor)
    rows = events(api, "2026-03-01 15:00:00", "2026-03-01 23:00:00")
    # fixed order Call, Meeting, Task, ProjectTask; calls and meetings are over by 15:00
    assert [(r["type"], r["name"]) for r in rows] == [
        ("Task", "Send offer"),
        ("Task", "Prepare"),
        ("ProjectTask", "Phase 1"),  # its last day is the range's day
    ]
    day = events(api, "2026-03-01", "2026-03-01", "ProjectTask", "Call", "Task", "Call")
    assert [(r["type"], r["name"]) for r in day] == [
        ("ProjectTask", "Phase 1"),
        ("Call", "Ring"),
        ("Task", "Send offer"),
        ("Task", "Prepare"),
    ]
    phase = day[0]
    assert phase["date_start"] == "2026-02-20 00:00:00"
    assert phase["due_date"] == "2026-03-01 00:00:00"
    assert names(events(api, "2026-03-02", "2026-03-02", "ProjectTask")) == ["Phase 2"]


def test_at_most_200_of_each_type(api: ApiClient, services: Services, admin: User) -> None:
    start = datetime(2026, 5, 1)
    rows = [
        {"name": f"Call {i:03}", "date_start": f"{start + timedelta(minutes=i):%Y-%m-%d %H:%M:%S}"}
        for i in range(MAX_PER_TYPE + 5)
    ]
    services.records.create_many(admin.actor, "Call", rows[::-1])
    meeting(services, admin.actor, "One meeting", "2026-05-01 12:00:00", None)
    got = events(api, "2026-05-01", "2026-05-01")
    calls = [r for r in got if r["type"] == "Call"]
    assert names(calls) == [f"Call {i:03}" for i in range(MAX_PER_TYPE)]  # the earliest
    assert [r["name"] for r in got if r["type"] == "Meeting"] == ["One meeting"]


@pytest.mark.parametrize(
    ("params", "message"),
    [
        ({"end_date": "2026-03-01"}, "start_date is required"),
        ({"start_date": "2026-03-01"}, "end_date is required"),
        ({"start_date": "yesterday", "end_date": "2026-03-01"}, "start_date must be"),
        ({"start_date": "2026-02-30", "end_date": "2026-03-01"}, "start_date must be"),
        ({"start_date": "2026-03-02", "end_date": "2026-03-01"}, "end_date must not be before"),
        (
            {"start_date": "2026-03-01", "end_date": "2026-03-01", "types[]": "Note"},
            "Unknown event type",
        ),
    ],
)
def test_bad_requests_are_400(api: ApiClient, params: dict[str, str], message: str) -> None:
    resp = api.get(Q, params=params)
    assert resp.status_code == 400, resp.text
    body = resp.json()
    assert body["error"] == "bad_request" and message in body["message"] and body["hint"]


@pytest.fixture
def world(services: Services, admin: User) -> World:
    return build_world(services, admin)


def client_of(app: Any, token: str) -> ApiClient:
    return ApiClient(app, {"Authorization": f"Bearer {token}"})


def test_only_readable_records(app: Any, world: World) -> None:
    users = world.users
    for owner in ("alice", "bob", "carol"):
        world.create(
            "Meeting",
            {
                "name": f"{owner}'s",
                "date_start": "2026-03-01 10:00:00",
                "assigned_user_id": users[owner],
            },
        )
    expected = {
        "owner": ["alice's", "bob's"],  # owned: by alice or her team (east)
        "other": ["carol's"],
        "reader": ["alice's", "bob's", "carol's"],
    }
    for who, seen in expected.items():
        client = client_of(app, world.tokens[who])
        try:
            assert sorted(names(events(client, "2026-03-01", "2026-03-01"))) == seen, who
        finally:
            client.close()
    blocked = client_of(app, world.tokens["blocked"])
    try:  # no type named: the types one may not list are left out; named: 403
        assert events(blocked, "2026-03-01", "2026-03-01") == []
        resp = blocked.get(
            Q, params={"start_date": "2026-03-01", "end_date": "2026-03-01", "types[]": "Meeting"}
        )
        assert resp.status_code == 403
    finally:
        blocked.close()


# -- the iCalendar feed ----------------------------------------------------------------


def feed_events(app: Any, url: str) -> list[icalendar.Event]:
    anon = ApiClient(app)
    try:
        resp = anon.get(url.split("/api.php", 1)[1])
    finally:
        anon.close()
    assert resp.status_code == 200, resp.text
    assert resp.headers["content-type"].startswith("text/calendar")
    cal = icalendar.Calendar.from_ical(resp.content)
    return list(cal.walk("VEVENT"))


def test_the_feed_shows_the_token_users_events(app: Any, world: World) -> None:
    day = today()
    soon = datetime(day.year, day.month, day.day, 9, 30) + timedelta(days=3)
    users = world.users
    world.create(
        "Meeting",
        {
            "name": "Kick-off",
            "date_start": f"{soon:%Y-%m-%d %H:%M:%S}",
            "date_end": f"{soon + timedelta(hours=1):%Y-%m-%d %H:%M:%S}",
            "location": "Room 4",
        },
    )
    world.create(
        "Meeting",
        {
            "name": "Carol's",
            "date_start": f"{soon:%Y-%m-%d %H:%M:%S}",
            "assigned_user_id": users["carol"],
        },
    )
    world.create(
        "Call",
        {"name": "Too late", "date_start": f"{soon + timedelta(days=400):%Y-%m-%d %H:%M:%S}"},
    )
    world.create(
        "Call", {"name": "Long ago", "date_start": f"{soon - timedelta(days=60):%Y-%m-%d %H:%M:%S}"}
    )
    world.create(
        "Call", {"name": "Quick call", "date_start": f"{soon:%Y-%m-%d %H:%M:%S}", "duration": 20}
    )
    alice = client_of(app, world.tokens["owner"])
    try:
        resp = alice.post("/calendar/ics/token")
    finally:
        alice.close()
    assert resp.status_code == 200, resp.text
    body = resp.json()
    assert body["url"].endswith("/api.php/calendar/ics/" + body["token"])
    got = {str(e["summary"]): e for e in feed_events(app, body["url"])}
    assert set(got) == {"Kick-off", "Quick call"}  # alice's, inside the window
    kickoff = got["Kick-off"]
    assert kickoff.decoded("dtstart") == soon.replace(tzinfo=kickoff.decoded("dtstart").tzinfo)
    assert kickoff["dtstart"].to_ical().endswith(b"Z")  # UTC
    assert kickoff.decoded("dtend") - kickoff.decoded("dtstart") == timedelta(hours=1)
    assert str(kickoff["location"]) == "Room 4"
    quick = got["Quick call"]
    assert quick.decoded("dtend") - quick.decoded("dtstart") == timedelta(minutes=20)


def test_project_tasks_are_all_day_in_the_feed(
    app: Any, api: ApiClient, services: Services, admin: User
) -> None:
    actor = admin.actor
    day = today()
    account = services.records.create(actor, "Account", {"name": "Acme"})
    project = services.records.create(
        actor,
        "Project",
        {
            "name": "P",
            "account_id": account,
            "date_starting": str(day),
            "date_ending": str(day + timedelta(days=30)),
        },
    )
    services.records.create(
        actor,
        "ProjectTask",
        {
            "name": "Build",
            "parent_id": project,
            "date_start": str(day),
            "date_due": str(day + timedelta(days=2)),
        },
    )
    url = api.post("/calendar/ics/token").json()["url"]
    (build,) = feed_events(app, url)
    assert build.decoded("dtstart") == day
    assert build.decoded("dtend") == day + timedelta(days=3)  # exclusive: the day after


def test_a_new_token_replaces_the_old_and_a_revoked_one_is_404(app: Any, api: ApiClient) -> None:
    first = api.post("/calendar/ics/token").json()
    second = api.post("/calendar/ics/token").json()
    anon = ApiClient(app)
    try:
        path = "/calendar/ics/"
        assert anon.get(path + first["token"]).status_code == 404
        assert anon.get(path + second["token"]).status_code == 200
        assert anon.get(path + second["token"] + ".ics").status_code == 200
        assert api.delete("/calendar/ics/token").json() == {"result": True}
        gone = anon.get(path + second["token"])
        assert gone.status_code == 404 and gone.json()["error"] == "not_found"
        assert anon.get(path + "amity_cal_guessed").status_code == 404
        assert api.delete("/calendar/ics/token").status_code == 404  # nothing left
        assert anon.post("/calendar/ics/token").status_code == 401
    finally:
        anon.close()


def test_a_deactivated_users_feed_is_404(app: Any, world: World) -> None:
    alice = client_of(app, world.tokens["owner"])
    try:
        token = alice.post("/calendar/ics/token").json()["token"]
    finally:
        alice.close()
    world.services.auth.set_active(world.admin, "alice", False)
    anon = ApiClient(app)
    try:
        assert anon.get(f"/calendar/ics/{token}").status_code == 404
    finally:
        anon.close()


def test_portal_contacts_have_no_feed(app: Any, world: World) -> None:
    portal = client_of(app, world.tokens["portal"])
    try:
        assert portal.post("/calendar/ics/token").status_code == 403
    finally:
        portal.close()


class Collect(logging.Handler):
    def __init__(self) -> None:
        super().__init__(logging.DEBUG)
        self.lines: list[str] = []

    def emit(self, record: logging.LogRecord) -> None:
        self.lines.append(record.getMessage())


@pytest.fixture
def amity_log() -> Iterator[list[str]]:
    """What Amity's loggers write, at INFO and up (the request log is INFO)."""
    handler = Collect()
    logger = logging.getLogger("amity")
    level = logger.level
    logger.addHandler(handler)
    logger.setLevel(logging.INFO)
    try:
        yield handler.lines
    finally:
        logger.removeHandler(handler)
        logger.setLevel(level)


def test_the_feed_token_never_reaches_a_log(
    app: Any, api: ApiClient, services: Services, amity_log: list[str]
) -> None:
    token = api.post("/calendar/ics/token").json()["token"]
    anon = ApiClient(app)
    try:
        assert anon.get(f"/calendar/ics/{token}").status_code == 200
        crm = ApiClient(app, base_url="http://testserver/1crm/api.php")
        assert crm.get(f"/calendar/ics/{token}/").status_code == 200  # other spellings
        crm.close()
        assert anon.get(f"/calendar/ics/{token}x").status_code == 404
    finally:
        anon.close()
    services.api_log.flush()
    logged = api.get("/admin/api_calls", params={"limit": 50}).json()["records"]
    paths = [row["path"] for row in logged]
    assert paths.count("/api.php/calendar/ics/<token>") >= 2
    assert "/api.php/calendar/ics/token" in paths  # the token route itself is kept as is
    assert not any(token in p for p in paths)
    assert any("/calendar/ics/<token>" in line for line in amity_log)
    assert not any(token in line for line in amity_log)
    with services.db.read() as conn:  # the token's events name the user, never the token
        outbox = services.db.tables.system("outbox")
        stored = [str(v) for row in conn.execute(sa.select(outbox)) for v in row]
    assert not any(token in v for v in stored)
    assert not any(token_hash(token) in v for v in stored)


def test_the_feed_window_is_30_days_back_and_180_ahead() -> None:
    where = feed_window()
    assert where.start == datetime.combine(today() - timedelta(days=30), datetime.min.time())
    assert where.end_exclusive == datetime.combine(
        today() + timedelta(days=181), datetime.min.time()
    )


def test_the_feed_names_the_users_time_zone(app: Any, world: World) -> None:
    alice = client_of(app, world.tokens["owner"])
    try:
        url = alice.post("/calendar/ics/token").json()["url"]
        anon = ApiClient(app)
        try:
            path = url.split("/api.php", 1)[1]
            assert icalendar.Calendar.from_ical(anon.get(path).content)["x-wr-timezone"] == "UTC"
            prefs = {"data": {"timezone": "Europe/Berlin"}}
            assert alice.patch(f"/data/User/{world.users['alice']}", json=prefs).status_code == 200
            cal = icalendar.Calendar.from_ical(anon.get(path).content)
        finally:
            anon.close()
    finally:
        alice.close()
    assert cal["x-wr-timezone"] == "Europe/Berlin"  # the times themselves stay UTC
