"""Tally objects: sales and stock documents made of line groups, lines, comments and
adjustments, each part a model of its own (1CRM's layout, API-NOTES.md "Tally objects").

Every kind (Quote, SalesOrder, Invoice, ...) has the same parts, named `{Kind}LineGroup`,
`{Kind}Line`, `{Kind}Comment` and `{Kind}Adjustment`; they point at their document by the
kind's own id column (`invoice_id`, `quote_id`, and `sales_orders_id` as 1CRM spells it),
and a group by `parent_id`. Documents are numbered `prefix` + number, and `full_number`
holds the two together so that `filter_text` finds "INV-42".
"""

from __future__ import annotations

from dataclasses import dataclass

from amity.schema.builder import address_fields, build_model, f, ref
from amity.schema.model import Field, Model


@dataclass(frozen=True)
class TallyKind:
    """One kind of tally object and the names its parts use."""

    name: str  # the model, e.g. "Invoice"
    table: str  # its table, e.g. "invoices"
    label: str
    module: str  # 1CRM's module name, e.g. "Invoice" (what the PDF file is named after)
    parent_column: str  # the parts' column that holds the document's id
    number_field: str  # e.g. "invoice_number"
    prefix: str  # the default number prefix, e.g. "INV-"
    date_field: str  # the document's own date, e.g. "invoice_date"
    takes_payments: bool = False  # amount_due, and a payments join model

    def part(self, suffix: str) -> str:
        """The model name of a part: part("Line") -> "InvoiceLine"."""
        return f"{self.name}{suffix}"


TALLY_KINDS: tuple[TallyKind, ...] = (
    TallyKind(
        "Quote", "quotes", "Quote", "Quotes", "quote_id", "quote_number", "Q-", "valid_until"
    ),
    TallyKind(
        "SalesOrder",
        "sales_orders",
        "Sales Order",
        "SalesOrders",
        "sales_orders_id",
        "so_number",
        "SO-",
        "order_date",
    ),
    TallyKind(
        "Invoice",
        "invoices",
        "Invoice",
        "Invoice",
        "invoice_id",
        "invoice_number",
        "INV-",
        "invoice_date",
        takes_payments=True,
    ),
    TallyKind(
        "CreditNote",
        "credit_notes",
        "Credit Note",
        "CreditNotes",
        "credit_note_id",
        "credit_number",
        "CN-",
        "credit_date",
        takes_payments=True,
    ),
    TallyKind(
        "PurchaseOrder",
        "purchase_orders",
        "Purchase Order",
        "PurchaseOrders",
        "purchase_order_id",
        "po_number",
        "PO-",
        "order_date",
    ),
    TallyKind(
        "Bill",
        "bills",
        "Bill",
        "Bills",
        "bill_id",
        "bill_number",
        "BILL-",
        "bill_date",
        takes_payments=True,
    ),
    TallyKind(
        "Shipping",
        "shipping",
        "Shipping",
        "Shipping",
        "shipping_id",
        "shipping_number",
        "SHIP-",
        "date_shipped",
    ),
    TallyKind(
        "Receiving",
        "receiving",
        "Receiving",
        "Receiving",
        "receiving_id",
        "receiving_number",
        "RCV-",
        "date_received",
    ),
)
KINDS_BY_NAME = {k.name: k for k in TALLY_KINDS}
PART_SUFFIXES = ("LineGroup", "Line", "Comment", "Adjustment")
# part model -> its document's model: a role's rights on Invoice cover InvoiceLine & co.
PART_OF = {kind.part(suffix): kind.name for kind in TALLY_KINDS for suffix in PART_SUFFIXES}

QUOTE_STAGES = [
    "Draft",
    "Negotiation",
    "Delivered",
    "On Hold",
    "Confirmed",
    "Closed Accepted",
    "Closed Lost",
    "Closed Dead",
]
ORDER_STAGES = ["Ordered", "Partially Shipped", "Shipped", "Closed", "Cancelled"]
SHIPPING_STAGES = ["Pending", "Partially Shipped", "Shipped", "Received", "Cancelled"]
ADJUSTMENT_TYPES = [
    "StandardTax",
    "StandardDiscount",
    "StdPercentDiscount",
    "UntaxedShipping",
    "TaxedShipping",
]
ADJUSTMENT_SOURCES = ["TaxRates", "Discounts", "ShippingProviders"]
LINE_SOURCES = ["ProductCatalog"]
GROUP_STATUSES = ["Draft", "Approved", "Cancelled"]
GROUP_TYPES = ["products", "services", "expenses"]


