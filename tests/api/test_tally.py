"""Tally objects over HTTP: the 1CRM PHP client's documented examples written part by part
on /data, the whole object on /tally (read, write with computed totals, convert), and the
seed's Invoice list filters."""

from __future__ import annotations

from typing import Any

from tests.conftest import ApiClient, User


def create(api: ApiClient, model: str, data: dict[str, Any]) -> str:
    response = api.post(f"/data/{model}", json={"data": data})
    assert response.status_code == 200, response.text
    return str(response.json()["id"])


def account(api: ApiClient, name: str = "Microsoft") -> str:
    return create(api, "Account", {"name": name})


def test_the_php_clients_invoice_example_works_part_by_part(api: ApiClient) -> None:
    billing = account(api)
    contact = create(api, "Contact", {"first_name": "Ann", "last_name": "Buyer"})
    invoice = create(
        api,
        "Invoice",
        {
            "name": "Test Invoice",
            "shipping_stage": "Pending",
            "terms": "Net 30",
            "description": "Created through the API",
            "invoice_date": "2020-01-15",
            "due_date": "2020-02-14",
            "billing_contact_id": contact,
            "billing_account_id": billing,
            "amount": "224.55",
            "amount_due": "224.55",
        },
    )
    group = create(
        api,
        "InvoiceLineGroup",
        {
            "parent_id": invoice,
            "name": "Group 1",
            "position": "1",
            "status": "Draft",
            "cost": "100.00",
            "subtotal": "210.00",
            "total": "224.55",
            "group_type": "products",
        },
    )
    product = create(api, "Product", {"name": "Widget", "list_price": "210.00"})
    line = create(
        api,
        "InvoiceLine",
        {
            "invoice_id": invoice,
            "line_group_id": group,
            "name": "Widget",
            "position": "9",
            "quantity": "1",
            "related_type": "ProductCatalog",
            "related_id": product,
            "mfr_part_no": "W-1",
            "tax_class_id": "standard-tax_-code-0000-000000000001",
            "cost_price": "100.00",
            "list_price": "210.00",
            "unit_price": "210.00",
            "net_price": "210.00",
        },
    )
    rate = create(api, "TaxRate", {"name": "Sales tax", "rate": "6.93"})
    create(
        api,
        "InvoiceAdjustment",
        {
            "invoice_id": invoice,
            "line_group_id": group,
            "line_id": None,
            "name": "Sales tax",
            "position": "1",
            "related_type": "TaxRates",
            "related_id": rate,
            "rate": "6.93",
            "type": "StandardTax",
            "amount": "14.55",
        },
    )
    payment = create(
        api,
        "Payment",
        {
            "account_id": billing,
            "direction": "incoming",
            "payment_date": "2020-01-20",
            "payment_type": "Credit Card",
            "amount": "224.55",
            "total_amount": "224.55",
            "related_invoice_id": invoice,
            "applied_amount": "224.55",
        },
    )
    create(
        api, "invoices_payments", {"payment_id": payment, "invoice_id": invoice, "amount": "224.55"}
    )
    done = api.patch(f"/data/Invoice/{invoice}", json={"data": {"amount_due": 0}})
    assert done.status_code == 200, done.text

    record = api.get(f"/data/Invoice/{invoice}").json()["record"]
    assert record["amount"] in ("224.55", 224.55)  # as the client wrote it
    assert record["billing_account"] == "Microsoft"
    assert record["full_number"].startswith("INV-")
    whole = api.get(f"/tally/Invoice/{invoice}")
    assert whole.status_code == 200, whole.text
    body = whole.json()
    assert body["record"]["id"] == invoice
    (only,) = body["groups"]
    assert only["id"] == group
    assert [ln["id"] for ln in only["lines"]] == [line]
    assert only["adjustments"][0]["type"] == "StandardTax"
    assert only["comments"] == []
    linked = api.get(f"/data/Invoice/{invoice}/payments").json()
    assert linked["total_results"] == 1


