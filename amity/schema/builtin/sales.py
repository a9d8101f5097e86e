"""Sales models: Account, Opportunity, Product (1CRM's ProductCatalog module) and Assembly
(a product made of other products, 1CRM's Assemblies module)."""

from __future__ import annotations

from amity.schema.builder import address_codes, address_fields, build_model, currency_fields, f, ref
from amity.schema.builtin.people import LEAD_SOURCES
from amity.schema.model import Model

INDUSTRIES = [
    "Apparel",
    "Banking",
    "Biotechnology",
    "Chemicals",
    "Communications",
    "Construction",
    "Consulting",
    "Education",
    "Electronics",
    "Energy",
    "Engineering",
    "Entertainment",
    "Environmental",
    "Finance",
    "Government",
    "Healthcare",
    "Hospitality",
    "Insurance",
    "Machinery",
    "Manufacturing",
    "Media",
    "Not For Profit",
    "Recreation",
    "Retail",
    "Shipping",
    "Technology",
    "Telecommunications",
    "Transportation",
    "Utilities",
    "Other",
]
PAYMENT_TERMS = [
    "Due on Receipt",
    "Net 7",
    "Net 10",
    "Net 15",
    "Net 30",
    "Net 45",
    "Net 60",
    "Net 90",
]
SALES_STAGES = [
    "Prospecting",
    "Qualification",
    "Needs Analysis",
    "Value Proposition",
    "Id. Decision Makers",
    "Perception Analysis",
    "Proposal/Price Quote",
    "Negotiation/Review",
    "Closed Won",
    "Closed Lost",
]


def account_model() -> Model:
    return build_model(
        "Account",
        "accounts",
        "Account",
        [
            f("name", "name", "Name", required=True, indexed=True, len=150),
            f(
                "account_type",
                "enum",
                "Type",
                indexed=True,
                options=[
                    "Analyst",
                    "Competitor",
                    "Customer",
                    "Integrator",
                    "Investor",
                    "Partner",
                    "Press",
                    "Prospect",
                    "Reseller",
                    "Supplier",
                    "Other",
                ],
            ),
            f("industry", "enum", "Industry", options=INDUSTRIES, indexed=True),
            f("annual_revenue", "varchar", "Annual Revenue"),
            f("employees", "int", "Employees"),
            f("rating", "varchar", "Rating"),
            f("ownership", "varchar", "Ownership"),
            f("sic_code", "varchar", "SIC Code", len=10),
            f("ticker_symbol", "varchar", "Ticker Symbol", len=10),
            f("phone_office", "phone", "Office Phone"),
            f("phone_fax", "phone", "Fax"),
            f("phone_alternate", "phone", "Other Phone"),
            f("email1", "email", "Email", indexed=True),
            f("email2", "email", "Other Email", indexed=True),
            f("website", "url", "Website"),
            f("is_supplier", "bool", "Supplier", default=False),
            f("invalid_email", "bool", "Invalid Email", default=False),
            f("email_opt_out", "bool", "Email Opt Out", default=False),
            f("temperature", "enum", "Temperature", options=["Cold", "Warm", "Hot"]),
            f("balance", "currency", "Balance"),
            f("balance_payable", "currency", "Balance Payable"),
            f("credit_limit", "currency", "Credit Limit"),
            f("purchase_credit_limit", "currency", "Purchase Credit Limit"),
            *currency_fields(),
            f("tax_information", "varchar", "Tax Information", len=150),
            *ref("tax_code", "TaxCode", "Tax Code"),
            f("default_terms", "enum", "Default Terms", options=PAYMENT_TERMS),
            f("default_purchase_terms", "enum", "Default Purchase Terms", options=PAYMENT_TERMS),
            *ref("default_discount", "Discount", "Default Discount"),
            *ref("default_purchase_discount", "Discount", "Default Purchase Discount"),
            *ref("default_shipper", "ShippingProvider", "Default Shipping Provider"),
            *ref(
                "default_purchase_shipper", "ShippingProvider", "Default Purchase Shipping Provider"
            ),
            f("description", "text", "Description"),
            f("photo", "image", "Photo"),
            *ref("member_of", "Account", "Member Of"),
            *ref("primary_contact", "Contact", "Primary Contact"),
            f("last_activity_date", "datetime", "Last Activity"),
            *address_fields("billing", "Billing Address"),
            *address_codes("billing", "Billing Address"),
            *address_fields("shipping", "Shipping Address"),
            *address_codes("shipping", "Shipping Address"),
        ],
        search=("name", "email1", "phone_office"),
        list_fields=("name", "account_type", "billing_address_city"),
        module="Accounts",
    )


