"""A write through the Vtiger RestfulApi fires webhooks like any other write."""

from __future__ import annotations

from typing import Any

import pytest

from amity.config import Settings
from amity.core.services import Services
from tests.conftest import ApiClient, User, loopback_webhook_settings
from tests.webhook_receiver import Receiver

BASE = "/modules/RestfulApi"


@pytest.fixture
def settings(database_url: str, jwt_key_file: str) -> Settings:
    return loopback_webhook_settings(database_url, jwt_key_file)


def test_create_and_update_are_delivered(
    app: Any, api: ApiClient, services: Services, admin: User, receiver: Receiver
) -> None:
    made = api.post(
        "/webhooks", json={"type": "create_update", "url": receiver.url, "model": "Account"}
    )
    assert made.status_code == 200, made.text
    vt = ApiClient(app, base_url="http://testserver")
    try:
        token = vt.get(f"{BASE}/auth/admin/{admin.password}").json()["result"]
        n = vt.post(f"{BASE}/Accounts/{token}", json={"accountname": "Hooked"}).json()["result"]
        put = vt.put(f"{BASE}/Accounts/{n}/{token}", json={"accountname": "Hooked 2"})
        assert put.status_code == 200, put.text
    finally:
        vt.close()
    services.jobs.drain()
    events = [got.headers["x-amity-event"] for got in receiver.received]
    assert events == ["create", "update"]
    assert {got.headers["x-amity-model"] for got in receiver.received} == {"Account"}
