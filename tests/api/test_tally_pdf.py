"""Tally totals agree everywhere a user sees them: what POST /tally answers, what GET /tally
and /data store, and what the printed PDF says, to the cent, for random documents; and
/printer/pdf over HTTP: record sheets, file names, German formatting, unreadable records."""

from __future__ import annotations

import io
import re
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from pypdf import PdfReader

from amity.core.services import Services
from amity.core.tally import totals as t
from tests.api.test_tally import account, create
from tests.conftest import ApiClient, User
from tests.core.tally_strategies import documents

CENT = Decimal("0.01")


def cents(value: Decimal) -> Decimal:
    """A price or amount as the wire takes it: currency fields hold 2 places."""
    return value.quantize(CENT, rounding=ROUND_HALF_UP)


def on_the_wire(doc: t.DocumentIn) -> tuple[t.DocumentIn, dict[str, Any]]:
    """The document with prices and amounts in cents (what the engine must then total),
    and the body of POST /tally/Invoice that writes it: numbers as strings, a line's
    adjustments inside the line, the group's own in the group."""
    groups, body_groups = [], []
    for group in doc.groups:
        lines = tuple(
            t.LineIn(
                ln.key,
                ln.quantity,
                cents(ln.unit_price),
                None if ln.cost_price is None else cents(ln.cost_price),
            )
            for ln in group.lines
        )
        adjustments = tuple(
            t.AdjustmentIn(
                a.key,
                a.type,
                a.rate,
                None if a.amount is None else cents(a.amount),
                a.line_key,
            )
            for a in group.adjustments
        )
        # the server applies the group's adjustments first, then each line's: so does the oracle
        ordered = tuple(a for a in adjustments if a.line_key is None) + tuple(
            a for ln in lines for a in adjustments if a.line_key == ln.key
        )
        groups.append(t.GroupIn(group.key, lines, ordered))

        def wire(a: t.AdjustmentIn) -> dict[str, Any]:
            out: dict[str, Any] = {"type": a.type, "name": a.key}
            if a.rate is not None:
                out["rate"] = str(a.rate)
            if a.amount is not None:
                out["amount"] = str(a.amount)
            return out

        body_groups.append(
            {
                "name": group.key,
                "lines": [
                    {
                        "name": ln.key,
                        "quantity": str(ln.quantity),
                        "unit_price": str(ln.unit_price),
                        **({} if ln.cost_price is None else {"cost_price": str(ln.cost_price)}),
                        "adjustments": [wire(a) for a in ordered if a.line_key == ln.key],
                    }
                    for ln in lines
                ],
                "adjustments": [wire(a) for a in ordered if a.line_key is None],
            }
        )
    oracle = t.DocumentIn(groups=tuple(groups), decimals=2, payments=Decimal(0))
    return oracle, {"record": {"name": "Random"}, "groups": body_groups}


def dec(value: Any) -> Decimal:
    return Decimal(str(value))


def pdf_text(data: bytes) -> str:
    """All pages' text, spaces normalised (no-break spaces too)."""
    reader = PdfReader(io.BytesIO(data))
    return " ".join(
        " ".join(page.extract_text().replace("\xa0", " ").split()) for page in reader.pages
    )


def en(amount: Decimal) -> str:
    return f"{amount:,.2f}"


def de(amount: Decimal) -> str:
    return en(amount).translate(str.maketrans({",": ".", ".": ","}))