def money(name: str, label: str) -> Field:
    return f(name, "currency", label)


def totals_fields(kind: TallyKind) -> list[Field]:
    """The document's amounts; /tally writes compute them, /data writes store them as sent."""
    out = [
        money("subtotal", "Subtotal"),
        money("discount", "Discount"),
        money("shipping", "Shipping"),
        money("pretax", "Pre-tax Total"),
        money("tax", "Tax"),
        f("amount", "currency", "Total", indexed=True),
    ]
    if kind.takes_payments:
        out.append(f("amount_due", "currency", "Amount Due", indexed=True))
    return out


def kind_fields(kind: TallyKind) -> list[Field | list[Field]]:
    """What differs between kinds: stage, dates and the documents one comes from."""
    name = kind.name
    if name == "Quote":
        return [
            f("quote_stage", "enum", "Stage", options=QUOTE_STAGES, default="Draft", indexed=True),
            f("valid_until", "date", "Valid Until", indexed=True),
            *ref("opportunity", "Opportunity", "Opportunity"),
        ]
    if name == "SalesOrder":
        return [
            f("so_stage", "enum", "Stage", options=ORDER_STAGES, default="Ordered", indexed=True),
            f("order_date", "date", "Order Date", indexed=True),
            f("due_date", "date", "Due Date", indexed=True),
            *ref("quote", "Quote", "Quote"),
            *ref("opportunity", "Opportunity", "Opportunity"),
        ]
    if name == "Invoice":
        return [
            f("shipping_stage", "enum", "Shipping Stage", options=SHIPPING_STAGES, indexed=True),
            f("invoice_date", "date", "Invoice Date", indexed=True),
            f("due_date", "date", "Due Date", indexed=True),
            *ref("quote", "Quote", "Quote"),
            *ref("sales_order", "SalesOrder", "Sales Order"),
            *ref("opportunity", "Opportunity", "Opportunity"),
        ]
    if name == "CreditNote":
        return [
            f("credit_date", "date", "Credit Date", indexed=True),
            *ref("invoice", "Invoice", "Invoice"),
        ]
    if name == "PurchaseOrder":
        return [
            f("shipping_stage", "enum", "Shipping Stage", options=SHIPPING_STAGES, indexed=True),
            f("order_date", "date", "Order Date", indexed=True),
            f("due_date", "date", "Due Date", indexed=True),
        ]
    if name == "Bill":
        return [
            f("bill_date", "date", "Bill Date", indexed=True),
            f("due_date", "date", "Due Date", indexed=True),
            *ref("purchase_order", "PurchaseOrder", "Purchase Order"),
        ]
    if name == "Shipping":
        return [
            f("shipping_stage", "enum", "Shipping Stage", options=SHIPPING_STAGES, indexed=True),
            f("date_shipped", "date", "Date Shipped", indexed=True),
            *ref("invoice", "Invoice", "Invoice"),
            *ref("sales_order", "SalesOrder", "Sales Order"),
            *ref("shipping_provider", "ShippingProvider", "Shipping Provider"),
            f("tracking_number", "varchar", "Tracking Number", len=100),
        ]
    return [
        f("date_received", "date", "Date Received", indexed=True),
        *ref("purchase_order", "PurchaseOrder", "Purchase Order"),
    ]


def document_model(kind: TallyKind) -> Model:
    return build_model(
        kind.name,
        kind.table,
        kind.label,
        [
            f("name", "name", "Subject", required=True, indexed=True, len=255),
            f("prefix", "varchar", "Number Prefix", len=20, default=kind.prefix),
            f(kind.number_field, "int", "Number", indexed=True, auto_number=True),
            f("full_number", "varchar", "Number", len=40, indexed=True, editable=False),
            *kind_fields(kind),
            *ref("billing_account", "Account", "Billing Account"),
            *ref("billing_contact", "Contact", "Billing Contact"),
            *address_fields("billing", "Billing Address"),
            *ref("shipping_account", "Account", "Shipping Account"),
            *ref("shipping_contact", "Contact", "Shipping Contact"),
            *address_fields("shipping", "Shipping Address"),
            *ref("currency", "Currency", "Currency"),
            f("exchange_rate", "decimal", "Exchange Rate", scale=6),
            *totals_fields(kind),
            f("terms", "text", "Terms"),
            f("description", "text", "Description"),
        ],
        search=("full_number", "name"),
        list_fields=(
            "full_number",
            "name",
            "billing_account",
            "billing_account_id",
            "amount",
            *(("amount_due",) if kind.takes_payments else ()),
        ),
        default_order="date_entered",
        module=kind.module,
    )


