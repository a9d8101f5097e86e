"""Money on the wire and in the database: currency values are exact decimal strings in every
JSON answer (/data, related lists, /audit, /changes, webhook deliveries), taken as strings
or numbers, compared exactly by filters, and NUMERIC columns on PostgreSQL (converted in
place, once, from the integer counts of older databases)."""

from __future__ import annotations

from typing import Any

import pytest
import sqlalchemy as sa

from amity.config import Settings
from amity.core.actor import SYSTEM
from amity.core.services import Services, build_services
from amity.store.migrate import migrate
from tests.api.test_changes import follow, start
from tests.conftest import ApiClient, loopback_webhook_settings
from tests.webhook_receiver import Receiver


@pytest.fixture
def settings(database_url: str, jwt_key_file: str) -> Settings:
    return loopback_webhook_settings(database_url, jwt_key_file)


def deal(api: ApiClient, amount: Any, **data: Any) -> str:
    body = {"name": data.pop("name", "Deal"), "date_closed": "2024-05-01", "amount": amount}
    resp = api.post("/data/Opportunity", json={"data": {**body, **data}})
    assert resp.status_code == 200, resp.text
    return str(resp.json()["id"])


def amount_of(api: ApiClient, record_id: str) -> Any:
    resp = api.get(f"/data/Opportunity/{record_id}", params={"fields[]": "amount"})
    assert resp.status_code == 200, resp.text
    return resp.json()["record"]["amount"]


def test_amounts_read_back_exactly_as_strings_with_their_places(api: ApiClient) -> None:
    tenth, fifth = deal(api, "0.10"), deal(api, 0.2)
    assert (amount_of(api, tenth), amount_of(api, fifth)) == ("0.10", "0.20")
    big = deal(api, "9999999999999.99")
    assert amount_of(api, big) == "9999999999999.99"
    for given, shown in ((9999999999999.99, "9999999999999.99"), (-3.1, "-3.10"), (0, "0.00")):
        api.patch(f"/data/Opportunity/{big}", json={"data": {"amount": given}})
        assert amount_of(api, big) == shown
    api.patch(f"/data/Opportunity/{big}", json={"data": {"amount": None}})
    assert amount_of(api, big) is None


def test_lists_and_related_lists_show_strings(api: ApiClient) -> None:
    account = api.post("/data/Account", json={"data": {"name": "Acme"}}).json()["id"]
    deal(api, "224.55", account_id=account)
    api.patch(f"/data/Account/{account}", json={"data": {"balance": "-3.1"}})
    listed = api.get("/data/Opportunity", params={"fields[]": "amount"}).json()["records"]
    assert [r["amount"] for r in listed] == ["224.55"]
    related = api.get(f"/data/Account/{account}/opportunities", params={"fields[]": "amount"})
    assert [r["amount"] for r in related.json()["records"]] == ["224.55"]
    assert amount_of_account(api, account) == "-3.10"


def amount_of_account(api: ApiClient, account: str) -> Any:
    return api.get(f"/data/Account/{account}").json()["record"]["balance"]


def test_bad_amounts_are_400_and_change_nothing(api: ApiClient) -> None:
    record_id = deal(api, "1.50")
    for bad in ("1.005", "abc", True, "1e400", "10000000000000.00", [1]):
        resp = api.patch(f"/data/Opportunity/{record_id}", json={"data": {"amount": bad}})
        assert resp.status_code == 400, resp.text
        assert "amount" in resp.json()["message"]
    assert amount_of(api, record_id) == "1.50"


def test_filters_and_order_compare_amounts_exactly(api: ApiClient) -> None:
    for name, amount in (("a", "0.10"), ("b", "0.20"), ("c", "0.30"), ("d", "1000000000000.01")):
        deal(api, amount, name=name)

    def names(**params: Any) -> list[str]:
        resp = api.get("/data/Opportunity", params={"fields[]": "amount", **params})
        assert resp.status_code == 200, resp.text
        return [r["name"] for r in resp.json()["records"]]

    assert names(**{"filters[amount]": "0.3"}) == ["c"]  # 0.1 + 0.2 is not 0.3 as floats
    assert sorted(names(**{"filters[amount]": 0.2, "filters[amount-operator]": "gt"})) == [
        "c",
        "d",
    ]
    assert names(**{"filters[amount]": "1000000000000.00", "filters[amount-operator]": "gt"}) == [
        "d"
    ]
    assert names(order="amount desc") == ["d", "c", "b", "a"]


