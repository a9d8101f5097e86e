"""/webhooks: the 1CRM shapes, checks when saving, who sees what, and delivery through the
jobs engine to real HTTP receivers on 127.0.0.1 (allowed by AMITY_WEBHOOK_ALLOW_NETWORKS),
with signatures checked by the standardwebhooks package."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
import sqlalchemy as sa
from standardwebhooks.webhooks import Webhook as StandardWebhook

from amity.config import Settings
from amity.core.clock import utcnow_precise
from amity.core.services import Services
from amity.errors import BadRequest
from tests.api.acl_world import build_world
from tests.conftest import ApiClient, User, loopback_webhook_settings
from tests.webhook_receiver import Receiver


@pytest.fixture
def settings(database_url: str, jwt_key_file: str) -> Settings:
    return loopback_webhook_settings(database_url, jwt_key_file)


def hook(api: ApiClient, url: str, model: str = "Contact", **extra: Any) -> dict[str, Any]:
    response = api.post(
        "/webhooks", json={"type": "create_update", "url": url, "model": model, **extra}
    )
    assert response.status_code == 200, response.text
    return dict(response.json())


def deliver(services: Services) -> None:
    services.jobs.drain()


def later(services: Services, seconds: float) -> None:
    """Move the deliverer's clock on (retries become due) and run what is due."""
    real = services.webhooks.deliverer.now
    shift = timedelta(seconds=seconds)
    services.webhooks.deliverer.now = lambda: real() + shift
    services.webhooks.wake_due()
    services.jobs.drain()


def messages(services: Services) -> list[dict[str, Any]]:
    m = services.webhooks.store.messages
    with services.db.read() as conn:
        return [dict(r._mapping) for r in conn.execute(sa.select(m).order_by(m.c.id))]


# -- the 1CRM shapes ------------------------------------------------------------------
def test_create_list_get_update_delete_in_the_1crm_shapes(
    api: ApiClient, receiver: Receiver
) -> None:
    created = hook(api, receiver.url, type="create")
    assert created["secret"].startswith("whsec_")
    assert {k: created[k] for k in ("type", "url", "model")} == {
        "type": "create",
        "url": receiver.url,
        "model": "Contact",
    }
    assert created["filters"]["conditions"][0]["field"] == "deleted"  # 1CRM's default filter
    listed = api.get("/webhooks", params={"limit": 5}).json()
    assert listed["total_results"] == 1
    record = listed["records"][0]
    assert {"id", "type", "url", "model", "filters", "assigned_user_id"} <= set(record)
    assert "secret" not in record
    one = api.get(f"/webhooks/{created['id']}").json()
    assert one["id"] == created["id"] and "secret" not in one
    patched = api.patch(f"/webhooks/{created['id']}", json={"type": "update"}).json()
    assert patched["type"] == "update"
    put = api.put(f"/webhooks/{created['id']}", json={"type": "create_update"}).json()
    assert put["type"] == "create_update"
    gone = api.delete(f"/webhooks/{created['id']}").json()
    assert gone == {
        "id": created["id"],
        "type": "create_update",
        "url": receiver.url,
        "model": "Contact",
    }
    assert api.get(f"/webhooks/{created['id']}").status_code == 404
    assert api.get("/webhooks").json()["total_results"] == 0


@pytest.mark.parametrize(
    ("body", "named"),
    [
        ({"type": "sometimes"}, "sometimes"),
        ({"model": "Nope"}, "Nope"),
        (
            {
                "filters": {
                    "glue": "and",
                    "conditions": [
                        {
                            "field": "shoe_size",
                            "filter": "eq",
                            "value": "1",
                            "when": "current_value",
                        }
                    ],
                }
            },
            "shoe_size",
        ),
        (
            {
                "filters": {
                    "glue": "and",
                    "conditions": [
                        {
                            "field": "last_name",
                            "filter": "gt",
                            "value": "1",
                            "when": "current_value",
                        }
                    ],
                }
            },
            "gt",
        ),
        ({"payload": "everything"}, "everything"),
        ({"colour": "red"}, "colour"),
    ],
)
def test_a_bad_webhook_is_a_4xx_naming_what_is_wrong(
    api: ApiClient, receiver: Receiver, body: dict[str, Any], named: str
) -> None:
    data = {"type": "create", "url": receiver.url, "model": "Contact", **body}
    response = api.post("/webhooks", json=data)
    assert response.status_code in (400, 404), response.text
    assert set(response.json()) >= {"error", "message", "hint"}
    assert named in response.json()["message"]
    assert api.get("/webhooks").json()["total_results"] == 0


