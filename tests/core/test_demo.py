"""`amity demo`: realistic, linked, deterministic demo data, loaded through the services."""

from __future__ import annotations

from collections import defaultdict
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest

from amity.config import Settings
from amity.core.actor import SYSTEM
from amity.core.clock import today
from amity.core.demo import load_demo
from amity.core.records import ListQuery
from amity.core.services import Services, build_services
from amity.errors import BadRequest
from amity.schema.builtin.links import CONTACT_ROLES
from amity.store.conditions import OrderKey
from amity.store.migrate import migrate
from tests.conftest import ApiClient, User

ACTIVITIES = ("Task", "Call", "Meeting", "Note")
DOCUMENTS = ("Quote", "SalesOrder", "Invoice")
SUMMED = ("subtotal", "discount", "shipping", "pretax", "tax")


def everything(api: ApiClient, path: str, **params: Any) -> list[dict[str, Any]]:
    """All records of a list endpoint, paged; list values go as PHP `name[]` parameters."""
    query = {f"{k}[]" if isinstance(v, list) else k: v for k, v in params.items()}
    out: list[dict[str, Any]] = []
    while True:
        page = api.get(path, params={**query, "limit": 200, "offset": len(out)})
        assert page.status_code == 200, page.text
        body = page.json()
        out += body["records"]
        if len(out) >= body["total_results"] or not body["records"]:
            return out


def total(api: ApiClient, path: str) -> int:
    response = api.get(path, params={"limit": 1})
    assert response.status_code == 200, response.text
    return int(response.json()["total_results"])


@pytest.fixture
def demo(api: ApiClient, services: Services, admin: User) -> dict[str, int]:
    return load_demo(services, contacts=40, seed=7)


def test_counts_match_what_the_api_lists(api: ApiClient, demo: dict[str, int]) -> None:
    assert demo["Contact"] == 40
    assert demo["Account"] == 10
    assert demo["Opportunity"] == 20
    assert demo["Lead"] == 10
    assert demo["aCase"] == 10
    assert demo["Product"] >= 10
    assert demo["Project"] >= 1 and demo["ProjectTask"] >= 4 * demo["Project"]
    assert sum(demo[m] for m in ACTIVITIES) >= 40
    assert demo["User"] == 4
    for model, n in demo.items():
        expected = n + 1 if model == "User" else n  # the admin was there before
        assert total(api, f"/data/{model}") == expected, model


def test_contacts_are_linked_to_their_accounts(api: ApiClient, demo: dict[str, int]) -> None:
    accounts = everything(api, "/data/Account", fields=["name", "assigned_user_id"])
    for account in accounts:
        linked = everything(
            api, f"/data/Account/{account['id']}/contacts", fields=["primary_account_id"]
        )
        assert linked, f"account {account['name']} has no contacts"
    contacts = everything(
        api,
        "/data/Contact",
        fields=[
            "first_name",
            "primary_account_id",
            "primary_account",
            "email1",
            "assigned_user_id",
        ],
    )
    names = {a["id"]: a["name"] for a in accounts}
    for contact in contacts:
        assert contact["primary_account"] == names[contact["primary_account_id"]]
        mine = everything(api, f"/data/Contact/{contact['id']}/accounts")
        assert contact["primary_account_id"] in {a["id"] for a in mine}
        assert "@" in contact["email1"]
    users = {u["id"] for u in everything(api, "/data/User")}
    assigned = {c["assigned_user_id"] for c in contacts}
    assert assigned <= users and len(assigned) > 1


def test_opportunities_have_contacts_with_roles(api: ApiClient, demo: dict[str, int]) -> None:
    opportunities = everything(
        api, "/data/Opportunity", fields=["account_id", "amount", "sales_stage", "date_closed"]
    )
    with_roles = 0
    for opp in opportunities:
        assert opp["account_id"] and Decimal(opp["amount"]) > 0 and opp["date_closed"]
        people = everything(
            api, f"/data/Opportunity/{opp['id']}/contacts", fields=["primary_account_id"]
        )
        for person in people:
            assert person["contact_role"] in CONTACT_ROLES
            assert person["primary_account_id"] == opp["account_id"]
        with_roles += bool(people)
    assert with_roles > len(opportunities) // 2
    stages = {o["sales_stage"] for o in opportunities}
    assert len(stages) > 2
    closes = sorted(o["date_closed"] for o in opportunities)
    assert closes[0] < today().isoformat() < closes[-1]  # past and future months