def test_a_whole_invoice_is_written_at_once_and_totalled_exactly(api: ApiClient) -> None:
    billing = account(api, "Contoso")
    body = {
        "record": {"name": "Big order", "billing_account_id": billing, "due_date": "2026-01-31"},
        "groups": [
            {
                "name": "Hardware",
                "lines": [
                    {"name": "Cable", "quantity": "3", "unit_price": "19.99"},
                    {
                        "name": "Router",
                        "quantity": 1,
                        "unit_price": 149.5,
                        "adjustments": [{"type": "StdPercentDiscount", "rate": "10"}],
                    },
                ],
                "comments": [{"body": "Delivered in one box", "position": 2}],
                "adjustments": [
                    {"type": "StandardTax", "name": "VAT", "rate": "19"},
                    {"type": "UntaxedShipping", "name": "Post", "amount": "4.90"},
                ],
            }
        ],
    }
    made = api.post("/tally/Invoice", json=body)
    assert made.status_code == 200, made.text
    answer = made.json()
    record = answer["record"]
    # 3 x 19.99 = 59.97; 149.50 - 14.95 = 134.55; subtotal 194.52; VAT 19 % = 36.96
    assert str(record["subtotal"]) == "194.52"
    assert str(record["tax"]) == "36.96"
    assert str(record["shipping"]) == "4.9" or str(record["shipping"]) == "4.90"
    assert str(record["amount"]) in ("236.38",)
    assert str(record["amount_due"]) == "236.38"
    (group,) = answer["groups"]
    assert [ln["name"] for ln in group["lines"]] == ["Cable", "Router"]
    router = group["lines"][1]
    assert str(router["net_price"]) in ("134.55",)
    (discount,) = [a for a in group["adjustments"] if a["type"] == "StdPercentDiscount"]
    assert discount["line_id"] == router["id"]

    invoice = answer["id"]
    group["lines"] = group["lines"][:1]  # the router goes, its discount with it
    group["adjustments"] = [a for a in group["adjustments"] if a["line_id"] is None]
    replaced = api.put(f"/tally/Invoice/{invoice}", json={"record": {}, "groups": [group]})
    assert replaced.status_code == 200, replaced.text
    again = api.get(f"/tally/Invoice/{invoice}").json()
    assert str(again["record"]["subtotal"]) == "59.97"
    assert len(again["groups"][0]["lines"]) == 1
    assert api.get(f"/data/InvoiceLine/{router['id']}").status_code == 404


def test_a_quote_converts_into_an_order_and_then_an_invoice(api: ApiClient) -> None:
    body = {
        "record": {"name": "Offer", "billing_account_id": account(api, "Fabrikam")},
        "groups": [
            {"name": "Items", "lines": [{"name": "Seat", "quantity": 2, "unit_price": "50"}]}
        ],
    }
    quote = api.post("/tally/Quote", json=body).json()["id"]
    order = api.post(f"/tally/Quote/{quote}/convert", json={})
    assert order.status_code == 200, order.text
    assert order.json()["model"] == "SalesOrder"
    order_id = order.json()["id"]
    made = api.get(f"/tally/SalesOrder/{order_id}").json()
    assert made["record"]["quote_id"] == quote
    assert str(made["record"]["amount"]) in ("100.00", "100.0", "100")
    assert made["groups"][0]["lines"][0]["name"] == "Seat"
    invoice = api.post(f"/tally/SalesOrder/{order_id}/convert", json={"to": "Invoice"})
    assert invoice.status_code == 200, invoice.text
    bad = api.post(f"/tally/Invoice/{invoice.json()['id']}/convert", json={"to": "Quote"})
    assert bad.status_code == 400


def test_invoice_numbers_are_found_by_filter_text(api: ApiClient) -> None:
    invoice = create(api, "Invoice", {"name": "Numbered", "prefix": "2020-"})
    number = api.get(f"/data/Invoice/{invoice}").json()["record"]["full_number"]
    assert number.startswith("2020-")
    found = api.get("/data/Invoice", params={"filter_text": number}).json()
    assert invoice in [r["id"] for r in found["records"]]


def test_a_documents_parts_follow_its_assignment(api: ApiClient, admin: User) -> None:
    other = create(api, "User", {"user_name": "seller", "last_name": "Seller"})
    body = {"record": {"name": "Assigned"}, "groups": [{"lines": [{"name": "A"}]}]}
    made = api.post("/tally/Invoice", json=body).json()
    line = made["groups"][0]["lines"][0]
    assert line["assigned_user_id"] == admin.id
    moved = api.patch(f"/data/Invoice/{made['id']}", json={"data": {"assigned_user_id": other}})
    assert moved.status_code == 200, moved.text
    after = api.get(f"/tally/Invoice/{made['id']}").json()
    assert after["groups"][0]["assigned_user_id"] == other
    assert after["groups"][0]["lines"][0]["assigned_user_id"] == other
