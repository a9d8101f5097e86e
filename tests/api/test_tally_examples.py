"""The 1CRM PHP client's documented tally examples replayed over HTTP (a quote and a sales
order written part by part, read back through the four links with `fields`), the seed's
Invoice list filters, and document numbers under concurrent creates."""

from __future__ import annotations

import asyncio
from concurrent.futures import ThreadPoolExecutor
from datetime import date, timedelta
from decimal import Decimal
from typing import Any

import httpx

from tests.api.test_tally import account, create
from tests.conftest import ApiClient, User

TAX_CODE = "standard-tax_-code-0000-000000000001"


def written_part_by_part(api: ApiClient, kind: str, parent_column: str) -> dict[str, Any]:
    """A document of `kind` made as the PHP client's invoice example makes one: the record,
    a group, a line, a comment, a tax and a taxed shipping; the ids and what was sent."""
    billing = account(api, f"{kind} buyer")
    record = create(
        api,
        kind,
        {"name": f"Test {kind}", "billing_account_id": billing, "amount": "235.45"},
    )
    group_values = {
        "parent_id": record,
        "name": "Group 1",
        "position": "1",
        "status": "Draft",
        "cost": "100.00",
        "subtotal": "210.00",
        "total": "235.45",
        "group_type": "products",
    }
    group = create(api, f"{kind}LineGroup", group_values)
    line_values = {
        parent_column: record,
        "line_group_id": group,
        "name": "Widget",
        "position": "9",
        "quantity": "2",
        "related_type": "ProductCatalog",
        "mfr_part_no": "W-1",
        "tax_class_id": TAX_CODE,
        "cost_price": "50.00",
        "list_price": "105.00",
        "unit_price": "105.00",
        "net_price": "210.00",
    }
    line = create(api, f"{kind}Line", line_values)
    comment_values = {
        parent_column: record,
        "line_group_id": group,
        "position": "3",
        "body": "Handle with care",
    }
    comment = create(api, f"{kind}Comment", comment_values)
    tax_values = {
        parent_column: record,
        "line_group_id": group,
        "line_id": None,
        "name": "Sales tax",
        "position": "1",
        "related_type": "TaxRates",
        "rate": "6.93",
        "type": "StandardTax",
        "amount": "14.55",
    }
    tax = create(api, f"{kind}Adjustment", tax_values)
    shipping_values = {
        parent_column: record,
        "line_group_id": group,
        "line_id": None,
        "name": "Courier",
        "position": "2",
        "related_type": "ShippingProviders",
        "type": "TaxedShipping",
        "tax_class_id": TAX_CODE,
        "amount": "10.90",
    }
    shipping = create(api, f"{kind}Adjustment", shipping_values)
    return {
        "record": record,
        "parts": {
            f"{kind}LineGroup": (group, group_values),
            f"{kind}Line": (line, line_values),
            f"{kind}Comment": (comment, comment_values),
            f"{kind}Adjustment": (tax, tax_values),
            f"{kind}Adjustment2": (shipping, shipping_values),
        },
    }


def same(stored: Any, sent: Any) -> bool:
    """A stored value equals what was sent (numbers may come back as numbers or strings
    with more places: "1" and 1, "2" and "2.0000")."""
    if sent is None or stored is None:
        return stored == sent
    try:
        return Decimal(str(stored)) == Decimal(str(sent))
    except ArithmeticError:
        return str(stored) == str(sent)


def check_stored_as_written(api: ApiClient, made: dict[str, Any]) -> None:
    for model, (part_id, sent) in made["parts"].items():
        model = model.removesuffix("2")
        stored = api.get(f"/data/{model}/{part_id}")
        assert stored.status_code == 200, stored.text
        record = stored.json()["record"]
        for name, value in sent.items():
            assert same(record[name], value), (model, name, record[name], value)


def test_a_quote_written_like_the_invoice_example_is_stored_as_written(api: ApiClient) -> None:
    made = written_part_by_part(api, "Quote", "quote_id")
    check_stored_as_written(api, made)
    whole = api.get(f"/tally/Quote/{made['record']}").json()
    (group,) = whole["groups"]
    assert [a["type"] for a in group["adjustments"]] == ["StandardTax", "TaxedShipping"]
    assert group["adjustments"][1]["tax_class_id"] == TAX_CODE
    assert [c["body"] for c in group["comments"]] == ["Handle with care"]
    # /data writes store amounts as sent: nothing is recomputed behind the client's back
    assert same(whole["record"]["amount"], "235.45")


def test_a_sales_order_uses_the_plural_sales_orders_id(api: ApiClient) -> None:
    made = written_part_by_part(api, "SalesOrder", "sales_orders_id")
    check_stored_as_written(api, made)
    whole = api.get(f"/tally/SalesOrder/{made['record']}").json()
    (group,) = whole["groups"]
    assert [ln["name"] for ln in group["lines"]] == ["Widget"]
    assert group["lines"][0]["sales_orders_id"] == made["record"]