def test_users_manage_their_own_webhooks_and_admins_all(
    services: Services, admin: User, app: Any, receiver: Receiver
) -> None:
    world = build_world(services, admin)
    clients = {
        who: ApiClient(app, {"Authorization": f"Bearer {token}"})
        for who, token in world.tokens.items()
    }
    try:
        alices = hook(clients["owner"], receiver.url)
        bobs = hook(clients["mate"], receiver.url)
        assert alices["assigned_user_id"] == world.users["alice"]
        mine = clients["owner"].get("/webhooks").json()
        assert [r["id"] for r in mine["records"]] == [alices["id"]]
        assert clients["mate"].get(f"/webhooks/{alices['id']}").status_code == 404
        assert (
            clients["mate"].patch(f"/webhooks/{alices['id']}", json={"type": "create"}).status_code
            == 404
        )
        assert clients["mate"].delete(f"/webhooks/{alices['id']}").status_code == 404
        assert clients["mate"].get(f"/webhooks/{alices['id']}/deliveries").status_code == 404
        assert {r["id"] for r in clients["admin"].get("/webhooks").json()["records"]} == {
            alices["id"],
            bobs["id"],
        }
        assert (
            clients["admin"].patch(f"/webhooks/{bobs['id']}", json={"type": "update"}).status_code
            == 200
        )
        # a user cannot hand a webhook to someone else; the blocked role reads no model
        assert (
            clients["owner"]
            .patch(f"/webhooks/{alices['id']}", json={"assigned_user_id": world.users["bob"]})
            .status_code
            == 403
        )
        assert (
            clients["blocked"]
            .post("/webhooks", json={"type": "create", "url": receiver.url, "model": "Contact"})
            .status_code
            == 403
        )
        assert clients["portal"].get("/webhooks").status_code in (401, 403)
    finally:
        for client in clients.values():
            client.close()


# -- delivery -------------------------------------------------------------------------
def test_a_create_delivers_the_record_as_get_shows_it_signed(
    api: ApiClient, services: Services, receiver: Receiver
) -> None:
    created = hook(api, receiver.url, type="create")
    record_id = api.post(
        "/data/Contact", json={"data": {"first_name": "Ada", "last_name": "Lovelace"}}
    ).json()["id"]
    assert receiver.received == []  # later, not in the request
    deliver(services)
    assert len(receiver.received) == 1
    got = receiver.received[0]
    assert got.headers["content-type"] == "application/json"
    assert got.headers["x-amity-event"] == "create"
    assert got.headers["x-amity-model"] == "Contact"
    payload = StandardWebhook(created["secret"]).verify(got.body, got.headers)
    shown = api.get(f"/data/Contact/{record_id}").json()["record"]
    assert payload == shown
    log = api.get(f"/webhooks/{created['id']}/deliveries").json()
    assert log["total_results"] == 1
    entry = log["records"][0]
    assert entry["status_code"] == 200 and entry["attempt"] == 1
    assert entry["event_id"] == got.headers["webhook-id"] and entry["response"] == "ok"


def test_a_write_that_rolls_back_delivers_nothing(
    api: ApiClient, services: Services, receiver: Receiver, admin: User
) -> None:
    hook(api, receiver.url, type="create")

    def fail(conn: Any, event: dict[str, Any]) -> None:  # after the webhook sink ran
        raise BadRequest("the write fails after its event")

    services.records.writer.sinks.append(fail)
    with pytest.raises(BadRequest):
        services.records.create(admin.actor, "Contact", {"last_name": "Ghost"})
    services.records.writer.sinks.remove(fail)
    deliver(services)
    assert receiver.received == [] and messages(services) == []