def test_cases_point_at_an_account_and_its_contact(api: ApiClient, demo: dict[str, int]) -> None:
    cases = everything(
        api, "/data/aCase", fields=["account_id", "cust_contact_id", "case_number", "status"]
    )
    assert len({c["case_number"] for c in cases}) == len(cases)
    for case in cases:
        contact = api.get(f"/data/Contact/{case['cust_contact_id']}").json()["record"]
        assert contact["primary_account_id"] == case["account_id"]


def test_activities_have_parents_that_resolve(api: ApiClient, demo: dict[str, int]) -> None:
    parent_types = set()
    for model in ACTIVITIES:
        rows = everything(api, f"/data/{model}", fields=["parent_type", "parent_id", "parent"])
        assert len(rows) == demo[model]
        for row in rows:
            assert row["parent"], f"{model} {row['id']} has no parent name"
            parent = api.get(f"/data/{row['parent_type']}/{row['parent_id']}")
            assert parent.status_code == 200, parent.text
            linked = everything(
                api, f"/data/{row['parent_type']}/{row['parent_id']}/{model.lower()}s"
            )
            assert row["id"] in {r["id"] for r in linked}
            parent_types.add(row["parent_type"])
    assert {"Account", "Contact", "Opportunity"} <= parent_types


def test_projects_have_tasks(api: ApiClient, demo: dict[str, int]) -> None:
    projects = everything(api, "/data/Project", fields=["account_id", "date_starting"])
    for project in projects:
        tasks = everything(
            api,
            f"/data/Project/{project['id']}/project_tasks",
            fields=["order_number", "date_start", "date_due"],
        )
        assert len(tasks) >= 4
        assert sorted(t["order_number"] for t in tasks) == list(range(1, len(tasks) + 1))
        assert all(t["date_start"] <= t["date_due"] for t in tasks)


def dec(value: Any) -> Decimal:
    """An amount as the API gives it (a number or a string) as an exact Decimal."""
    return Decimal(str(value if value is not None else 0))


def whole(api: ApiClient, model: str, record_id: str) -> dict[str, Any]:
    response = api.get(f"/tally/{model}/{record_id}")
    assert response.status_code == 200, response.text
    return dict(response.json())


def test_sales_documents_add_up_to_their_groups(api: ApiClient, demo: dict[str, int]) -> None:
    currencies = {
        c["iso4217"]: c
        for c in everything(api, "/data/Currency", fields=["iso4217", "decimal_places"])
    }
    assert set(currencies) == {"USD", "EUR", "JPY"}
    assert currencies["JPY"]["decimal_places"] == 0
    rates = {r["name"] for r in everything(api, "/data/TaxRate")}
    assert {"VAT 19%", "Sales tax 6.93%"} <= rates
    assert total(api, "/data/Discount") >= 2 and total(api, "/data/ShippingProvider") == 2
    for model in DOCUMENTS:
        documents = everything(api, f"/data/{model}", fields=["name", "currency_id"])
        assert documents, f"the demo has no {model}"
        for document in documents:
            body = whole(api, model, document["id"])
            record, groups = body["record"], body["groups"]
            assert 1 <= len(groups) <= 3
            assert record["billing_account_id"] and record["currency_id"]
            assert dec(record["amount"]) == sum(dec(g["total"]) for g in groups)
            for name in SUMMED:
                assert dec(record[name]) == sum(dec(g[name]) for g in groups), name
            for group in groups:
                assert 1 <= len(group["lines"]) <= 8
                assert all(ln["related_type"] == "ProductCatalog" for ln in group["lines"])
                assert dec(group["subtotal"]) == sum(dec(ln["net_price"]) for ln in group["lines"])
                assert dec(group["total"]) == dec(group["pretax"]) + dec(group["tax"]) > 0
                assert any(a["type"] == "StandardTax" for a in group["adjustments"])
            if record["currency_id"] == currencies["JPY"]["id"]:
                assert dec(record["amount"]) == dec(record["amount"]).to_integral_value()


