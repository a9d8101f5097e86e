"""Sales documents in the dashboard, in-process: the line editor shows the core's totals
(exact decimals), saves the lines, records payments, converts and prints; a user the rules
deny finds nothing; every form needs its CSRF token."""

from __future__ import annotations

import re
from decimal import Decimal
from typing import Any

import pytest

from amity.core.tally import totals as t
from tests.conftest import ApiClient
from tests.web.test_pages import browser, csrf_of, sign_in, web
from tests.web.world import WebWorld

__all__ = ["browser", "web"]

OUTPUT = re.compile(r'<output id="([^"]+)" class="amount" data-amount>([^<]*)</output>')


def outputs(html: str) -> dict[str, str]:
    return dict(OUTPUT.findall(html))


def make_invoice(web: WebWorld, name: str = "Web invoice") -> str:
    """An invoice of alice's: one group, a cable line, a router line with 10 % off, 19 %
    tax on the group and 4.90 shipping (docs/api.md's example: 236.38)."""
    return web.world.services.tally.save(
        web.world.admin,
        "Invoice",
        None,
        {
            "record": {"name": name, "assigned_user_id": web.world.users["alice"]},
            "groups": [
                {
                    "name": "Hardware",
                    "lines": [
                        {"name": "Cable", "quantity": "3", "unit_price": "19.99"},
                        {
                            "name": "Router",
                            "quantity": 1,
                            "unit_price": "149.50",
                            "adjustments": [
                                {"type": "StdPercentDiscount", "name": "Promo", "rate": "10"}
                            ],
                        },
                    ],
                    "adjustments": [
                        {"type": "StandardTax", "name": "VAT", "rate": "19"},
                        {"type": "UntaxedShipping", "name": "Post", "amount": "4.90"},
                    ],
                }
            ],
        },
    )


def editor_form(html: str) -> dict[str, str]:
    """The inputs of the line editor as the page holds them (what a browser would post)."""
    form = html[html.index('id="line-editor"') : html.index("</form>", html.index("line-editor"))]
    data: dict[str, str] = {}
    for tag in re.findall(r"<input [^>]*>", form):
        name = re.search(r'name="([^"]+)"', tag)
        if name is None or 'type="checkbox"' in tag:
            continue
        value = re.search(r'value="([^"]*)"', tag)
        data[name.group(1)] = value.group(1) if value else ""
    for select in re.findall(r'<select id="[^"]*" name="([^"]+)">(.*?)</select>', form, re.S):
        chosen = re.search(r'<option value="([^"]*)" selected', select[1])
        data[select[0]] = chosen.group(1) if chosen else ""
    return data


def test_the_editor_shows_the_cores_totals(browser: ApiClient, web: WebWorld) -> None:
    invoice = make_invoice(web)
    sign_in(browser, web, "alice")
    page = browser.get(f"/app/Invoice/{invoice}/lines")
    assert page.status_code == 200, page.text
    shown = outputs(page.text)
    expected = t.compute(
        t.DocumentIn(
            groups=(
                t.GroupIn(
                    key="0",
                    lines=(
                        t.LineIn("a", Decimal(3), Decimal("19.99")),
                        t.LineIn("b", Decimal(1), Decimal("149.50")),
                    ),
                    adjustments=(
                        t.AdjustmentIn("d", "StdPercentDiscount", Decimal(10), None, "b"),
                        t.AdjustmentIn("v", "StandardTax", Decimal(19), None, None),
                        t.AdjustmentIn("s", "UntaxedShipping", None, Decimal("4.90"), None),
                    ),
                ),
            )
        )
    )
    assert Decimal(shown["total-amount"]) == expected.amount == Decimal("236.38")
    assert Decimal(shown["total-subtotal"]) == expected.subtotal
    assert Decimal(shown["total-tax"]) == expected.tax
    assert Decimal(shown["total-amount_due"]) == expected.amount_due
    assert Decimal(shown["g0-l0-net_price"]) == expected.lines["a"].net_price
    assert Decimal(shown["g0-l1-discount"]) == expected.lines["b"].discount
    assert Decimal(shown["g0-l1-a0-amount"]) == expected.adjustments["d"].amount
    assert shown["total-amount"] == "236.38"  # a decimal string, never a float's digits