def parent_ref(kind: TallyKind) -> list[Field]:
    """The parts' pointer at their document, by the kind's own column name."""
    name = kind.parent_column.removesuffix("_id")
    return ref(name, kind.name, kind.label, required=True)


def line_group_model(kind: TallyKind) -> Model:
    return build_model(
        kind.part("LineGroup"),
        f"{kind.table}_line_groups",
        f"{kind.label} Line Group",
        [
            *ref("parent", kind.name, kind.label, required=True),
            f("name", "name", "Name", len=255),
            f("position", "int", "Position", default=1),
            f("status", "enum", "Status", options=GROUP_STATUSES, default="Draft"),
            f("group_type", "enum", "Type", options=GROUP_TYPES, default="products"),
            money("cost", "Cost"),
            money("subtotal", "Subtotal"),
            money("discount", "Discount"),
            money("shipping", "Shipping"),
            money("pretax", "Pre-tax Total"),
            money("tax", "Tax"),
            money("total", "Total"),
        ],
        list_fields=("name", "position", "subtotal", "total"),
        default_order="position",
        module=kind.part("LineGroup"),
    )


def line_model(kind: TallyKind) -> Model:
    return build_model(
        kind.part("Line"),
        f"{kind.table}_lines",
        f"{kind.label} Line",
        [
            *parent_ref(kind),
            *ref("line_group", kind.part("LineGroup"), "Line Group", required=True),
            f("name", "name", "Name", len=255),
            f("position", "int", "Position", default=1),
            f("quantity", "decimal", "Quantity", scale=4, default=10_000),
            f("related_type", "enum", "Item Type", options=LINE_SOURCES),
            f("related_id", "id", "Item ID", indexed=True),
            f("mfr_part_no", "varchar", "Part No.", len=100),
            *ref("tax_class", "TaxCode", "Tax Code"),
            money("cost_price", "Cost Price"),
            money("list_price", "List Price"),
            money("unit_price", "Unit Price"),
            money("ext_price", "Extended Price"),
            money("discount", "Discount"),
            money("net_price", "Net Price"),
            money("tax", "Tax"),
            f("description", "text", "Description"),
        ],
        list_fields=("name", "position", "quantity", "unit_price", "net_price"),
        default_order="position",
        module=kind.part("Line"),
    )


def comment_model(kind: TallyKind) -> Model:
    return build_model(
        kind.part("Comment"),
        f"{kind.table}_comments",
        f"{kind.label} Comment",
        [
            *parent_ref(kind),
            *ref("line_group", kind.part("LineGroup"), "Line Group", required=True),
            f("name", "name", "Name", len=255),
            f("position", "int", "Position", default=1),
            f("body", "text", "Text"),
        ],
        list_fields=("name", "position", "body"),
        default_order="position",
        module=kind.part("Comment"),
    )


def adjustment_model(kind: TallyKind) -> Model:
    return build_model(
        kind.part("Adjustment"),
        f"{kind.table}_adjustments",
        f"{kind.label} Adjustment",
        [
            *parent_ref(kind),
            *ref("line_group", kind.part("LineGroup"), "Line Group", required=True),
            *ref("line", kind.part("Line"), "Line"),
            f("name", "name", "Name", len=255),
            f("position", "int", "Position", default=1),
            f("related_type", "enum", "Source Type", options=ADJUSTMENT_SOURCES),
            f("related_id", "id", "Source ID", indexed=True),
            f("type", "enum", "Type", required=True, options=ADJUSTMENT_TYPES),
            f("rate", "decimal", "Rate (%)", scale=4),
            money("amount", "Amount"),
            *ref("tax_class", "TaxCode", "Tax Code"),
        ],
        list_fields=("name", "position", "type", "rate", "amount"),
        default_order="position",
        module=kind.part("Adjustment"),
    )


def tally_models() -> list[Model]:
    """Every kind's document and its four part models."""
    out: list[Model] = []
    for kind in TALLY_KINDS:
        out += [
            document_model(kind),
            line_group_model(kind),
            line_model(kind),
            comment_model(kind),
            adjustment_model(kind),
        ]
    return out
