"""The links between built-in models, declared once per relationship."""

from __future__ import annotations

from amity.schema.builder import f
from amity.schema.builtin.activities import PARENT_TYPES
from amity.schema.builtin.tally import TALLY_KINDS
from amity.schema.model import Field, Link


def many_to_many(
    table: str,
    left: tuple[str, str, str],
    right: tuple[str, str, str],
    join_fields: tuple[Field, ...] = (),
) -> list[tuple[str, Link]]:
    """Both sides of a join-table relationship; each side is (model, link name, column)."""
    (lm, ln, lc), (rm, rn, rc) = left, right
    return [
        (lm, Link(ln, rm, "many_to_many", table, lc, rc, join_fields)),
        (rm, Link(rn, lm, "many_to_many", table, rc, lc, join_fields)),
    ]


def has_many(model: str, name: str, target: str, column: str) -> list[tuple[str, Link]]:
    """`model.name` lists the `target` records whose `column` holds the model's id."""
    return [(model, Link(name, target, "has_many", target_column=column))]


def activities(model: str) -> list[tuple[str, Link]]:
    """tasks, calls, meetings and notes whose parent is a record of `model`."""
    return [
        (model, Link(name, target, "parent", target_column="parent_id"))
        for name, target in (
            ("tasks", "Task"),
            ("calls", "Call"),
            ("meetings", "Meeting"),
            ("notes", "Note"),
        )
    ]


CONTACT_ROLES = [
    "Primary Decision Maker",
    "Business Decision Maker",
    "Business Evaluator",
    "Technical Decision Maker",
    "Technical Evaluator",
    "Executive Sponsor",
    "Influencer",
    "Other",
]


def builtin_links() -> list[tuple[str, Link]]:
    """(model name, link) for every built-in link."""
    out: list[tuple[str, Link]] = []
    out += many_to_many(
        "accounts_contacts",
        ("Account", "contacts", "account_id"),
        ("Contact", "accounts", "contact_id"),
    )
    out += many_to_many(
        "opportunities_contacts",
        ("Opportunity", "contacts", "opportunity_id"),
        ("Contact", "opportunities", "contact_id"),
        (f("contact_role", "enum", "Role", options=CONTACT_ROLES),),
    )
    out += many_to_many(
        "accounts_documents",
        ("Account", "documents", "account_id"),
        ("Document", "accounts", "document_id"),
    )
    out += many_to_many(
        "contacts_documents",
        ("Contact", "documents", "contact_id"),
        ("Document", "contacts", "document_id"),
    )
    out += many_to_many(
        "calls_contacts",
        ("Call", "contacts", "call_id"),
        ("Contact", "calls_invited", "contact_id"),
    )
    out += many_to_many(
        "meetings_contacts",
        ("Meeting", "contacts", "meeting_id"),
        ("Contact", "meetings_invited", "contact_id"),
    )
    out += many_to_many(
        "assemblies_products",
        ("Assembly", "products", "assembly_id"),
        ("Product", "assemblies", "product_id"),
        (f("quantity", "int", "Quantity", default=1),),
    )
    out += has_many("Account", "opportunities", "Opportunity", "account_id")
    out += has_many("Account", "cases", "aCase", "account_id")
    out += has_many("Account", "projects", "Project", "account_id")
    out += has_many("Account", "members", "Account", "member_of_id")
    out += has_many("Account", "leads", "Lead", "account_id")
    out += has_many("Account", "supplied_products", "Product", "supplier_id")
    out += has_many("Contact", "cases", "aCase", "cust_contact_id")
    out += has_many("Contact", "direct_reports", "Contact", "reports_to_id")
    out += contract_links()
    out += has_many("Project", "project_tasks", "ProjectTask", "parent_id")
    out += has_many("Document", "revisions", "DocumentRevision", "document_id")
    out += has_many("User", "assigned_contacts", "Contact", "assigned_user_id")
    for model in PARENT_TYPES:
        out += activities(model)
    out += tally_links()
    return out


def contract_links() -> list[tuple[str, Link]]:
    """The contracts and assets of accounts, contacts, opportunities and products, and the
    documents of contracts and assets."""
    out: list[tuple[str, Link]] = []
    for model in ("Account", "Contact", "Opportunity"):
        out += has_many(model, "contracts", "Contract", f"{model.lower()}_id")
    for model in ("Account", "Contact", "Product"):
        out += has_many(model, "assets", "Asset", f"{model.lower()}_id")
    out += many_to_many(
        "contracts_documents",
        ("Contract", "documents", "contract_id"),
        ("Document", "contracts", "document_id"),
    )
    out += many_to_many(
        "assets_documents",
        ("Asset", "documents", "asset_id"),
        ("Document", "assets", "document_id"),
    )
    return out


def tally_links() -> list[tuple[str, Link]]:
    """Each tally document's parts, the documents that come from one another, and the
    documents and payments of accounts, contacts and opportunities."""
    out: list[tuple[str, Link]] = []
    for kind in TALLY_KINDS:
        doc, column = kind.name, kind.parent_column
        out += has_many(doc, "line_groups_link", kind.part("LineGroup"), "parent_id")
        out += has_many(doc, "lines_link", kind.part("Line"), column)
        out += has_many(doc, "comments_link", kind.part("Comment"), column)
        out += has_many(doc, "adjustments_link", kind.part("Adjustment"), column)
        out += has_many(kind.part("LineGroup"), "lines_link", kind.part("Line"), "line_group_id")
        out += has_many(
            kind.part("LineGroup"), "comments_link", kind.part("Comment"), "line_group_id"
        )
        out += has_many(
            kind.part("LineGroup"), "adjustments_link", kind.part("Adjustment"), "line_group_id"
        )
    for doc, name in (
        ("Quote", "quotes"),
        ("SalesOrder", "sales_orders"),
        ("Invoice", "invoices"),
        ("CreditNote", "credit_notes"),
        ("PurchaseOrder", "purchase_orders"),
        ("Bill", "bills"),
    ):
        out += has_many("Account", name, doc, "billing_account_id")
        out += has_many("Contact", name, doc, "billing_contact_id")
    for doc, name in (("Quote", "quotes"), ("SalesOrder", "sales_orders"), ("Invoice", "invoices")):
        out += has_many("Opportunity", name, doc, "opportunity_id")
    out += has_many("Quote", "sales_orders", "SalesOrder", "quote_id")
    out += has_many("Quote", "invoices", "Invoice", "quote_id")
    out += has_many("SalesOrder", "invoices", "Invoice", "sales_order_id")
    out += has_many("SalesOrder", "shipping", "Shipping", "sales_order_id")
    out += has_many("Invoice", "shipping", "Shipping", "invoice_id")
    out += has_many("Invoice", "credit_notes", "CreditNote", "invoice_id")
    out += has_many("PurchaseOrder", "bills", "Bill", "purchase_order_id")
    out += has_many("PurchaseOrder", "receiving", "Receiving", "purchase_order_id")
    out += has_many("Account", "payments", "Payment", "account_id")
    out += has_many("Invoice", "payments", "invoices_payments", "invoice_id")
    out += has_many("Payment", "invoices", "invoices_payments", "payment_id")
    out += has_many("Bill", "payments", "bills_payments", "bill_id")
    out += has_many("Payment", "bills", "bills_payments", "payment_id")
    out += has_many("TaxCode", "tax_rates", "TaxRate", "tax_code_id")
    return out
