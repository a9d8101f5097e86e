"""The demo's sales documents: currencies, tax rates, discounts and shipping providers,
then quotes (some converted into sales orders, some of those into invoices), invoices of
their own, and payments applied to part of the invoices.

Documents are written whole through the tally service, so every amount (line, group,
document, amount due) is the server's own; payments go through the records service and
the invoice is saved again so that its amount due counts them. Every choice is drawn from
the demo's random generator, so a seed gives the same documents. Catalog entries are
found by name (currencies by ISO code) and made only when missing, so a second load
reuses them.
"""

from __future__ import annotations

import random
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, timedelta
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

from amity.core.actor import Actor
from amity.core.records import ListQuery
from amity.core.services import Services
from amity.schema.builtin.catalog import EXEMPT_TAX_CODE_ID, STANDARD_TAX_CODE_ID
from amity.store.conditions import OrderKey

BUYER_SHARE = 6  # one account in 6 gets documents ...
MAX_BUYERS = 60  # ... up to 60 (about 200 documents): every document costs a few writes
BUYER_TYPES = ("Customer", "Prospect", "Partner", "Reseller")  # customers get invoices too
# what becomes of the quotes and how the invoices are paid, in turn, so that even a small
# demo has every case
QUOTE_FATES = ("invoiced", "open", "ordered", "invoiced", "lost", "open", "invoiced")
PAYMENTS = ("full", "partial", "none", "split", "full", "none", "partial", "full")


@dataclass(frozen=True)
class Money:
    """A demo currency: its ISO code, units per US dollar and minor unit."""

    iso: str
    name: str
    symbol: str
    rate: Decimal
    places: int
    tax: str  # the name of the tax rate its documents charge
    weight: int  # how often documents use it

    def round(self, value: Decimal) -> Decimal:
        """`value` rounded to this currency's minor unit."""
        return value.quantize(Decimal(1).scaleb(-self.places), ROUND_HALF_UP)

    def of(self, usd: Decimal) -> Decimal:
        """`usd` dollars in this currency, rounded to its minor unit."""
        return self.round(usd * self.rate)


CURRENCIES = [
    Money("USD", "US Dollar", "$", Decimal(1), 2, "Sales tax 6.93%", 70),
    Money("EUR", "Euro", "€", Decimal("0.92"), 2, "VAT 19%", 20),
    Money("JPY", "Japanese Yen", "¥", Decimal("155.5"), 0, "Consumption tax 10%", 10),
]
TAX_RATES = [  # name, rate, description
    ("Sales tax 6.93%", "6.93", "State and local sales tax"),
    ("VAT 19%", "19", "Standard VAT rate"),
    ("Reduced VAT 7%", "7", "Reduced VAT rate (books, food)"),
    ("Consumption tax 10%", "10", "Japanese consumption tax"),
]
DISCOUNTS = [  # name, type, rate or fixed amount (US dollars)
    ("Volume discount 10%", "percentage", "10"),
    ("Partner discount 15%", "percentage", "15"),
    ("Welcome credit", "fixed", "50"),
]
SHIPPERS = [
    ("FedEx", "https://www.fedex.com/fedextrack/?trknbr="),
    ("UPS", "https://www.ups.com/track?tracknum="),
]
GROUPS = {  # group name -> (group type, product categories)
    "Software": ("products", ("Software", "Subscriptions")),
    "Hardware": ("products", ("Hardware",)),
    "Services": ("services", ("Services", "Training")),
}
DEALS = ["Renewal", "Expansion", "Rollout", "Upgrade", "Starter package", "Phase 2"]
TERMS = ["Net 30", "Net 30", "Net 14", "Due on receipt", "Net 60"]
QUOTE_OPEN = ["Draft", "Negotiation", "Delivered", "On Hold"]
PAYMENT_TYPES = ["Bank Transfer", "Bank Transfer", "Credit Card", "Check", "Wire Transfer"]
NOTES = [
    "Prices are valid for 30 days.",
    "Delivery within two weeks of the order.",
    "Includes installation on site.",
    "Training dates to be agreed.",
]
PARTS = ("LineGroup", "Line", "Adjustment", "Comment")


def load_demo_sales(
    services: Services,
    actor: Actor,
    rng: random.Random,
    today: date,
    accounts: Sequence[dict[str, Any]],
    products: Sequence[dict[str, Any]],
) -> dict[str, int]:
    """Add the catalog and the sales documents; how many records of each model were made.

    `accounts` as the demo keeps them (id, name, user, type, contacts, address) and
    `products` (id, name, category, kind, price, cost, part_no) with US-dollar prices."""
    loader = SalesLoader(services, actor, rng, today, products)
    loader.load_catalog()
    for account in buyers(rng, accounts):
        loader.load_account(account)
    return loader.counts


