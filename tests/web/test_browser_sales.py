"""Browser flows over sales documents: an invoice made in the line editor (a line from the
catalog, totals from the server as the user types), a payment, a conversion, the PDF."""

from __future__ import annotations

import re
import uuid
from typing import Any

from playwright.sync_api import expect

from amity.schema.builtin.catalog import STANDARD_TAX_CODE_ID
from tests.web.conftest import LiveSite

LINES_URL = re.compile(r"/app/(\w+)/([0-9a-f-]{36})/lines$")


def document(site: LiveSite, model: str, name: str) -> str:
    """A document of one group, a 59.97 cable line and 19 % tax (71.36), made through the
    core as an integration would."""
    return site.services.tally.save(
        site.world.world.admin,
        model,
        None,
        {
            "record": {"name": name},
            "groups": [
                {
                    "name": "Hardware",
                    "lines": [{"name": "Cable", "quantity": "3", "unit_price": "19.99"}],
                    "adjustments": [{"type": "StandardTax", "name": "VAT", "rate": "19"}],
                }
            ],
        },
    )


def test_create_an_invoice_with_lines_from_the_catalog(
    admin_page: Any, live_site: LiveSite
) -> None:
    page = admin_page
    product = f"Flow Router {uuid.uuid4().hex[:6]}"
    live_site.world.world.create(
        "Product", {"name": product, "list_price": "149.50", "tax_code_id": STANDARD_TAX_CODE_ID}
    )
    page.goto("/app/Invoice/new/lines")
    page.fill("#f-name", "Flow invoice")
    page.fill("#g0-name", "Hardware")
    page.fill("#g0-l0-product", product)  # the catalog's suggestion fills the line
    expect(page.locator("#g0-l0-name")).to_have_value(product)
    expect(page.locator("#g0-l0-unit_price")).to_have_value("149.50")
    expect(page.locator("#g0-l0-tax_class_id")).to_have_value(STANDARD_TAX_CODE_ID)
    expect(page.locator("#total-amount")).to_have_text("149.50")
    page.click("#g0-add-line")  # a second line (the form comes back with all typed)
    expect(page.locator("#g0-l0-name")).to_have_value(product)
    page.fill("#g0-l1-name", "Cable")
    page.fill("#g0-l1-quantity", "3")
    page.fill("#g0-l1-unit_price", "19.99")
    expect(page.locator("#total-amount")).to_have_text("209.47")  # 149.50 + 59.97
    page.fill("#g0-l1-quantity", "4")
    expect(page.locator("#g0-l1-ext_price")).to_have_text("79.96")
    expect(page.locator("#total-amount")).to_have_text("229.46")
    page.click("#save-lines")
    page.wait_for_url(LINES_URL)
    page.reload()
    expect(page.locator("#g0-name")).to_have_value("Hardware")
    expect(page.locator("#g0-l0-name")).to_have_value(product)
    expect(page.locator("#g0-l1-quantity")).to_have_value("4")
    expect(page.locator("#total-amount")).to_have_text("229.46")
    invoice = LINES_URL.search(page.url)
    assert invoice is not None
    stored = live_site.services.records.get(
        live_site.world.world.admin, "Invoice", invoice.group(2)
    )
    assert str(stored["amount"]) == "229.46"


def test_record_a_payment_and_see_the_amount_due(admin_page: Any, live_site: LiveSite) -> None:
    page = admin_page
    invoice = document(live_site, "Invoice", "Flow payment")
    page.goto(f"/app/Invoice/{invoice}/lines")
    expect(page.locator("#amount-due")).to_have_text("71.36")
    page.fill("#p-amount", "50.00")
    page.select_option("#p-payment_type", "Bank Transfer")
    page.click("#record-payment")
    expect(page.locator("#amount-due")).to_have_text("21.36")
    expect(page.locator("#total-amount_due")).to_have_text("21.36")
    expect(page.locator("#payment-list tbody tr")).to_have_count(1)


def test_convert_a_quote_into_an_invoice(admin_page: Any, live_site: LiveSite) -> None:
    page = admin_page
    quote = document(live_site, "Quote", "Flow quote")
    page.goto(f"/app/Quote/{quote}/lines")
    page.click("#convert-Invoice")
    page.wait_for_url(re.compile(r"/app/Invoice/[0-9a-f-]{36}/lines$"))
    expect(page.locator("#g0-l0-name")).to_have_value("Cable")
    expect(page.locator("#total-amount")).to_have_text("71.36")
    expect(page.locator("#amount-due")).to_have_text("71.36")


def test_open_the_pdf(admin_page: Any, live_site: LiveSite) -> None:
    page = admin_page
    invoice = document(live_site, "Invoice", "Flow PDF")
    page.goto(f"/app/Invoice/{invoice}/lines")
    href = page.get_attribute("#open-pdf", "href")
    assert href == f"/app/Invoice/{invoice}/pdf"
    answer = page.request.get(href)
    assert answer.status == 200
    assert answer.headers["content-type"] == "application/pdf"
    assert answer.body().startswith(b"%PDF")


def test_discounts_taxes_and_shipping(admin_page: Any, live_site: LiveSite) -> None:
    page = admin_page
    invoice = document(live_site, "Invoice", "Flow adjustments")
    page.goto(f"/app/Invoice/{invoice}/lines")
    expect(page.locator("#total-amount")).to_have_text("71.36")  # 59.97 + 19 % tax
    page.click("#g0-add-adjustment")
    page.select_option("#g0-a1-type", "UntaxedShipping")
    page.fill("#g0-a1-amount-input", "4.90")
    expect(page.locator("#total-amount")).to_have_text("76.26")
    page.click("#g0-l0-add-adjustment")  # a discount of the line
    page.select_option("#g0-l0-a0-type", "StdPercentDiscount")
    page.fill("#g0-l0-a0-rate", "10")
    expect(page.locator("#g0-l0-discount")).to_have_text("6.00")
    expect(page.locator("#total-amount")).to_have_text("69.12")  # 53.97 + 10.25 + 4.90
    page.click("#save-lines")
    page.wait_for_url(LINES_URL)
    expect(page.locator("#g0-l0-a0-rate")).to_have_value("10")
    expect(page.locator("#total-amount")).to_have_text("69.12")
