"""Contract and Asset: what a customer signed, and what a customer owns (OpenCRM has both
modules; a CRM user expects them)."""

from __future__ import annotations

from amity.schema.builder import build_model, currency_fields, f, ref
from amity.schema.model import Model

CONTRACT_STATUSES = [
    "Not Started",
    "In Progress",
    "Signed",
    "Active",
    "On Hold",
    "Expired",
    "Terminated",
    "Cancelled",
]
CONTRACT_TYPES = ["Service", "Support", "Maintenance", "Subscription", "License", "Other"]
ASSET_STATUSES = ["In Service", "Out of Service", "In Repair", "Retired"]


def contract_model() -> Model:
    return build_model(
        "Contract",
        "contracts",
        "Contract",
        [
            f(
                "contract_number",
                "int",
                "Contract Number",
                editable=False,
                indexed=True,
                auto_number=True,
            ),
            f("name", "name", "Subject", required=True, indexed=True, len=255),
            *ref("account", "Account", "Account"),
            *ref("contact", "Contact", "Contact"),
            *ref("opportunity", "Opportunity", "Opportunity"),
            f(
                "status",
                "enum",
                "Status",
                required=True,
                default="Not Started",
                indexed=True,
                options=CONTRACT_STATUSES,
            ),
            f("contract_type", "enum", "Contract Type", options=CONTRACT_TYPES),
            f("start_date", "date", "Start Date", indexed=True),
            f("end_date", "date", "End Date", indexed=True),
            f("renewal_date", "date", "Renewal Reminder Date", indexed=True),
            f("contract_value", "currency", "Contract Value"),
            *currency_fields(),
            f("description", "text", "Description"),
        ],
        search=("name", "contract_number"),
        list_fields=(
            "contract_number",
            "name",
            "account",
            "account_id",
            "status",
            "end_date",
        ),
        module="Contracts",
    )


def asset_model() -> Model:
    return build_model(
        "Asset",
        "assets",
        "Asset",
        [
            f("name", "name", "Asset Name", required=True, indexed=True, len=255),
            f("asset_number", "varchar", "Asset Number", indexed=True, len=50),
            f("serial_number", "varchar", "Serial Number", indexed=True, len=100),
            *ref("product", "Product", "Product"),
            *ref("account", "Account", "Account"),
            *ref("contact", "Contact", "Contact"),
            f(
                "status",
                "enum",
                "Status",
                required=True,
                default="In Service",
                indexed=True,
                options=ASSET_STATUSES,
            ),
            f("date_in_service", "date", "Date in Service"),
            f("purchase_date", "date", "Purchase Date"),
            f("warranty_end_date", "date", "Warranty End Date", indexed=True),
            f("quantity", "int", "Quantity", default=1),
            f("purchase_cost", "currency", "Purchase Cost"),
            *currency_fields(),
            f("location", "varchar", "Location", len=255),
            f("description", "text", "Description"),
        ],
        search=("name", "serial_number", "asset_number"),
        list_fields=("name", "serial_number", "product", "product_id", "account", "status"),
        module="Assets",
    )
