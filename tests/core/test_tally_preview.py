"""Tally.preview: the amounts a save would write, in the shape of the body, nothing
written (what the dashboard's line editor shows as the user types)."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

import pytest

from amity.core.records import ListQuery
from amity.core.services import Services
from amity.errors import BadRequest
from tests.conftest import User

BODY: dict[str, Any] = {
    "record": {"name": "Preview"},
    "groups": [
        {
            "name": "Hardware",
            "lines": [
                {"name": "Cable", "quantity": "3", "unit_price": "19.99"},
                {
                    "name": "Router",
                    "quantity": 1,
                    "unit_price": "149.50",
                    "adjustments": [{"type": "StdPercentDiscount", "name": "P", "rate": "10"}],
                },
            ],
            "adjustments": [
                {"type": "StandardTax", "name": "VAT", "rate": "19"},
                {"type": "UntaxedShipping", "name": "Post", "amount": "4.90"},
            ],
        },
        {"name": "Services", "lines": [{"name": "Setup", "unit_price": "-10.00"}]},
    ],
}


def test_preview_gives_what_a_save_writes(services: Services, admin: User) -> None:
    shown = services.tally.preview(admin.actor, "Invoice", None, BODY)
    assert (
        services.records.list_records(admin.actor, "Invoice", ListQuery(limit=1)).total_results == 0
    )
    invoice = services.tally.save(admin.actor, "Invoice", None, BODY)
    saved = services.tally.get(admin.actor, "Invoice", invoice)
    record = saved["record"]
    for name in ("subtotal", "discount", "shipping", "pretax", "tax", "amount", "amount_due"):
        assert shown["record"][name] == Decimal(str(record[name])), name
    assert shown["record"]["amount"] == Decimal("226.38")
    for group, stored in zip(shown["groups"], saved["groups"], strict=True):
        assert group["total"] == Decimal(str(stored["total"]))
        for line, row in zip(group["lines"], stored["lines"], strict=True):
            assert line["net_price"] == Decimal(str(row["net_price"]))
    router = shown["groups"][0]["lines"][1]
    assert router["adjustments"][0]["amount"] == Decimal("14.95")  # the line's own discount
    assert [a["amount"] for a in shown["groups"][0]["adjustments"]] == [
        Decimal("36.96"),
        Decimal("4.90"),
    ]


def test_preview_of_a_stored_document_counts_its_payments(services: Services, admin: User) -> None:
    invoice = services.tally.save(admin.actor, "Invoice", None, BODY)
    payment = services.records.create(admin.actor, "Payment", {"amount": "26.38"})
    services.records.create(
        admin.actor,
        "invoices_payments",
        {"payment_id": payment, "invoice_id": invoice, "amount": "26.38"},
    )
    whole = services.tally.get(admin.actor, "Invoice", invoice)
    shown = services.tally.preview(admin.actor, "Invoice", invoice, whole)
    assert shown["record"]["payments"] == Decimal("26.38")
    assert shown["record"]["amount_due"] == Decimal("200.00")


def test_preview_refuses_what_cannot_be_totalled(services: Services, admin: User) -> None:
    bad = {"groups": [{"lines": [{"name": "X", "quantity": "many"}]}]}
    with pytest.raises(BadRequest):
        services.tally.preview(admin.actor, "Invoice", None, bad)
