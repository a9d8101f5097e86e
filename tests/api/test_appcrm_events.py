"""Writes through the App CRM API are events like any other: a webhook delivers them (the
jobs engine posting to a real HTTP receiver on 127.0.0.1) and the audit shows them."""

from __future__ import annotations

from typing import Any

import pytest
from standardwebhooks.webhooks import Webhook as StandardWebhook

from amity.config import Settings
from amity.core.services import Services
from tests.conftest import ApiClient, User, loopback_webhook_settings
from tests.webhook_receiver import Receiver


@pytest.fixture
def settings(database_url: str, jwt_key_file: str) -> Settings:
    return loopback_webhook_settings(database_url, jwt_key_file)


def audit_rows(api: ApiClient, model: str, record_id: str) -> list[dict[str, Any]]:
    answer = api.get(f"/audit/{model}/{record_id}")
    assert answer.status_code == 200, answer.text
    rows: list[dict[str, Any]] = answer.json()["records"]
    return rows


def test_a_create_and_update_through_api_fire_webhooks_and_are_audited(
    api: ApiClient, crm: ApiClient, services: Services, receiver: Receiver, admin: User
) -> None:
    made_hook = api.post(
        "/webhooks", json={"type": "create_update", "url": receiver.url, "model": "Contact"}
    )
    assert made_hook.status_code == 200, made_hook.text
    secret = made_hook.json()["secret"]

    made = crm.post("/api/contacts", json={"first_name": "Ada", "last_name": "Lovelace"})
    assert made.status_code == 201, made.text
    record_id = made.json()["id"]
    assert receiver.received == []  # delivered by a job, after the write
    services.jobs.drain()
    (created,) = receiver.received
    assert created.headers["x-amity-event"] == "create"
    assert created.headers["x-amity-model"] == "Contact"
    payload = StandardWebhook(secret).verify(created.body, created.headers)
    assert payload["id"] == record_id and payload["last_name"] == "Lovelace"

    put = crm.put(f"/api/contacts/{record_id}", json={"last_name": "King"})
    assert put.status_code == 200, put.text
    services.jobs.drain()
    assert [r.headers["x-amity-event"] for r in receiver.received] == ["create", "update"]
    assert receiver.received[1].json()["last_name"] == "King"

    rows = audit_rows(api, "Contact", record_id)
    changed = [r for r in rows if r["field_name"] == "last_name"]
    assert len(changed) == 1
    row = changed[0]
    assert row["before_value_string"] == "Lovelace" and row["after_value_string"] == "King"
    assert row["created_by"] == admin.id and row["source"].startswith("api ")
    assert any(r["field_name"] == "id" and r["after_value_string"] == record_id for r in rows)


def test_a_custom_field_written_by_id_is_delivered_and_audited_by_name(
    api: ApiClient, crm: ApiClient, services: Services, receiver: Receiver
) -> None:
    field = api.post("/admin/fields/Contact", json={"name": "tier_c", "type": "Number"})
    assert field.status_code == 200, field.text
    (row,) = crm.get("/api/custom-fields", params={"resource": "contacts"}).json()["data"]
    assert api.post(
        "/webhooks", json={"type": "update", "url": receiver.url, "model": "Contact"}
    ).is_success
    record_id = crm.post("/api/contacts", json={"last_name": "Tiered"}).json()["id"]
    assert crm.put(f"/api/contacts/{record_id}", json={row["id"]: 3}).status_code == 200
    services.jobs.drain()
    (update,) = receiver.received
    assert update.json()["tier_c"] == 3 and row["id"] not in update.json()
    tier = [r for r in audit_rows(api, "Contact", record_id) if r["field_name"] == "tier_c"]
    assert [(r["before_value_string"], r["after_value_string"]) for r in tier] == [(None, "3")]


def test_a_delete_through_api_is_audited_and_a_refused_write_fires_nothing(
    api: ApiClient, crm: ApiClient, services: Services, receiver: Receiver
) -> None:
    assert api.post(
        "/webhooks", json={"type": "create_update", "url": receiver.url, "model": "Contact"}
    ).is_success
    refused = crm.post("/api/contacts", json={"last_name": "X", "birthdate": "not a date"})
    assert refused.status_code == 422
    services.jobs.drain()
    assert receiver.received == []
    record_id = crm.post("/api/contacts", json={"last_name": "Brief"}).json()["id"]
    assert crm.delete(f"/api/contacts/{record_id}").status_code == 204
    rows = audit_rows(api, "Contact", record_id)
    assert any(r["field_name"] == "deleted" for r in rows), rows