def opportunity_model() -> Model:
    return build_model(
        "Opportunity",
        "opportunities",
        "Opportunity",
        [
            f("name", "name", "Name", required=True, indexed=True, len=150),
            *ref("account", "Account", "Account"),
            f("opportunity_type", "enum", "Type", options=["New Business", "Existing Business"]),
            f("lead_source", "enum", "Lead Source", options=LEAD_SOURCES),
            f("amount", "currency", "Amount", indexed=True),
            *currency_fields(),
            f("date_closed", "date", "Expected Close Date", required=True, indexed=True),
            f("next_step", "varchar", "Next Step"),
            f(
                "sales_stage",
                "enum",
                "Sales Stage",
                required=True,
                options=SALES_STAGES,
                default="Prospecting",
                indexed=True,
            ),
            f(
                "forecast_category",
                "enum",
                "Forecast Category",
                options=["Pipeline", "Best Case", "Commit", "Closed", "Omitted"],
                default="Pipeline",
            ),
            f("probability", "int", "Probability (%)"),
            f("description", "text", "Description"),
        ],
        list_fields=("name", "account", "account_id", "sales_stage", "amount", "date_closed"),
        module="Opportunities",
    )


PRODUCT_CATEGORIES = ["Hardware", "Software", "Services", "Subscriptions", "Training"]
PRODUCT_TYPES = ["Inventory", "Non-Inventory", "Service"]


def product_model() -> Model:
    return build_model(
        "Product",
        "products",
        "Product",
        [
            f("name", "name", "Name", required=True, indexed=True, len=150),
            f("manufacturers_part_no", "varchar", "Manufacturer Part No.", indexed=True),
            f("vendor_part_no", "varchar", "Vendor Part No."),
            f(
                "product_category",
                "enum",
                "Category",
                options=PRODUCT_CATEGORIES,
            ),
            f("product_type", "enum", "Type", options=PRODUCT_TYPES),
            f("cost", "currency", "Cost"),
            f("list_price", "currency", "List Price"),
            f("purchase_price", "currency", "Purchase Price"),
            f("weight", "float", "Weight"),
            f("url", "url", "Product URL"),
            f("is_available", "enum", "Availability", options=["yes", "no"], default="yes"),
            f("description", "text", "Description"),
            *ref("supplier", "Account", "Supplier"),
            *ref("tax_code", "TaxCode", "Tax Code"),
        ],
        search=("name", "manufacturers_part_no"),
        list_fields=("name", "product_category", "list_price"),
        module="ProductCatalog",
    )


def assembly_model() -> Model:
    """A bundle sold as one item; its `products` link holds each part with a quantity."""
    return build_model(
        "Assembly",
        "assemblies",
        "Assembly",
        [
            f("name", "name", "Name", required=True, indexed=True, len=150),
            f("manufacturers_part_no", "varchar", "Manufacturer Part No.", indexed=True),
            f("vendor_part_no", "varchar", "Vendor Part No."),
            f("product_category", "enum", "Category", options=PRODUCT_CATEGORIES),
            f("product_type", "enum", "Type", options=PRODUCT_TYPES),
            f("url", "url", "Product URL"),
            f("description", "text", "Description"),
            *ref("supplier", "Account", "Supplier"),
            *ref("tax_code", "TaxCode", "Tax Code"),
        ],
        search=("name", "manufacturers_part_no"),
        list_fields=("name", "product_category", "manufacturers_part_no"),
        module="Assemblies",
    )