def test_a_quotes_structure_reads_through_the_four_links_with_fields(api: ApiClient) -> None:
    made = written_part_by_part(api, "Quote", "quote_id")
    quote = made["record"]
    expected = {
        "line_groups_link": ["Group 1"],
        "lines_link": ["Widget"],
        "comments_link": [None],
        "adjustments_link": ["Sales tax", "Courier"],
    }
    for link, names in expected.items():
        answer = api.get(f"/data/Quote/{quote}/{link}", params={"fields[]": ["name", "position"]})
        assert answer.status_code == 200, (link, answer.text)
        body = answer.json()
        assert body["total_results"] == len(names), link
        rows = sorted(body["records"], key=lambda r: int(r["position"]))
        assert [r["name"] for r in rows] == names, link  # in position order
        for row in rows:
            assert {"id", "name", "position"} <= set(row), (link, row)
            assert "body" not in row and "amount" not in row, (link, row)
    positions = api.get(
        f"/data/Quote/{quote}/adjustments_link", params={"fields[]": ["name", "position"]}
    ).json()["records"]
    assert {r["name"]: int(r["position"]) for r in positions} == {"Sales tax": 1, "Courier": 2}
    line = api.get(f"/data/Quote/{quote}/lines_link", params={"fields[]": ["position"]}).json()
    assert int(line["records"][0]["position"]) == 9  # as written, not renumbered


# -- the seed's Invoice list filters ---------------------------------------------------
def ids(api: ApiClient, params: dict[str, Any]) -> set[str]:
    answer = api.get("/data/Invoice", params={"limit": 200, **params})
    assert answer.status_code == 200, answer.text
    return {r["id"] for r in answer.json()["records"]}


def test_the_seeds_invoice_list_filters(api: ApiClient) -> None:
    microsoft, other = account(api, "Microsoft"), account(api, "Initech")
    today = date.today()
    monday = today - timedelta(days=today.weekday())
    last_week = monday - timedelta(days=3)

    def invoice(name: str, billing: str, due: date | None, **extra: Any) -> str:
        data = {"name": name, "billing_account_id": billing, **extra}
        if due is not None:
            data["due_date"] = str(due)
        return create(api, "Invoice", data)

    numbered = invoice("Numbered", microsoft, today, prefix="2020-", invoice_number=100)
    earlier = invoice("Earlier", other, today - timedelta(days=30))
    last = invoice("Last week", other, last_week)
    undated = invoice("Undated", microsoft, None)

    record = api.get(f"/data/Invoice/{numbered}").json()["record"]
    assert record["full_number"] == "2020-100"
    assert int(record["invoice_number"]) == 100
    assert ids(api, {"filter_text": "2020-100"}) == {numbered}
    assert ids(api, {"filters[billing_account]": "Microsoft"}) == {numbered, undated}
    assert ids(api, {"filters[billing_account_id]": other}) == {earlier, last}

    def due(value: str = "", **ops: str) -> set[str]:
        params = {f"filters[due_date-{k}]": v for k, v in ops.items()}
        if value:
            params["filters[due_date]"] = value
        return ids(api, params)

    assert due(str(today)) == {numbered}  # on_date is the default
    assert due(str(today), operator="on_date") == {numbered}
    assert due(str(today), operator="before_date") == {earlier, last}
    assert due(operator="empty") == {undated}
    assert due(str(today - timedelta(days=31)), operator="between_dates", end=str(last_week)) == {
        earlier,
        last,
    }
    assert due(operator="period_prev", period="week") == {last}


# -- numbers under concurrent creates --------------------------------------------------
def test_concurrent_creates_never_share_an_invoice_number(
    app: Any, admin: User, api: ApiClient
) -> None:
    """40 invoices from 8 threads at once, half on /data and half on /tally."""

    def make(n: int) -> httpx.Response:
        async def one() -> httpx.Response:
            async with httpx.AsyncClient(
                transport=httpx.ASGITransport(app=app),
                base_url="http://testserver/api.php",
                headers={"Authorization": f"Bearer {admin.token}"},
                timeout=120,
            ) as client:
                if n % 2:
                    return await client.post("/data/Invoice", json={"data": {"name": f"I{n}"}})
                body = {
                    "record": {"name": f"I{n}"},
                    "groups": [{"name": "G", "lines": [{"name": "x", "unit_price": "1.10"}]}],
                }
                return await client.post("/tally/Invoice", json=body)

        return asyncio.run(one())

    with ThreadPoolExecutor(max_workers=8) as pool:
        answers = list(pool.map(make, range(40)))
    assert [a.status_code for a in answers] == [200] * 40, [a.text for a in answers][:3]
    made = [a.json()["id"] for a in answers]
    assert len(set(made)) == 40
    numbers = []
    for invoice in made:
        record = api.get(f"/data/Invoice/{invoice}").json()["record"]
        numbers.append(int(record["invoice_number"]))
        assert record["full_number"] == f"INV-{record['invoice_number']}"
    assert len(set(numbers)) == 40, sorted(numbers)