def buyers(rng: random.Random, accounts: Sequence[dict[str, Any]]) -> list[dict[str, Any]]:
    """The accounts that get documents: half of them customers (when there are enough),
    the rest prospects, partners and resellers (any account in a demo without those)."""
    customers = [a for a in accounts if a["type"] == "Customer"]
    others = [a for a in accounts if a["type"] in BUYER_TYPES and a["type"] != "Customer"]
    if not customers and not others:
        others = list(accounts)
    wanted = min(MAX_BUYERS, max(3, len(accounts) // BUYER_SHARE))
    first = min(len(customers), max(wanted - len(others), (wanted + 1) // 2))
    return rng.sample(customers, first) + rng.sample(others, min(len(others), wanted - first))


class SalesLoader:
    """Makes the catalog once, then documents account by account."""

    def __init__(
        self,
        services: Services,
        actor: Actor,
        rng: random.Random,
        today: date,
        products: Sequence[dict[str, Any]],
    ) -> None:
        self.services = services
        self.actor = actor
        self.rng = rng
        self.today = today
        self.products = products
        self.counts: dict[str, int] = {}
        self.ids: dict[str, dict[str, str]] = {}  # model -> name -> id
        self.quotes = 0  # made so far: the next one's fate is QUOTE_FATES[quotes % ...]
        self.invoices = 0

    def count(self, model: str, n: int = 1) -> None:
        self.counts[model] = self.counts.get(model, 0) + n

    # -- catalog ----------------------------------------------------------------------
    def ensure(self, model: str, key: str, rows: list[dict[str, Any]]) -> None:
        """Find each row by `key` among the model's records, creating the missing ones."""
        page = self.services.records.list_records(
            self.actor, model, ListQuery(fields=[key], limit=200, order=[OrderKey("date_entered")])
        )
        found: dict[str, str] = {}
        for record in page.records:
            found.setdefault(str(record[key]), record["id"])
        for row in rows:
            if row[key] not in found:
                found[row[key]] = self.services.records.create(self.actor, model, row)
                self.count(model)
        self.ids[model] = {row[key]: found[row[key]] for row in rows}

    def load_catalog(self) -> None:
        self.ensure(
            "Currency",
            "iso4217",
            [
                {
                    "name": c.name,
                    "iso4217": c.iso,
                    "symbol": c.symbol,
                    "conversion_rate": str(c.rate),
                    "decimal_places": c.places,
                }
                for c in CURRENCIES
            ],
        )
        self.ensure(
            "TaxRate",
            "name",
            [
                {
                    "name": name,
                    "rate": rate,
                    "tax_code_id": STANDARD_TAX_CODE_ID,
                    "description": text,
                }
                for name, rate, text in TAX_RATES
            ],
        )
        self.ensure(
            "Discount",
            "name",
            [
                {"name": name, "discount_type": kind}
                | ({"rate": value} if kind == "percentage" else {"fixed_amount": value})
                for name, kind, value in DISCOUNTS
            ],
        )
        self.ensure(
            "ShippingProvider",
            "name",
            [{"name": name, "tracking_url": url} for name, url in SHIPPERS],
        )

    # -- documents --------------------------------------------------------------------
    def load_account(self, account: dict[str, Any]) -> None:
        """One or two quotes (converted or not) and, for a customer, one or two invoices
        of their own."""
        rng = self.rng
        for _ in range(rng.choice((1, 1, 2))):
            self.quote(account)
        if account["type"] == "Customer":
            for _ in range(rng.choice((1, 1, 2))):
                money = self.currency()
                issued = self.today - timedelta(days=rng.randint(1, 150))
                record = self.header(account, money, f"{account['name']} - Invoice")
                record.update(self.invoice_dates(issued))
                groups = self.groups(money)
                body = {"record": record, "groups": groups}
                invoice = self.services.tally.save(self.actor, "Invoice", None, body)
                self.count_document("Invoice", groups)
                self.pay(account, invoice, money, issued)

    def quote(self, account: dict[str, Any]) -> None:
        rng, tally = self.rng, self.services.tally
        money = self.currency()
        name = f"{account['name']} - {self.rng.choice(DEALS)}"
        record = self.header(account, money, name)
        valid_until = self.today + timedelta(days=rng.randint(-120, 45))
        fate = QUOTE_FATES[self.quotes % len(QUOTE_FATES)]
        self.quotes += 1
        converted = fate in ("ordered", "invoiced")
        if converted:
            record["quote_stage"] = "Closed Accepted"
            valid_until = min(valid_until, self.today + timedelta(days=7))
        elif fate == "lost":
            record["quote_stage"] = rng.choice(("Closed Lost", "Closed Dead"))
        else:
            record["quote_stage"] = rng.choice(QUOTE_OPEN)
            valid_until = max(valid_until, self.today + timedelta(days=rng.randint(1, 30)))
        record["valid_until"] = valid_until.isoformat()
        groups = self.groups(money)
        quote = tally.save(self.actor, "Quote", None, {"record": record, "groups": groups})
        self.count_document("Quote", groups)
        if not converted:
            return
        ordered = min(valid_until, self.today) - timedelta(days=rng.randint(4, 20))
        _, order = tally.convert(self.actor, "Quote", quote, "SalesOrder")
        self.count_document("SalesOrder", groups)
        invoiced = fate == "invoiced"
        self.services.records.update(
            self.actor,
            "SalesOrder",
            order,
            {
                "so_stage": "Closed" if invoiced else rng.choice(("Ordered", "Partially Shipped")),
                "order_date": ordered.isoformat(),
                "due_date": (ordered + timedelta(days=30)).isoformat(),
            },
        )
        if not invoiced:
            return
        issued = ordered + timedelta(days=rng.randint(1, min(20, (self.today - ordered).days - 1)))
        _, invoice = tally.convert(self.actor, "SalesOrder", order, "Invoice")
        self.count_document("Invoice", groups)
        self.services.records.update(self.actor, "Invoice", invoice, self.invoice_dates(issued))
        self.pay(account, invoice, money, issued)

    def count_document(self, kind: str, groups: list[dict[str, Any]]) -> None:
        """Count a document and its parts as written (a conversion copies them all)."""
        self.count(kind)
        self.count(f"{kind}LineGroup", len(groups))
        for group in groups:
            lines = group.get("lines", [])
            self.count(f"{kind}Line", len(lines))
            nested = sum(len(line.get("adjustments", [])) for line in lines)
            self.count(f"{kind}Adjustment", len(group.get("adjustments", [])) + nested)
            self.count(f"{kind}Comment", len(group.get("comments", [])))

    def currency(self) -> Money:
        return self.rng.choices(CURRENCIES, [c.weight for c in CURRENCIES])[0]

    def header(self, account: dict[str, Any], money: Money, name: str) -> dict[str, Any]:
        """The record fields every kind shares: parties, addresses, currency, terms."""
        contact = self.rng.choice(account["contacts"]) if account["contacts"] else None
        address = account.get("address", {})
        record: dict[str, Any] = {
            "name": name[:255],
            "billing_account_id": account["id"],
            "billing_contact_id": contact,
            "shipping_account_id": account["id"],
            "shipping_contact_id": contact,
            "currency_id": self.ids["Currency"][money.iso],
            "exchange_rate": str(money.rate),
            "terms": self.rng.choice(TERMS),
            "assigned_user_id": account["user"],
        }
        for key, value in address.items():
            record[key] = value
            record[key.replace("billing", "shipping")] = value
        return record

    def invoice_dates(self, issued: date) -> dict[str, Any]:
        return {
            "invoice_date": issued.isoformat(),
            "due_date": (issued + timedelta(days=30)).isoformat(),
            "shipping_stage": "Shipped" if issued < self.today else "Pending",
        }

    def groups(self, money: Money) -> list[dict[str, Any]]:
        """1-3 groups of 1-8 catalog lines, a line discount here and there, a tax on each
        group and shipping on hardware."""
        rng = self.rng
        names = rng.sample(list(GROUPS), rng.choice((1, 1, 1, 2, 2, 3)))
        out = []
        for name in sorted(names, key=list(GROUPS).index):
            group_type, categories = GROUPS[name]
            choices = [p for p in self.products if p["category"] in categories] or list(
                self.products
            )
            size = rng.choice((1, 2, 2, 3, 3, 4, 5, 6, 8))
            picked = rng.sample(choices, min(len(choices), size))
            group: dict[str, Any] = {
                "name": name,
                "group_type": group_type,
                "status": "Approved",
                "lines": [self.line(p, money) for p in picked],
                "adjustments": [],
                "comments": [],
            }
            if rng.random() < 0.15:
                group["adjustments"].append(self.discount("Volume discount 10%", money))
            if name == "Hardware":
                group["adjustments"].append(self.shipping(money))
            group["adjustments"].append(self.tax(money.tax))
            if rng.random() < 0.25:
                group["comments"].append({"name": "Note", "body": rng.choice(NOTES)})
            out.append(group)
        return out

    def line(self, product: dict[str, Any], money: Money) -> dict[str, Any]:
        rng = self.rng
        price = Decimal(product["price"])
        unit = price if rng.random() < 0.8 else price * Decimal(rng.choice((90, 95, 97))) / 100
        quantity = rng.choice((1, 1, 2, 3, 5, 10, 20)) if product["kind"] != "Service" else 1
        if product["kind"] == "Service" and "per" in product["name"]:
            quantity = rng.randint(2, 20)
        line: dict[str, Any] = {
            "name": product["name"],
            "quantity": str(quantity),
            "related_type": "ProductCatalog",
            "related_id": product["id"],
            "mfr_part_no": product["part_no"],
            "tax_class_id": STANDARD_TAX_CODE_ID,
            "cost_price": str(money.of(Decimal(str(product["cost"])))),
            "list_price": str(money.of(price)),
            "unit_price": str(money.of(unit)),
            "adjustments": [],
        }
        if rng.random() < 0.12:
            name = rng.choice(("Partner discount 15%", "Welcome credit"))
            line["adjustments"].append(self.discount(name, money))
        return line

    def discount(self, name: str, money: Money) -> dict[str, Any]:
        kind, value = {n: (k, v) for n, k, v in DISCOUNTS}[name]
        adjustment = {
            "name": name,
            "related_type": "Discounts",
            "related_id": self.ids["Discount"][name],
        }
        if kind == "percentage":
            return adjustment | {"type": "StdPercentDiscount", "rate": value}
        return adjustment | {"type": "StandardDiscount", "amount": str(money.of(Decimal(value)))}

    def tax(self, name: str) -> dict[str, Any]:
        rate = {n: r for n, r, _ in TAX_RATES}[name]
        return {
            "name": name,
            "type": "StandardTax",
            "rate": rate,
            "related_type": "TaxRates",
            "related_id": self.ids["TaxRate"][name],
            "tax_class_id": STANDARD_TAX_CODE_ID,
        }

    def shipping(self, money: Money) -> dict[str, Any]:
        provider = self.rng.choice(SHIPPERS)[0]
        taxed = self.rng.random() < 0.5
        return {
            "name": f"{provider} shipping",
            "type": "TaxedShipping" if taxed else "UntaxedShipping",
            "amount": str(money.of(Decimal(self.rng.randint(3, 24) * 5))),
            "related_type": "ShippingProviders",
            "related_id": self.ids["ShippingProvider"][provider],
            "tax_class_id": STANDARD_TAX_CODE_ID if taxed else EXEMPT_TAX_CODE_ID,
        }

    # -- payments ---------------------------------------------------------------------
    def pay(self, account: dict[str, Any], invoice: str, money: Money, issued: date) -> None:
        """Nothing, one full or partial payment, or two that settle the invoice; then the
        invoice is saved again so that the server computes its amount due."""
        rng = self.rng
        how = PAYMENTS[self.invoices % len(PAYMENTS)]
        self.invoices += 1
        if how == "none" or issued >= self.today:
            return
        record = self.services.records.get(self.actor, "Invoice", invoice, ["amount"])
        amount = money.round(Decimal(str(record["amount"])))
        if how == "full":
            parts = [amount]
        elif how == "partial":
            parts = [money.round(amount * rng.choice((25, 30, 40, 50)) / 100)]
        else:
            first = money.round(amount * rng.choice((40, 50, 60)) / 100)
            parts = [first, amount - first]
        days = (self.today - issued).days
        for n, part in enumerate(parts):
            paid = issued + timedelta(days=rng.randint(0, days) if n == 0 else days)
            payment = self.services.records.create(
                self.actor,
                "Payment",
                {
                    "name": f"Payment from {account['name']}"[:150],
                    "account_id": account["id"],
                    "direction": "incoming",
                    "payment_date": paid.isoformat(),
                    "payment_type": rng.choice(PAYMENT_TYPES),
                    "customer_reference": f"REF-{rng.randint(100000, 999999)}",
                    "amount": str(part),
                    "total_amount": str(part),
                    "applied_amount": str(part),
                    "related_invoice_id": invoice,
                    "currency_id": self.ids["Currency"][money.iso],
                    "exchange_rate": str(money.rate),
                },
            )
            self.services.records.create(
                self.actor,
                "invoices_payments",
                {"payment_id": payment, "invoice_id": invoice, "amount": str(part)},
            )
            self.count("Payment")
            self.count("invoices_payments")
        whole = self.services.tally.get(self.actor, "Invoice", invoice)
        self.services.tally.save(
            self.actor, "Invoice", invoice, {"record": {}, "groups": whole["groups"]}
        )
