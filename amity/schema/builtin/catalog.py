"""What sales documents refer to: currencies, tax codes and rates, discounts, shipping
providers, and payments with their links to invoices and bills.

Model names follow 1CRM's records (TaxRate, Discount, ...); line items and adjustments
name a catalog entry by its 1CRM module name in `related_type` (ProductCatalog, TaxRates,
Discounts, ShippingProviders), which `/data/{module}` accepts as well.
"""

from __future__ import annotations

from amity.schema.builder import build_model, f, ref
from amity.schema.model import Model

PAYMENT_TYPES = [
    "Cash",
    "Check",
    "Credit Card",
    "Direct Debit",
    "Bank Transfer",
    "Wire Transfer",
    "PayPal",
    "Other",
]
# Tax codes with the readable ids 1CRM gives them: code 1 is the standard (taxable) code,
# code 2 is for items no tax applies to.
STANDARD_TAX_CODE_ID = "standard-tax_-code-0000-000000000001"
EXEMPT_TAX_CODE_ID = "standard-tax_-code-0000-000000000002"
# rows every database starts with (store/migrate.py adds them with the table)
STARTING_ROWS: dict[str, list[dict[str, object]]] = {
    "TaxCode": [
        {
            "id": STANDARD_TAX_CODE_ID,
            "name": "Taxable",
            "code": "STD",
            "taxable": True,
            "position": 1,
        },
        {
            "id": EXEMPT_TAX_CODE_ID,
            "name": "Non-taxable",
            "code": "EXEMPT",
            "taxable": False,
            "position": 2,
        },
    ]
}


def currency_model() -> Model:
    return build_model(
        "Currency",
        "currencies",
        "Currency",
        [
            f("name", "name", "Name", required=True, indexed=True, len=60),
            f("iso4217", "varchar", "ISO Code", required=True, unique=True, indexed=True, len=3),
            f("symbol", "varchar", "Symbol", len=10),
            f("conversion_rate", "decimal", "Exchange Rate", scale=6),
            f("decimal_places", "int", "Decimal Places", default=2),
            f("status", "enum", "Status", options=["Active", "Inactive"], default="Active"),
        ],
        search=("name", "iso4217"),
        list_fields=("name", "iso4217", "conversion_rate", "status"),
        module="Currencies",
    )


def tax_code_model() -> Model:
    return build_model(
        "TaxCode",
        "tax_codes",
        "Tax Code",
        [
            f("name", "name", "Name", required=True, indexed=True, len=100),
            f("code", "varchar", "Code", len=20, indexed=True),
            f("taxable", "bool", "Taxable", default=True),
            f("position", "int", "Position"),
            f("description", "text", "Description"),
        ],
        search=("name", "code"),
        list_fields=("name", "code", "taxable"),
        default_order="position",
        module="TaxCodes",
    )


def tax_rate_model() -> Model:
    return build_model(
        "TaxRate",
        "tax_rates",
        "Tax Rate",
        [
            f("name", "name", "Name", required=True, indexed=True, len=100),
            f("rate", "decimal", "Rate (%)", required=True, scale=4),
            f("status", "enum", "Status", options=["Active", "Inactive"], default="Active"),
            f("compounding", "bool", "Compounding", default=False),
            *ref("tax_code", "TaxCode", "Tax Code"),
            f("description", "text", "Description"),
        ],
        list_fields=("name", "rate", "status"),
        module="TaxRates",
    )


def discount_model() -> Model:
    return build_model(
        "Discount",
        "discounts",
        "Discount",
        [
            f("name", "name", "Name", required=True, indexed=True, len=100),
            f(
                "discount_type",
                "enum",
                "Type",
                required=True,
                options=["percentage", "fixed"],
                default="percentage",
            ),
            f("rate", "decimal", "Rate (%)", scale=4),
            f("fixed_amount", "currency", "Amount"),
            f("status", "enum", "Status", options=["Active", "Inactive"], default="Active"),
            f("description", "text", "Description"),
        ],
        list_fields=("name", "discount_type", "rate", "fixed_amount"),
        module="Discounts",
    )


def shipping_provider_model() -> Model:
    return build_model(
        "ShippingProvider",
        "shipping_providers",
        "Shipping Provider",
        [
            f("name", "name", "Name", required=True, indexed=True, len=100),
            f("status", "enum", "Status", options=["Active", "Inactive"], default="Active"),
            f("tracking_url", "url", "Tracking URL"),
            f("description", "text", "Description"),
        ],
        list_fields=("name", "status"),
        module="ShippingProviders",
    )


def payment_model() -> Model:
    return build_model(
        "Payment",
        "payments",
        "Payment",
        [
            f("name", "name", "Name", indexed=True, len=150),
            f("payment_number", "int", "Number", indexed=True, auto_number=True),
            *ref("account", "Account", "Account"),
            f(
                "direction",
                "enum",
                "Direction",
                required=True,
                options=["incoming", "outgoing"],
                default="incoming",
                indexed=True,
            ),
            f("payment_date", "date", "Payment Date", indexed=True),
            f("payment_type", "enum", "Payment Type", options=PAYMENT_TYPES),
            f("customer_reference", "varchar", "Reference", len=100),
            f("amount", "currency", "Amount"),
            f("total_amount", "currency", "Total Amount"),
            f("applied_amount", "currency", "Applied Amount"),
            *ref("related_invoice", "Invoice", "Invoice"),
            *ref("currency", "Currency", "Currency"),
            f("exchange_rate", "decimal", "Exchange Rate", scale=6),
            f("notes", "text", "Notes"),
        ],
        search=("name", "payment_number", "customer_reference"),
        list_fields=("payment_number", "account", "account_id", "payment_date", "amount"),
        default_order="payment_date",
        module="Payments",
    )


def payment_link_model(kind: str, table: str) -> Model:
    """The join record of a payment and an invoice (or a bill): the amount applied to it."""
    key = kind.lower()
    return build_model(
        table,
        table,
        f"{kind} Payment",
        [
            f("name", "name", "Name", len=150),
            *ref("payment", "Payment", "Payment", required=True),
            *ref(key, kind, kind, required=True),
            f("amount", "currency", "Amount", required=True),
        ],
        search=(),
        list_fields=("payment", "payment_id", key, f"{key}_id", "amount"),
        default_order="date_entered",
        module=table,
    )


def catalog_models() -> list[Model]:
    return [
        currency_model(),
        tax_code_model(),
        tax_rate_model(),
        discount_model(),
        shipping_provider_model(),
        payment_model(),
        payment_link_model("Invoice", "invoices_payments"),
        payment_link_model("Bill", "bills_payments"),
    ]
