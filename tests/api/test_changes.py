"""GET /changes: the change feed on the wire, its cursor, paging, checks, retention, ACL."""

from __future__ import annotations

import dataclasses
import time
from collections.abc import Iterator
from datetime import timedelta
from typing import Any

import pytest
import sqlalchemy as sa

from amity.app import create_app
from amity.config import Settings
from amity.core.actor import Actor
from amity.core.changes import Cursor
from amity.core.clock import utcnow
from amity.core.services import Services, build_services
from amity.store.writes import SECRET_CHANGE
from tests.conftest import ApiClient, User, make_admin


def settle(services: Services) -> None:
    """PostgreSQL: wait until every transaction begun so far on the server has ended, as
    the feed reads only up to the oldest one still running (of any database)."""
    if services.db.tables.dialect != "postgresql":
        return
    with services.db.write() as conn:
        begun = conn.execute(sa.text("SELECT pg_current_xact_id()::text::bigint")).scalar_one()
    for _ in range(3000):
        if services.changes.store.horizon() > begun:
            return
        time.sleep(0.02)
    raise AssertionError("a transaction on the PostgreSQL server stays open")


def follow(client: ApiClient, after: str | None = None, **params: Any) -> tuple[list[Any], str]:
    """Every event after `after`, page by page; the events and the last cursor."""
    settle(client.app.state.services)
    events: list[Any] = []
    while True:
        query = {**params, **({"after": after} if after else {})}
        resp = client.get("/changes", params=query)
        assert resp.status_code == 200, resp.text
        body = resp.json()
        assert set(body) == {"records", "next", "has_more"}
        events += body["records"]
        after = body["next"]
        if not body["has_more"]:
            return events, after


def start(client: ApiClient) -> str:
    """A cursor after every event so far."""
    return follow(client, limit=1000)[1]


def test_creates_updates_links_and_deletes_come_as_events_oldest_first(api: ApiClient) -> None:
    after = start(api)
    created = api.post(
        "/data/Contact",
        json={"data": {"first_name": "Ada", "last_name": "Lovelace"}},
        headers={"X-Request-Id": "req-create-1"},
    )
    contact = created.json()["id"]
    account = api.post("/data/Account", json={"data": {"name": "Engines"}}).json()["id"]
    assert api.patch(f"/data/Contact/{contact}", json={"data": {"title": "Countess"}}).is_success
    linked = api.post(f"/data/Account/{account}/contacts", json={"records": [contact]})
    assert linked.is_success
    assert api.delete(f"/data/Contact/{contact}").is_success

    events, _ = follow(api, after)
    assert [(e["model"], e["kind"]) for e in events] == [
        ("Contact", "create"),
        ("Account", "create"),
        ("Contact", "update"),
        ("Account", "link"),
        ("Contact", "delete"),
    ]
    first = events[0]
    assert set(first) == {
        "id",
        "kind",
        "model",
        "record_id",
        "changes",
        "actor",
        "source",
        "request_id",
        "date_created",
    }
    assert first["record_id"] == contact and isinstance(first["id"], str)
    assert first["changes"]["last_name"] == {"before": None, "after": "Lovelace"}
    assert first["request_id"] == "req-create-1" == created.headers["X-Request-Id"]
    assert first["source"].startswith("api ")
    assert first["actor"]["credential"] == "token" and first["actor"]["user_id"]
    assert first["actor"]["credential_id"] and first["actor"]["client_id"] is None
    assert len(first["date_created"]) == 19 and first["date_created"][10] == " "
    assert events[2]["changes"] == {"title": {"before": None, "after": "Countess"}}
    assert events[3]["changes"] == {"contacts": {"before": None, "after": [contact]}}
    assert events[4]["record_id"] == contact
    assert events[4]["changes"] == {"deleted": {"before": False, "after": True}}
    assert [int(e["id"]) for e in events] == sorted(int(e["id"]) for e in events)


def test_a_secret_change_shows_only_that_it_changed(
    api: ApiClient, services: Services, admin: User
) -> None:
    after = start(api)
    with services.db.write() as conn:
        services.records.writer.emit(
            conn,
            admin.actor,
            model="User",
            record_id=admin.id,
            kind="update",
            changes={"password": SECRET_CHANGE, "title": ["", "Boss"]},
            at=utcnow(),
        )
    (event,), _ = follow(api, after)
    assert event["changes"] == {
        "password": {"changed": True},
        "title": {"before": "", "after": "Boss"},
    }


def test_following_next_in_small_pages_sees_every_event_once(api: ApiClient) -> None:
    after = start(api)
    ids = [api.post("/data/Note", json={"data": {"name": f"n{i}"}}).json()["id"] for i in range(7)]
    resp = api.get("/changes", params={"after": after, "limit": 3})
    body = resp.json()
    assert len(body["records"]) == 3 and body["has_more"] is True
    events, last = follow(api, after, limit=3)
    assert [e["record_id"] for e in events] == ids
    assert len({e["id"] for e in events}) == 7
    again = api.get("/changes", params={"after": last}).json()
    assert again == {"records": [], "next": last, "has_more": False}
    later = api.post("/data/Note", json={"data": {"name": "later"}}).json()["id"]
    assert [e["record_id"] for e in follow(api, last)[0]] == [later]