def test_quotes_become_orders_and_orders_invoices(api: ApiClient, demo: dict[str, int]) -> None:
    quotes = {q["id"]: q for q in everything(api, "/data/Quote", fields=["amount", "quote_stage"])}
    orders = everything(api, "/data/SalesOrder", fields=["quote_id", "amount"])
    invoices = everything(api, "/data/Invoice", fields=["sales_order_id", "amount"])
    assert orders and all(o["quote_id"] in quotes for o in orders)
    for order in orders:
        quote = quotes[order["quote_id"]]
        assert quote["quote_stage"] == "Closed Accepted"
        assert dec(order["amount"]) == dec(quote["amount"])
    by_id = {o["id"]: o for o in orders}
    converted = [i for i in invoices if i["sales_order_id"]]
    assert converted and len(converted) < len(invoices)  # invoices of their own too
    for invoice in converted:
        assert dec(invoice["amount"]) == dec(by_id[invoice["sales_order_id"]]["amount"])
    assert {q["quote_stage"] for q in quotes.values()} - {"Closed Accepted"}  # open ones too


def test_invoices_owe_what_is_not_paid(api: ApiClient, demo: dict[str, int]) -> None:
    paid: dict[str, Decimal] = defaultdict(Decimal)
    for link in everything(api, "/data/invoices_payments", fields=["invoice_id", "amount"]):
        paid[link["invoice_id"]] += dec(link["amount"])
    payments = everything(api, "/data/Payment", fields=["related_invoice_id", "account_id"])
    assert len(payments) == demo["Payment"] == demo["invoices_payments"]
    invoices = everything(
        api, "/data/Invoice", fields=["amount", "amount_due", "billing_account_id"]
    )
    for invoice in invoices:
        assert dec(invoice["amount_due"]) == dec(invoice["amount"]) - paid[invoice["id"]]
    ids = {i["id"]: i for i in invoices}
    for payment in payments:
        assert payment["account_id"] == ids[payment["related_invoice_id"]]["billing_account_id"]
    due = [(dec(i["amount_due"]), dec(i["amount"])) for i in invoices]
    assert any(d == 0 < a for d, a in due)  # paid in full
    assert any(0 < d < a for d, a in due)  # paid in part
    assert any(d == a > 0 for d, a in due)  # not paid yet


def contact_names(services: Services) -> list[tuple[str, str]]:
    page = services.records.list_records(
        SYSTEM,
        "Contact",
        ListQuery(
            fields=["first_name", "last_name", "email1"],
            order=[OrderKey("last_name"), OrderKey("first_name"), OrderKey("email1")],
            limit=200,
        ),
    )
    return [(r["first_name"], r["last_name"], r["email1"]) for r in page.records]


def amounts(services: Services) -> list[Decimal]:
    page = services.records.list_records(
        SYSTEM, "Opportunity", ListQuery(fields=["amount"], limit=200)
    )
    return sorted(Decimal(r["amount"]) for r in page.records)


def invoice_amounts(services: Services) -> list[tuple[Any, Any]]:
    page = services.records.list_records(
        SYSTEM, "Invoice", ListQuery(fields=["amount", "amount_due"], limit=200)
    )
    return sorted((r["amount"], r["amount_due"]) for r in page.records)


def second_services(tmp_path: Path, name: str) -> Services:
    svc = build_services(Settings(database_url=f"sqlite:///{tmp_path / name}", log_level="WARNING"))
    migrate(svc.db)
    return svc


def test_same_seed_gives_the_same_data(services: Services, tmp_path: Path) -> None:
    first = load_demo(services, contacts=24, seed=11)
    other = second_services(tmp_path, "second.db")
    different = second_services(tmp_path, "third.db")
    try:
        assert load_demo(other, contacts=24, seed=11) == first
        assert contact_names(other) == contact_names(services)
        assert amounts(other) == amounts(services)
        assert invoice_amounts(other) == invoice_amounts(services)
        load_demo(different, contacts=24, seed=12)
        assert contact_names(different) != contact_names(services)
    finally:
        other.close()
        different.close()


def test_loading_twice_reuses_the_sales_reps(services: Services) -> None:
    assert load_demo(services, contacts=8, seed=3)["User"] == 4
    again = load_demo(services, contacts=8, seed=3)
    assert again["User"] == 0 and again["Contact"] == 8
    assert "Currency" not in again and "TaxRate" not in again  # the catalog is reused
    assert again["Quote"] >= 1
    assert len(services.auth.list_users()) == 4
    assert services.records.list_records(SYSTEM, "Contact", ListQuery(limit=1)).total_results == 16


def test_needs_at_least_one_contact(services: Services) -> None:
    with pytest.raises(BadRequest):
        load_demo(services, contacts=0)