def test_preview_recomputes_without_saving(browser: ApiClient, web: WebWorld) -> None:
    invoice = make_invoice(web)
    sign_in(browser, web, "alice")
    data = editor_form(browser.get(f"/app/Invoice/{invoice}/lines").text)
    data["g0-l0-quantity"] = "4"  # 4 x 19.99 = 79.96
    answer = browser.post(f"/app/Invoice/{invoice}/lines/preview", data=data)
    assert answer.status_code == 200, answer.text
    shown = outputs(answer.text)
    assert shown["g0-l0-ext_price"] == "79.96"
    assert shown["total-subtotal"] == "214.51"  # 79.96 + 134.55
    stored = web.world.services.tally.get(web.world.admin, "Invoice", invoice)
    assert str(stored["record"]["amount"]) == "236.38"  # nothing saved


def test_recalculate_and_save_the_lines(browser: ApiClient, web: WebWorld) -> None:
    invoice = make_invoice(web)
    sign_in(browser, web, "alice")
    data = editor_form(browser.get(f"/app/Invoice/{invoice}/lines").text)
    data["g0-l0-quantity"] = "4"
    again = browser.post(f"/app/Invoice/{invoice}/lines", data={**data, "action": "recalculate"})
    assert again.status_code == 200
    assert outputs(again.text)["g0-l0-ext_price"] == "79.96"
    data["g0-l2-name"] = "Patch panel"  # the new line of "Add line"
    data["g0-l2-quantity"] = "2"
    data["g0-l2-unit_price"] = "10.25"
    saved = browser.post(f"/app/Invoice/{invoice}/lines", data={**data, "action": "save"})
    assert saved.status_code == 303, saved.text
    whole = web.world.services.tally.get(web.world.admin, "Invoice", invoice)
    (group,) = whole["groups"]
    assert [ln["name"] for ln in group["lines"]] == ["Cable", "Router", "Patch panel"]
    assert str(group["lines"][2]["ext_price"]) == "20.50"
    page = browser.get(saved.headers["location"]).text
    assert outputs(page)["total-amount"] == str(whole["record"]["amount"])


def test_a_bad_value_shows_the_message_and_keeps_the_form(
    browser: ApiClient, web: WebWorld
) -> None:
    invoice = make_invoice(web)
    sign_in(browser, web, "alice")
    data = editor_form(browser.get(f"/app/Invoice/{invoice}/lines").text)
    data["g0-l0-quantity"] = "three"
    answer = browser.post(f"/app/Invoice/{invoice}/lines", data={**data, "action": "save"})
    assert answer.status_code == 400
    assert 'value="three"' in answer.text
    assert re.search(r'id="lines-error" class="error" role="alert">[^<]+<', answer.text)


def test_a_new_document_with_a_catalog_line(browser: ApiClient, web: WebWorld) -> None:
    product = web.world.create(
        "Product", {"name": "Web Switch 8", "list_price": "89.90", "cost": "50.00"}
    )
    sign_in(browser, web, "alice")
    found = browser.get("/app/sales/catalog?q=Web%20Sw").json()
    assert found[0]["related_id"] == product and found[0]["unit_price"] == "89.90"
    token = csrf_of(browser.get("/app/Quote/new/lines").text)
    data = {
        "csrf_token": token,
        "name": "Switches",
        "g0-name": "Network",
        "g0-l0-product": "Web Switch 8",  # typed, not picked: the server looks it up
        "g0-l0-quantity": "2",
        "action": "save",
    }
    made = browser.post("/app/Quote/new/lines", data=data)
    assert made.status_code == 303, made.text
    quote = made.headers["location"].split("/")[3]
    whole = web.world.services.tally.get(web.world.admin, "Quote", quote)
    (line,) = whole["groups"][0]["lines"]
    assert line["related_id"] == product and line["related_type"] == "ProductCatalog"
    assert line["name"] == "Web Switch 8" and str(whole["record"]["amount"]) == "179.80"