@settings(
    max_examples=25,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(doc=documents(decimals=2))
def test_totals_agree_in_the_answer_the_stored_parts_and_the_pdf(
    api: ApiClient, doc: t.DocumentIn
) -> None:
    oracle, body = on_the_wire(doc)
    expected = t.compute(oracle)
    made = api.post("/tally/Invoice", json=body)
    assert made.status_code == 200, made.text
    invoice = made.json()["id"]
    whole = api.get(f"/tally/Invoice/{invoice}").json()
    record = whole["record"]
    for name in ("subtotal", "discount", "shipping", "pretax", "tax", "amount", "amount_due"):
        want = expected.amount_due if name == "amount_due" else getattr(expected, name)
        assert dec(record[name]) == want, (name, record[name], want)
    assert dec(made.json()["record"]["amount"]) == expected.amount

    line_sum = tax_sum = Decimal(0)
    for g_index, group in enumerate(whole["groups"]):
        stored = api.get(f"/data/InvoiceLineGroup/{group['id']}").json()["record"]
        want_group = expected.groups[oracle.groups[g_index].key]
        assert dec(stored["subtotal"]) == want_group.subtotal
        assert dec(stored["tax"]) == want_group.tax
        assert dec(stored["total"]) == want_group.total
        for l_index, line in enumerate(group["lines"]):
            row = api.get(f"/data/InvoiceLine/{line['id']}").json()["record"]
            want_line = expected.lines[oracle.groups[g_index].lines[l_index].key]
            assert dec(row["net_price"]) == want_line.net_price
            assert dec(row["tax"]) == want_line.tax
            line_sum += dec(row["net_price"])
        for adj in group["adjustments"]:
            if adj["type"] == "StandardTax":
                tax_sum += dec(
                    api.get(f"/data/InvoiceAdjustment/{adj['id']}").json()["record"]["amount"]
                )
    # the parts add up to the document, to the cent
    assert line_sum == expected.subtotal
    assert tax_sum == expected.tax

    printed = api.get(f"/printer/pdf/Invoice/{invoice}", headers={"Accept-Language": "en"})
    assert printed.status_code == 200, printed.text
    assert printed.headers["content-type"] == "application/pdf"
    text = pdf_text(printed.content)
    assert f"Subtotal {en(expected.subtotal)}" in text
    assert f"Tax {en(expected.tax)}" in text
    assert re.search(rf"Total -?\$?{re.escape(en(abs(expected.amount)))}", text), text[-400:]


def test_the_pdf_is_named_after_the_invoice_number_and_speaks_german(api: ApiClient) -> None:
    body = {
        "record": {"name": "Big order", "billing_account_id": account(api, "Contoso")},
        "groups": [
            {
                "name": "Hardware",
                "lines": [{"name": "Server", "quantity": "2", "unit_price": "1234.50"}],
                "adjustments": [{"type": "StandardTax", "name": "VAT", "rate": "19"}],
            }
        ],
    }
    made = api.post("/tally/Invoice", json=body).json()
    number = made["record"]["full_number"]
    assert number.startswith("INV-")
    english = api.get(f"/printer/pdf/Invoice/{made['id']}", headers={"Accept-Language": "en-US"})
    assert english.status_code == 200, english.text
    disposition = english.headers["content-disposition"]
    assert f'filename="Invoice-{number}.pdf"' in disposition
    text = pdf_text(english.content)
    # 2 x 1,234.50 = 2,469.00; VAT 19 % = 469.11; total 2,938.11
    for amount in ("2,469.00", "469.11", "$2,938.11"):
        assert amount in text, amount
    assert "Contoso" in text and number in text

    german = api.get(
        f"/printer/pdf/Invoice/{made['id']}", headers={"Accept-Language": "de-DE,de;q=0.9"}
    )
    assert german.status_code == 200, german.text
    text = pdf_text(german.content)
    for amount in (de(Decimal("2469.00")), de(Decimal("469.11")), "2.938,11 $"):
        assert amount in text, amount
    assert "2,469.00" not in text
    assert "Rechnung" in text  # the title in German


def test_a_record_that_is_no_tally_object_prints_as_a_record_sheet(api: ApiClient) -> None:
    acme = create(
        api,
        "Account",
        {"name": "Acme Rockets", "phone_office": "555 0199", "industry": "Manufacturing"},
    )
    printed = api.get(f"/printer/pdf/Account/{acme}")
    assert printed.status_code == 200, printed.text
    assert printed.content.startswith(b"%PDF-")
    assert 'filename="Account-Acme Rockets.pdf"' in printed.headers["content-disposition"]
    text = pdf_text(printed.content)
    for shown in ("Acme Rockets", "555 0199", "Manufacturing"):
        assert shown in text, shown


@pytest.fixture
def staff(services: Services, admin: User) -> str:
    """A token of a user whose role reads only owned invoices (and everything else)."""
    actor = admin.actor
    services.auth.add_user(actor, "sam", None, last_name="Staff")
    services.acl.add_role(
        actor,
        "sales",
        rights={
            "*": {"access": True, "read": "all", "edit": "all", "delete": "all"},
            "Invoice": {"access": True, "read": "owned", "edit": "owned", "delete": "owned"},
        },
    )
    services.acl.assign_role(actor, "sales", ["sam"])
    return services.auth.create_token("sam", "tests")[1]


def test_an_invoice_the_user_may_not_read_prints_as_not_found(
    api: ApiClient, app: Any, staff: str
) -> None:
    body = {"record": {"name": "Not yours"}, "groups": [{"name": "G", "lines": [{"name": "x"}]}]}
    invoice = api.post("/tally/Invoice", json=body).json()["id"]  # the admin's
    sam = ApiClient(app, {"Authorization": f"Bearer {staff}"})
    try:
        for url in (f"/printer/pdf/Invoice/{invoice}", "/printer/pdf/Invoice/no-such-id"):
            answer = sam.get(url)
            assert answer.status_code == 404, answer.text
            assert set(answer.json()) == {"error", "message", "hint"}
        assert sam.get(f"/tally/Invoice/{invoice}").status_code == 404
        own = sam.post("/tally/Invoice", json=body)
        assert own.status_code == 200, own.text
        assert sam.get(f"/printer/pdf/Invoice/{own.json()['id']}").status_code == 200
    finally:
        sam.close()