def test_audit_and_change_feed_show_amounts_as_strings(api: ApiClient) -> None:
    after = start(api)
    record_id = deal(api, "0.10")
    api.patch(f"/data/Opportunity/{record_id}", json={"data": {"amount": 9999999999999.99}})
    rows = api.get(f"/audit/Opportunity/{record_id}").json()["records"]
    (row,) = [r for r in rows if r["field_name"] == "amount"]
    assert (row["before_value_string"], row["after_value_string"]) == ("0.10", "9999999999999.99")
    events, _ = follow(api, after, models="Opportunity")
    changes = [e["changes"]["amount"] for e in events if "amount" in e["changes"]]
    assert changes == [
        {"before": None, "after": "0.10"},
        {"before": "0.10", "after": "9999999999999.99"},
    ]


def test_webhooks_filter_amounts_by_number_and_deliver_strings(
    api: ApiClient, services: Services, receiver: Receiver
) -> None:
    condition = {"field": "amount", "filter": "gt", "value": 100, "when": "current_value"}
    resp = api.post(
        "/webhooks",
        json={
            "type": "create_update",
            "url": receiver.url,
            "model": "Opportunity",
            "filters": {"glue": "and", "conditions": [condition]},
        },
    )
    assert resp.status_code == 200, resp.text
    deal(api, "100.00", name="at")
    over = deal(api, "100.01", name="over")
    services.jobs.drain()
    (body,) = receiver.bodies()
    assert body["id"] == over and body["amount"] == "100.01"


def column_type(services: Services, table: str, column: str) -> tuple[str, int | None, int | None]:
    with services.db.read() as conn:
        row = conn.execute(
            sa.text(
                "SELECT data_type, numeric_precision, numeric_scale "
                "FROM information_schema.columns "
                "WHERE table_schema = current_schema() AND table_name = :t AND column_name = :c"
            ),
            {"t": table, "c": column},
        ).one()
    return str(row[0]), row[1], row[2]


def postgresql_only(services: Services) -> None:
    if services.db.is_sqlite:
        pytest.skip("PostgreSQL's column types (AMITY_TEST_DATABASE_URL)")


def test_postgresql_stores_amounts_in_numeric_columns(services: Services) -> None:
    postgresql_only(services)
    assert column_type(services, "opportunities", "amount") == ("numeric", 15, 2)
    assert column_type(services, "accounts", "credit_limit") == ("numeric", 15, 2)


def test_sqlite_keeps_an_integer_count(services: Services, api: ApiClient) -> None:
    if not services.db.is_sqlite:
        pytest.skip("SQLite's storage")
    record_id = deal(api, "224.55")
    with services.db.read() as conn:
        stored = conn.exec_driver_sql(
            "SELECT amount, typeof(amount) FROM opportunities WHERE id = ?", (record_id,)
        ).one()
    assert tuple(stored) == (22455, "integer")


def test_migrate_converts_old_bigint_amounts_in_place_once(
    services: Services, settings: Settings, api: ApiClient
) -> None:
    postgresql_only(services)
    record_id = deal(api, "1.00")
    with services.db.write() as conn:  # the column as databases made before NUMERIC hold it
        conn.exec_driver_sql("ALTER TABLE opportunities DROP COLUMN amount")
        conn.exec_driver_sql("ALTER TABLE opportunities ADD COLUMN amount BIGINT")
        conn.exec_driver_sql(
            "UPDATE opportunities SET amount = 999999999999999 WHERE id = %(id)s", {"id": record_id}
        )
    assert column_type(services, "opportunities", "amount")[0] == "bigint"
    assert "made opportunities.amount an exact numeric column" in migrate(services.db)
    assert column_type(services, "opportunities", "amount") == ("numeric", 15, 2)
    assert not [step for step in migrate(services.db) if "numeric" in step]  # once
    fresh = build_services(settings)  # no statement prepared against the old column
    try:
        with fresh.db.read() as conn:
            raw = conn.exec_driver_sql(
                "SELECT amount::text FROM opportunities WHERE id = %(id)s", {"id": record_id}
            ).scalar_one()
        assert raw == "9999999999999.99"
        shown = fresh.records.get(SYSTEM, "Opportunity", record_id)
        assert shown["amount"] == "9999999999999.99"
        fresh.records.update(SYSTEM, "Opportunity", record_id, {"amount": "0.01"})
        assert fresh.records.get(SYSTEM, "Opportunity", record_id)["amount"] == "0.01"
    finally:
        fresh.close()