def test_record_a_payment_and_see_the_amount_due(browser: ApiClient, web: WebWorld) -> None:
    invoice = make_invoice(web)
    sign_in(browser, web, "alice")
    token = csrf_of(browser.get(f"/app/Invoice/{invoice}/lines").text)
    paid = browser.post(
        f"/app/Invoice/{invoice}/payments",
        data={"csrf_token": token, "amount": "100.00", "payment_date": "2030-01-05"},
    )
    assert paid.status_code == 303, paid.text
    page = browser.get(f"/app/Invoice/{invoice}/lines").text
    assert outputs(page)["total-amount_due"] == "136.38"
    assert 'id="amount-due">136.38<' in page
    record = web.world.services.records.get(web.world.admin, "Invoice", invoice)
    assert str(record["amount_due"]) == "136.38"
    missing = browser.post(f"/app/Invoice/{invoice}/payments", data={"csrf_token": token})
    assert missing.status_code == 400 and 'id="p-amount-error"' in missing.text
    bad = browser.post(
        f"/app/Invoice/{invoice}/payments",
        data={"csrf_token": token, "amount": "lots", "customer_reference": "R-1"},
    )
    assert bad.status_code == 400 and 'id="p-amount-error"' in bad.text
    assert 'value="lots"' in bad.text and 'value="R-1"' in bad.text


def test_convert_a_quote_into_an_invoice(browser: ApiClient, web: WebWorld) -> None:
    sign_in(browser, web, "alice")
    quote = web.world.services.tally.save(
        web.world.admin,
        "Quote",
        None,
        {
            "record": {"name": "To convert", "assigned_user_id": web.world.users["alice"]},
            "groups": [{"name": "G", "lines": [{"name": "X", "unit_price": "5.00"}]}],
        },
    )
    token = csrf_of(browser.get(f"/app/Quote/{quote}/lines").text)
    made = browser.post(f"/app/Quote/{quote}/convert", data={"csrf_token": token, "to": "Invoice"})
    assert made.status_code == 303, made.text
    assert made.headers["location"].startswith("/app/Invoice/")
    invoice = made.headers["location"].split("/")[3]
    record = web.world.services.records.get(web.world.admin, "Invoice", invoice)
    assert record["quote_id"] == quote and str(record["amount"]) == "5.00"


def test_the_pdf(browser: ApiClient, web: WebWorld) -> None:
    invoice = make_invoice(web)
    sign_in(browser, web, "alice")
    answer = browser.get(f"/app/Invoice/{invoice}/pdf")
    assert answer.status_code == 200
    assert answer.headers["content-type"] == "application/pdf"
    assert answer.content.startswith(b"%PDF")
    assert answer.headers["content-disposition"].startswith("inline;")


def sales_requests(invoice: str, quote: str) -> list[tuple[str, str]]:
    return [
        ("GET", f"/app/Invoice/{invoice}/lines"),
        ("POST", f"/app/Invoice/{invoice}/lines"),
        ("POST", f"/app/Invoice/{invoice}/lines/preview"),
        ("POST", f"/app/Invoice/{invoice}/payments"),
        ("POST", f"/app/Quote/{quote}/convert"),
        ("GET", f"/app/Invoice/{invoice}/pdf"),
    ]


@pytest.mark.parametrize("user", ["carol", "erin"])
def test_what_the_rules_deny_is_missing_on_every_sales_route(
    browser: ApiClient, web: WebWorld, user: str
) -> None:
    invoice = make_invoice(web)
    quote = web.world.services.tally.save(
        web.world.admin,
        "Quote",
        None,
        {"record": {"name": "Q", "assigned_user_id": web.world.users["alice"]}, "groups": []},
    )
    sign_in(browser, web, user)
    token = csrf_of(browser.get("/app/password").text)
    for method, path in sales_requests(invoice, quote):
        data: dict[str, Any] = {"csrf_token": token, "amount": "1", "action": "save"}
        answer = browser.request(method, path, data=data if method == "POST" else None)
        assert answer.status_code == 404, (path, answer.status_code)
    record = web.world.services.records.get(web.world.admin, "Invoice", invoice)
    assert str(record["amount_due"]) == "236.38"


