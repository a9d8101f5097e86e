"""X-Request-Id: every answer carries one, a client's own plain id comes back, and the
change events a request makes carry it."""

from __future__ import annotations

import re

import orjson
import sqlalchemy as sa

from amity.core.services import Services
from tests.conftest import ApiClient


def outbox_rows(services: Services, record_id: str) -> list[dict[str, object]]:
    outbox = services.db.tables.system("outbox")
    with services.db.read() as conn:
        rows = conn.execute(sa.select(outbox).where(outbox.c.record_id == record_id))
        return [dict(r) for r in rows.mappings()]


def test_every_answer_has_a_request_id_and_each_is_new(api: ApiClient) -> None:
    first, second = api.get("/me"), api.get("/data/Nothing")
    assert second.status_code == 404  # errors too
    ids = [first.headers["x-request-id"], second.headers["x-request-id"]]
    assert all(re.fullmatch(r"[0-9a-f]{32}", i) for i in ids) and ids[0] != ids[1]


def test_a_clients_plain_id_comes_back_and_odd_ones_are_replaced(api: ApiClient) -> None:
    given = "sync-42:batch.7_a"
    assert api.get("/me", headers={"X-Request-Id": given}).headers["x-request-id"] == given
    for odd in ("two words", "x" * 129, "semi;colon"):
        answered = api.get("/me", headers={"X-Request-Id": odd}).headers["x-request-id"]
        assert answered != odd and re.fullmatch(r"[0-9a-f]{32}", answered)


def test_events_carry_the_request_id_credential_and_source(
    api: ApiClient, services: Services
) -> None:
    created = api.post(
        "/data/Account", json={"data": {"name": "Traced"}}, headers={"X-Request-Id": "trace-1"}
    )
    record_id = created.json()["id"]
    api.patch(
        f"/data/Account/{record_id}",
        json={"data": {"name": "Traced again"}},
        headers={"X-Request-Id": "trace-2"},
    )
    rows = sorted(outbox_rows(services, record_id), key=lambda r: int(str(r["id"])))
    assert [(r["kind"], r["request_id"]) for r in rows] == [
        ("create", "trace-1"),
        ("update", "trace-2"),
    ]
    assert all(r["credential"] == "token" and r["credential_id"] for r in rows)
    assert all(str(r["source"]).startswith("api ") for r in rows)
    assert orjson.loads(str(rows[1]["changes"]))["name"] == ["Traced", "Traced again"]
