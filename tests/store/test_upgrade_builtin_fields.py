"""A database made before the built-in models gained 1CRM's fields (and Assembly) is
upgraded in place: `migrate` adds the columns and tables, and old records keep working."""

from __future__ import annotations

import sqlalchemy as sa

from amity.core.services import Services
from amity.store.migrate import migrate
from tests.conftest import ApiClient

# columns the built-in models gained, per table (a sample of each kind: text, ISO code,
# enum, ref id, amount, flag, date)
NEW_COLUMNS = {
    "accounts": [
        "ticker_symbol",
        "billing_address_countrycode",
        "default_terms",
        "currency_id",
        "exchange_rate",
        "balance_payable",
        "default_discount_id",
    ],
    "contacts": ["skype_id", "email_opt_in", "email_opt_in_date", "consent_to_process"],
    "leads": ["reports_to_id", "photo"],
    "projects": ["total_actual_cost", "invoice_id"],
    "tasks": ["account_id", "effort_estim"],
    "cases": ["travel_time_unit", "date_billed"],
}


def drop_columns(services: Services, conn: sa.Connection, table: str, columns: list[str]) -> None:
    """The table as an older Amity made it: without the columns (and their indexes)."""
    for index in services.db.tables.metadata.tables[table].indexes:
        if {c.name for c in index.columns} & set(columns):
            conn.exec_driver_sql(f'DROP INDEX "{index.name}"')
    for column in columns:
        conn.exec_driver_sql(f'ALTER TABLE "{table}" DROP COLUMN "{column}"')


def test_an_old_database_gets_the_new_columns_and_tables(
    api: ApiClient, services: Services
) -> None:
    resp = api.post("/data/Account", json={"data": {"name": "Before the upgrade"}})
    account = resp.json()["id"]
    with services.db.write() as conn:
        for table, columns in NEW_COLUMNS.items():
            drop_columns(services, conn, table, columns)
        conn.exec_driver_sql("DROP TABLE assemblies_products")
        conn.exec_driver_sql("DROP TABLE assemblies")
    done = migrate(services.db)
    added = {
        f"added column {table}.{column}"
        for table, columns in NEW_COLUMNS.items()
        for column in columns
    }
    assert added <= set(done)
    assert {"created table assemblies", "created table assemblies_products"} <= set(done)
    assert migrate(services.db) == []  # nothing left to do
    record = api.get(f"/data/Account/{account}").json()["record"]
    assert record["name"] == "Before the upgrade"
    assert record["ticker_symbol"] is None and record["balance_payable"] is None
    write = {"ticker_symbol": "ACME", "default_terms": "Net 30", "balance_payable": "12.50"}
    assert api.patch(f"/data/Account/{account}", json={"data": write}).status_code == 200
    record = api.get(f"/data/Account/{account}").json()["record"]
    assert {k: record[k] for k in write} == write
    assert api.post("/data/Assembly", json={"data": {"name": "Kit"}}).status_code == 200