def test_filters_choose_which_changes_are_sent(
    api: ApiClient, services: Services, receiver: Receiver
) -> None:
    hook(
        api,
        receiver.url,
        filters={
            "glue": "and",
            "conditions": [
                {"field": "last_name", "filter": "eq", "value": "Smith", "when": "changed_to"},
            ],
        },
    )
    smith = api.post("/data/Contact", json={"data": {"last_name": "Smith"}}).json()["id"]
    jones = api.post("/data/Contact", json={"data": {"last_name": "Jones"}}).json()["id"]
    api.patch(f"/data/Contact/{smith}", json={"data": {"first_name": "Sam"}})  # last_name unchanged
    api.patch(f"/data/Contact/{jones}", json={"data": {"last_name": "Smith"}})
    deliver(services)
    # different records go out concurrently: in no particular order
    assert sorted((b["id"], b["last_name"]) for b in receiver.bodies()) == sorted(
        [(smith, "Smith"), (jones, "Smith")]
    )


def test_the_event_payload_carries_previous_values_and_the_actor(
    api: ApiClient, services: Services, receiver: Receiver, admin: User
) -> None:
    created = hook(api, receiver.url, type="update", payload="event")
    record_id = api.post(
        "/data/Contact", json={"data": {"last_name": "Old", "title": "Dr"}}
    ).json()["id"]
    api.patch(f"/data/Contact/{record_id}", json={"data": {"last_name": "New"}})
    deliver(services)
    (got,) = receiver.received
    body = StandardWebhook(created["secret"]).verify(got.body, got.headers)
    assert body["type"] == "update" and body["model"] == "Contact" and body["id"] == record_id
    assert body["record"]["last_name"] == "New" and body["record"]["title"] == "Dr"
    assert body["previous"]["last_name"] == "Old"
    assert "last_name" in body["changed"]
    assert body["actor"]["user_id"] == admin.id
    assert body["occurred_at"]


def test_the_snapshot_is_what_the_write_left_not_what_is_there_later(
    api: ApiClient, services: Services, receiver: Receiver
) -> None:
    hook(api, receiver.url)
    record_id = api.post("/data/Contact", json={"data": {"last_name": "First"}}).json()["id"]
    api.patch(f"/data/Contact/{record_id}", json={"data": {"last_name": "Second"}})
    deliver(services)
    assert [b["last_name"] for b in receiver.bodies()] == ["First", "Second"]


def test_a_webhook_whose_owner_may_not_read_the_record_sends_nothing(
    services: Services, admin: User, app: Any, receiver: Receiver
) -> None:
    world = build_world(services, admin)
    alice = ApiClient(app, {"Authorization": f"Bearer {world.tokens['owner']}"})
    try:
        hook(alice, receiver.url, type="update")
        own = world.create("Contact", {"last_name": "Mine"})
        carols = world.ids["carols"]  # staff reads owned records only
        services.records.update(world.admin, "Contact", own, {"title": "Boss"})
        services.records.update(world.admin, "Contact", carols, {"title": "Boss"})
        deliver(services)
        assert [b["id"] for b in receiver.bodies()] == [own]
        # alice loses read access to her record: she stops receiving its changes
        services.records.update(
            world.admin, "Contact", own, {"assigned_user_id": world.users["carol"]}
        )
        services.records.update(world.admin, "Contact", own, {"title": "Chief"})
        deliver(services)
        assert [b["id"] for b in receiver.bodies()] == [own]
    finally:
        alice.close()