def test_without_after_the_feed_starts_at_the_oldest_event(api: ApiClient) -> None:
    first = api.post("/data/Note", json={"data": {"name": "first"}}).json()["id"]
    events, _ = follow(api, limit=1000)
    notes = [e["record_id"] for e in events if e["model"] == "Note"]
    assert notes[0] == first
    assert events[0]["id"] == min((e["id"] for e in events), key=int)


def test_models_filter_keeps_only_those_models(api: ApiClient) -> None:
    after = start(api)
    contact = api.post("/data/Contact", json={"data": {"last_name": "C"}}).json()["id"]
    api.post("/data/Account", json={"data": {"name": "A"}})
    lead = api.post("/data/Lead", json={"data": {"last_name": "L"}}).json()["id"]
    events, _ = follow(api, after, **{"models[]": ["Contact", "Lead"]})
    assert [e["record_id"] for e in events] == [contact, lead]
    events, _ = follow(api, after, models="Lead")
    assert [e["record_id"] for e in events] == [lead]


@pytest.mark.parametrize(
    "params",
    [
        {"limit": "0"},
        {"limit": "1001"},
        {"limit": "many"},
        {"after": "nonsense"},
        {"after": "MS4yLjM"},  # base64 of "1.2.3": a part missing
        {"after": "!!!!"},
        {"after": "x" * 200},
        {"models[]": "NoSuchModel"},
    ],
)
def test_bad_parameters_are_400(api: ApiClient, params: dict[str, str]) -> None:
    resp = api.get("/changes", params=params)
    assert resp.status_code == 400, resp.text
    assert set(resp.json()) == {"error", "message", "hint"}


def test_the_limits_themselves_are_accepted(api: ApiClient) -> None:
    assert api.get("/changes", params={"limit": 1}).status_code == 200
    assert api.get("/changes", params={"limit": 1000}).status_code == 200


def test_configuration_events_can_be_filtered_for(api: ApiClient, services: Services) -> None:
    after = start(api)
    resp = api.post("/admin/fields/Contact", json={"name": "shoe_size_c", "type": "Number"})
    assert resp.is_success, resp.text
    events, _ = follow(api, after, **{"models[]": "CustomField"})
    assert [(e["model"], e["kind"]) for e in events] == [("CustomField", "create")]


def test_without_credentials_401_and_portal_403(
    anon: ApiClient, app: Any, services: Services, admin: User
) -> None:
    assert anon.get("/changes").status_code == 401
    contact = services.records.create(admin.actor, "Contact", {"last_name": "Portal"})
    token = services.auth.portal.issue(admin.actor, contact)["access_token"]
    resp = anon.get("/changes", headers={"Authorization": f"Bearer {token}"})
    assert resp.status_code == 403
    assert set(resp.json()) == {"error", "message", "hint"}


def age_events(services: Services, days: int) -> None:
    """Make every event so far `days` old."""
    outbox = services.db.tables.system("outbox")
    with services.db.write() as conn:
        conn.execute(sa.update(outbox).values(date_created=utcnow() - timedelta(days=days)))


def test_a_cursor_older_than_the_retention_is_410_with_a_hint_to_resync(
    api: ApiClient, services: Services
) -> None:
    api.post("/data/Note", json={"data": {"name": "old"}})
    age_events(services, 31)
    _, old_cursor = follow(api, limit=1000)
    resp = api.get("/changes", params={"after": old_cursor})
    assert resp.status_code == 410, resp.text
    body = resp.json()
    assert body["error"] == "gone" and "/data" in body["hint"]
    german = api.get("/changes", params={"after": old_cursor}, headers={"Accept-Language": "de"})
    assert "/data" in german.json()["hint"] and german.json()["hint"] != body["hint"]
    api.post("/data/Note", json={"data": {"name": "new"}})
    _, fresh = follow(api, limit=1000)
    assert api.get("/changes", params={"after": fresh}).status_code == 200
    recent = Cursor(0, 0, utcnow() - timedelta(days=29)).encode()
    assert api.get("/changes", params={"after": recent}).status_code == 200


def test_purge_deletes_old_record_events_and_keeps_configuration_events(
    api: ApiClient, services: Services, admin: User
) -> None:
    api.post("/admin/fields/Contact", json={"name": "kept_c", "type": "Text"})
    old_notes = [
        api.post("/data/Note", json={"data": {"name": f"old{i}"}}).json()["id"] for i in range(3)
    ]
    age_events(services, 40)
    new_note = api.post("/data/Note", json={"data": {"name": "new"}}).json()["id"]
    before, _ = follow(api, limit=1000)
    old_record_events = [
        e
        for e in before
        if e["model"] in services.db.registry.models and e["record_id"] != new_note
    ]
    assert services.changes.purge(utcnow()) == len(old_record_events)
    assert services.changes.purge(utcnow()) == 0  # safe to run again
    after, _ = follow(api, limit=1000)
    ids = {e["record_id"] for e in after}
    assert new_note in ids and not ids & set(old_notes)
    assert [e["kind"] for e in after if e["model"] == "CustomField"] == ["create"]
    kept_models = {e["model"] for e in after}
    assert {m for m in kept_models if m in services.db.registry.models} == {"Note"}
    assert "CustomField" in kept_models  # configuration events (the admin's token too) stay