def test_every_sales_form_needs_the_csrf_token(browser: ApiClient, web: WebWorld) -> None:
    invoice = make_invoice(web)
    quote = web.world.services.tally.save(
        web.world.admin,
        "Quote",
        None,
        {"record": {"name": "Q", "assigned_user_id": web.world.users["alice"]}, "groups": []},
    )
    sign_in(browser, web, "alice")
    for method, path in sales_requests(invoice, quote):
        if method != "POST":
            continue
        for token in ("", "forged"):
            answer = browser.post(path, data={"csrf_token": token, "amount": "1", "to": "Invoice"})
            assert answer.status_code == 403, (path, answer.status_code)
    assert (
        browser.post("/app/Quote/new/lines", data={"name": "X", "action": "save"}).status_code
        == 403
    )
    record = web.world.services.records.get(web.world.admin, "Invoice", invoice)
    assert str(record["amount_due"]) == "236.38"


def test_the_detail_page_links_to_the_lines_and_a_reader_cannot_save(
    browser: ApiClient, web: WebWorld
) -> None:
    invoice = make_invoice(web)
    sign_in(browser, web, "dave")  # reads everything, changes nothing
    detail = browser.get(f"/app/Invoice/{invoice}").text
    assert f'href="/app/Invoice/{invoice}/lines" id="edit-lines"' in detail
    page = browser.get(f"/app/Invoice/{invoice}/lines").text
    assert outputs(page)["total-amount"] == "236.38"
    assert 'id="save-lines"' not in page and 'id="record-payment"' not in page


def test_rows_are_added_and_removed_without_a_script(browser: ApiClient, web: WebWorld) -> None:
    invoice = make_invoice(web)
    sign_in(browser, web, "alice")
    data = editor_form(browser.get(f"/app/Invoice/{invoice}/lines").text)
    added = browser.post(f"/app/Invoice/{invoice}/lines", data={**data, "action": "add-line-0"})
    assert 'name="g0-l2-quantity"' in added.text and 'name="g0-l3-quantity"' not in added.text
    more = browser.post(
        f"/app/Invoice/{invoice}/lines", data={**data, "action": "add-adjustment-0"}
    )
    assert 'name="g0-a2-type"' in more.text
    gone = {**data, "g0-l0-remove": "1", "action": "recalculate"}
    shown = browser.post(f"/app/Invoice/{invoice}/lines", data=gone)
    assert 'value="Cable"' not in shown.text
    assert outputs(shown.text)["total-subtotal"] == "134.55"  # the router alone
    stored = web.world.services.tally.get(web.world.admin, "Invoice", invoice)
    assert len(stored["groups"][0]["lines"]) == 2  # nothing saved


def test_add_a_comment_to_a_group_and_save_it(browser: ApiClient, web: WebWorld) -> None:
    invoice = make_invoice(web)
    sign_in(browser, web, "alice")
    data = editor_form(browser.get(f"/app/Invoice/{invoice}/lines").text)
    added = browser.post(f"/app/Invoice/{invoice}/lines", data={**data, "action": "add-comment-0"})
    assert 'name="g0-c0-body"' in added.text and 'id="g0-add-comment"' in added.text
    data = {**editor_form(added.text), "g0-c0-body": "Delivery in two weeks", "action": "save"}
    saved = browser.post(f"/app/Invoice/{invoice}/lines", data=data)
    assert saved.status_code == 303, saved.text
    (group,) = web.world.services.tally.get(web.world.admin, "Invoice", invoice)["groups"]
    assert [c["body"] for c in group["comments"]] == ["Delivery in two weeks"]
    assert len(group["lines"]) == 2
    page = browser.get(saved.headers["location"]).text
    assert "Delivery in two weeks" in page


def test_the_editor_in_german(browser: ApiClient, web: WebWorld) -> None:
    invoice = make_invoice(web)
    sign_in(browser, web, "alice")
    page = browser.get(f"/app/Invoice/{invoice}/lines", headers={"Accept-Language": "de"})
    assert page.status_code == 200
    assert "Neu berechnen" in page.text and "Zahlung erfassen" in page.text