def test_a_failing_receiver_is_retried_and_one_records_deliveries_keep_their_order(
    api: ApiClient, services: Services, receiver: Receiver
) -> None:
    hook(api, receiver.url)
    receiver.script = [(500, {}), (502, {})]
    record_id = api.post("/data/Contact", json={"data": {"last_name": "V1"}}).json()["id"]
    api.patch(f"/data/Contact/{record_id}", json={"data": {"last_name": "V2"}})
    deliver(services)
    assert [b["last_name"] for b in receiver.bodies()] == ["V1"]  # V2 waits behind V1
    later(services, 10)  # the first retry (about 5 s)
    assert [b["last_name"] for b in receiver.bodies()] == ["V1", "V1"]
    later(services, 400)  # the second (about 5 min): succeeds, then V2 follows
    assert [b["last_name"] for b in receiver.bodies()] == ["V1", "V1", "V1", "V2"]
    ids = [r.headers["webhook-id"] for r in receiver.received]
    assert ids[0] == ids[1] == ids[2] != ids[3]  # a retry keeps its webhook-id
    assert [m["state"] for m in messages(services)] == ["delivered", "delivered"]


def test_retry_after_is_honoured(api: ApiClient, services: Services, receiver: Receiver) -> None:
    hook(api, receiver.url)
    receiver.script = [(429, {"Retry-After": "3600"})]
    api.post("/data/Contact", json={"data": {"last_name": "Busy"}})
    before = utcnow_precise()
    deliver(services)
    (message,) = messages(services)
    wait = (message["next_attempt_at"] - before).total_seconds()
    assert message["state"] == "pending" and 3590 < wait < 3700
    later(services, 600)
    assert len(receiver.received) == 1  # not before the hour
    later(services, 3700)
    assert len(receiver.received) == 2 and messages(services)[0]["state"] == "delivered"


def test_410_switches_the_webhook_off_and_recover_resends(
    api: ApiClient, services: Services, receiver: Receiver
) -> None:
    created = hook(api, receiver.url)
    receiver.script = [(410, {})]
    api.post("/data/Contact", json={"data": {"last_name": "Gone"}})
    deliver(services)
    shown = api.get(f"/webhooks/{created['id']}").json()
    assert shown["disabled"] is True and "410" in shown["disabled_reason"]
    api.post("/data/Contact", json={"data": {"last_name": "Unsent"}})  # while off: nothing
    deliver(services)
    assert len(receiver.received) == 1
    since = (utcnow_precise() - timedelta(hours=1)).strftime("%Y-%m-%d %H:%M:%S")
    recovered = api.post(f"/webhooks/{created['id']}/recover", json={"since": since}).json()
    assert recovered["disabled"] is False and recovered["requeued"] == 1
    deliver(services)
    assert [b["last_name"] for b in receiver.bodies()] == ["Gone", "Gone"]


def test_five_days_of_failures_switch_a_webhook_off(
    api: ApiClient, services: Services, receiver: Receiver
) -> None:
    created = hook(api, receiver.url)
    receiver.status = 500
    api.post("/data/Contact", json={"data": {"last_name": "Down"}})
    deliver(services)
    assert api.get(f"/webhooks/{created['id']}").json()["disabled"] is False
    later(services, 5 * 86400 + 60)
    shown = api.get(f"/webhooks/{created['id']}").json()
    assert shown["disabled"] is True and "5 days" in shown["disabled_reason"]
    turned_on = api.patch(f"/webhooks/{created['id']}", json={"disabled": False}).json()
    assert turned_on["disabled"] is False and turned_on["disabled_reason"] is None


def test_replay_sends_a_delivery_again_with_its_webhook_id(
    api: ApiClient, services: Services, receiver: Receiver
) -> None:
    created = hook(api, receiver.url)
    api.post("/data/Contact", json={"data": {"last_name": "Again"}})
    deliver(services)
    delivery = api.get(f"/webhooks/{created['id']}/deliveries").json()["records"][0]
    replayed = api.post(f"/webhooks/{created['id']}/deliveries/{delivery['id']}/replay").json()
    assert replayed == {"result": True, "event_id": delivery["event_id"]}
    deliver(services)
    assert [r.headers["webhook-id"] for r in receiver.received] == [delivery["event_id"]] * 2
    assert api.post(f"/webhooks/{created['id']}/deliveries/nope/replay").status_code == 404