def test_purge_keeps_the_newest_event_and_the_feed_goes_on_after_it(
    api: ApiClient, services: Services
) -> None:
    api.post("/data/Note", json={"data": {"name": "a"}})
    last = api.post("/data/Note", json={"data": {"name": "b"}}).json()["id"]
    age_events(services, 40)
    services.changes.purge(utcnow())
    events, _ = follow(api, limit=1000)
    assert [e["record_id"] for e in events if e["model"] == "Note"] == [last]
    fresh = api.post("/data/Note", json={"data": {"name": "c"}}).json()["id"]
    events, _ = follow(api, limit=1000)
    assert [e["record_id"] for e in events if e["model"] == "Note"] == [last, fresh]


@pytest.fixture
def keep_forever(settings: Settings) -> Iterator[tuple[Services, ApiClient]]:
    svc = build_services(dataclasses.replace(settings, changes_retention_days=0))
    admin = make_admin(svc)
    client = ApiClient(create_app(svc.settings, svc), {"Authorization": f"Bearer {admin.token}"})
    yield svc, client
    client.close()
    svc.close()


def test_retention_zero_keeps_every_event(keep_forever: tuple[Services, ApiClient]) -> None:
    services, api = keep_forever
    api.post("/data/Note", json={"data": {"name": "a"}})
    api.post("/data/Note", json={"data": {"name": "b"}})
    age_events(services, 4000)
    assert services.changes.purge(utcnow()) == 0
    events, _ = follow(api, limit=1000)
    old = Cursor(0, int(events[0]["id"]), utcnow() - timedelta(days=4000))
    assert api.get("/changes", params={"after": old.encode()}).status_code == 200


def test_the_scan_is_bounded_and_the_cursor_moves_past_unreadable_events(
    api: ApiClient, app: Any, services: Services, admin: User
) -> None:
    """A user who may read few events gets short pages with has_more, never a page that
    skips a readable event."""
    services.acl.add_role(
        admin.actor,
        "own",
        rights={"*": {"access": True, "read": "owned", "edit": "owned", "delete": "owned"}},
    )
    services.auth.add_user(admin.actor, "olga", None, last_name="Olga")
    services.acl.assign_role(admin.actor, "own", ["olga"])
    olga_id = services.auth.user_by_name("olga")["id"]
    token = services.auth.create_token("olga", "t")[1]
    olga = ApiClient(app, {"Authorization": f"Bearer {token}"})
    try:
        after = start(olga)
        hers = []
        for i in range(3):
            for j in range(25):
                services.records.create(admin.actor, "Note", {"name": f"hidden{i}-{j}"})
            hers.append(
                services.records.create(
                    admin.actor, "Note", {"name": f"hers{i}", "assigned_user_id": olga_id}
                )
            )
        first = olga.get("/changes", params={"after": after, "limit": 2}).json()
        assert first["records"] == [] and first["has_more"] is True  # 20 rows scanned
        events, _ = follow(olga, after, limit=2)
        assert [e["record_id"] for e in events] == hers
        assert [e["record_id"] for e in follow(api, after, limit=1000)[0]][-1] == hers[-1]
    finally:
        olga.close()


def test_a_delete_event_reaches_whoever_could_read_the_record(
    app: Any, services: Services, admin: User
) -> None:
    services.acl.add_role(
        admin.actor,
        "own",
        rights={"*": {"access": True, "read": "owned", "edit": "owned", "delete": "owned"}},
    )
    for name in ("olga", "pete"):
        services.auth.add_user(admin.actor, name, None, last_name=name)
    services.acl.assign_role(admin.actor, "own", ["olga", "pete"])
    olga_id = services.auth.user_by_name("olga")["id"]
    clients = {
        name: ApiClient(
            app, {"Authorization": f"Bearer {services.auth.create_token(name, 't')[1]}"}
        )
        for name in ("olga", "pete")
    }
    try:
        cursors = {name: start(client) for name, client in clients.items()}
        olga_actor = Actor(user_id=olga_id, user_name="olga")
        note = services.records.create(olga_actor, "Note", {"name": "mine"})
        services.records.delete(olga_actor, "Note", note)
        seen = {
            name: [(e["kind"], e["record_id"]) for e in follow(client, cursors[name])[0]]
            for name, client in clients.items()
        }
        assert seen["olga"] == [("create", note), ("delete", note)]
        assert seen["pete"] == []
    finally:
        for client in clients.values():
            client.close()