def test_rotation_signs_with_both_secrets_for_a_day(
    api: ApiClient, services: Services, receiver: Receiver
) -> None:
    created = hook(api, receiver.url)
    rotated = api.post(f"/webhooks/{created['id']}/rotate_secret").json()
    assert rotated["secret"].startswith("whsec_") and rotated["secret"] != created["secret"]
    api.post("/data/Contact", json={"data": {"last_name": "Both"}})
    deliver(services)
    got = receiver.received[0]
    assert len(got.headers["webhook-signature"].split(" ")) == 2
    for secret in (created["secret"], rotated["secret"]):
        assert StandardWebhook(secret).verify(got.body, got.headers)["last_name"] == "Both"
    later(services, 86400 + 60)  # the old secret stops signing after 24 hours
    api.post("/data/Contact", json={"data": {"last_name": "New only"}})
    later(services, 86400 + 60)
    got = receiver.received[1]
    assert len(got.headers["webhook-signature"].split(" ")) == 1
    assert StandardWebhook(rotated["secret"]).verify(got.body, got.headers)


def test_the_test_event_is_sent_at_once_and_logged(api: ApiClient, receiver: Receiver) -> None:
    created = hook(api, receiver.url)
    logged = api.post(f"/webhooks/{created['id']}/test").json()
    assert logged["status_code"] == 200 and logged["event_id"].startswith("test_")
    (got,) = receiver.received
    body = StandardWebhook(created["secret"]).verify(got.body, got.headers)
    assert body["type"] == "test" and got.headers["x-amity-event"] == "test"
    assert api.get(f"/webhooks/{created['id']}/deliveries").json()["total_results"] == 1


def test_a_delete_webhook_hears_deletes(
    api: ApiClient, services: Services, receiver: Receiver
) -> None:
    hook(api, receiver.url, type="delete")
    record_id = api.post("/data/Contact", json={"data": {"last_name": "Bye"}}).json()["id"]
    api.delete(f"/data/Contact/{record_id}")
    deliver(services)
    (body,) = receiver.bodies()
    assert body["id"] == record_id and body["deleted"] in (True, 1, "1")


def test_secrets_are_not_kept_in_clear(
    api: ApiClient, services: Services, receiver: Receiver
) -> None:
    created = hook(api, receiver.url)
    hooks = services.webhooks.store.hooks
    with services.db.read() as conn:
        stored = conn.execute(sa.select(hooks.c.secret)).scalar_one()
    assert created["secret"] not in stored and created["secret"][6:] not in stored


def test_filters_on_custom_fields_work_like_built_in_ones(
    api: ApiClient, services: Services, receiver: Receiver, admin: User
) -> None:
    services.fields.add(admin.actor, "Contact", {"name": "score_c", "type": "Number"})
    hook(
        api,
        receiver.url,
        type="create",
        filters={
            "glue": "and",
            "conditions": [
                {"field": "score_c", "filter": "gt", "value": 50, "when": "current_value"}
            ],
        },
    )
    high = api.post("/data/Contact", json={"data": {"last_name": "High", "score_c": 70}})
    api.post("/data/Contact", json={"data": {"last_name": "Low", "score_c": 10}})
    deliver(services)
    assert [(b["id"], b["score_c"]) for b in receiver.bodies()] == [(high.json()["id"], 70)]
    bad = api.post(
        "/webhooks",
        json={
            "type": "create",
            "url": receiver.url,
            "model": "Contact",
            "filters": {
                "glue": "and",
                "conditions": [{"field": "score_c", "filter": "prefix", "value": "x"}],
            },
        },
    )
    assert bad.status_code == 400 and "score_c" in bad.json()["message"]


def test_the_delivery_log_is_kept_30_days(
    api: ApiClient, services: Services, receiver: Receiver
) -> None:
    created = hook(api, receiver.url)
    api.post("/data/Contact", json={"data": {"last_name": "Logged"}})
    deliver(services)
    path = f"/webhooks/{created['id']}/deliveries"
    assert api.get(path).json()["total_results"] == 1
    services.webhooks.purge(utcnow_precise() + timedelta(days=29))
    assert api.get(path).json()["total_results"] == 1
    assert (
        services.webhooks.purge(utcnow_precise() + timedelta(days=31)) >= 3
    )  # attempt, message, snapshot
    assert api.get(path).json()["total_results"] == 0
    assert messages(services) == []
