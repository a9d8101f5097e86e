"""Vtiger modules by their Vtiger names, each onto an Amity model, with a declared field
table: the Vtiger field name, the Amity field behind it, how its value is written on the
wire, and the Vtiger `table.column` that `order` and `criteria` name.

Kinds: text (as stored, "" when empty), int and bool ("0" when empty, bool as "1"/"0"),
money (eight decimals, "0.00000000" when empty), user and ref (the record number of the
user or record, "" / "0" when none), parent (a related record of any model: parent_type
and parent_id), number (the record's no., prefix and record number, read-only) and const
(a Vtiger field Amity has no value for: always the same text, read-only)."""

from __future__ import annotations

from dataclasses import dataclass, field

from amity.schema.model import Field, Model

KINDS = ("text", "int", "bool", "money", "user", "ref", "parent", "number", "const")


@dataclass(frozen=True)
class VField:
    name: str  # the Vtiger field name, as in vtiger_field.fieldname
    amity: str | None  # the Amity field; None for number and const
    kind: str = "text"
    column: str = ""  # Vtiger's table.column (the module's table and the name if empty)
    value: str = ""  # the text of a const field


@dataclass(frozen=True)
class Module:
    name: str  # Accounts, Contacts, ...
    model: str  # the Amity model
    table: str  # Vtiger's main table: vtiger_account
    prefix: str  # of the record no.: ACC
    fields: tuple[VField, ...] = field(default_factory=tuple)

    def column(self, vf: VField) -> str:
        return vf.column or f"{self.table}.{vf.name}"


def t(name: str, amity: str | None = None, column: str = "") -> VField:
    return VField(name, amity or name, "text", column)


def k(kind: str, name: str, amity: str | None = None, column: str = "") -> VField:
    return VField(name, amity or name, kind, column)


def const(name: str, value: str = "") -> VField:
    return VField(name, None, "const", value=value)


def number(name: str, column: str = "") -> VField:
    return VField(name, None, "number", column)


CRM = "vtiger_crmentity"


def entity_fields() -> tuple[VField, ...]:
    """The fields every Vtiger module has (they live in vtiger_crmentity)."""
    return (
        k("user", "assigned_user_id", column=f"{CRM}.smownerid"),
        t("createdtime", "date_entered", f"{CRM}.createdtime"),
        t("modifiedtime", "date_modified", f"{CRM}.modifiedtime"),
        k("user", "modifiedby", "modified_user_id", f"{CRM}.modifiedby"),
    )


def address(vt: str, amity: str, table: str, parts: dict[str, str]) -> tuple[VField, ...]:
    """Vtiger's address fields (`{vt}street`, ...) onto Amity's `{amity}_address_*`."""
    return tuple(
        t(vt + part, f"{amity}_address_{ours}", f"{table}.{vt}{part}")
        for part, ours in parts.items()
    )


BILL = {
    "_street": "street",
    "_city": "city",
    "_state": "state",
    "_code": "postalcode",
    "_country": "country",
}


def bill_ship(table: str) -> tuple[VField, ...]:
    bill = address("bill", "billing", table + "billads", BILL)
    ship = address("ship", "shipping", table + "shipads", BILL)
    return (*bill, *ship)


ACCOUNTS = Module(
    "Accounts",
    "Account",
    "vtiger_account",
    "ACC",
    (
        t("accountname", "name"),
        number("account_no"),
        t("phone", "phone_office"),
        t("website"),
        t("fax", "phone_fax"),
        t("tickersymbol", "ticker_symbol"),
        t("otherphone", "phone_alternate"),
        k("ref", "account_id", "member_of_id", "vtiger_account.parentid"),
        t("email1"),
        k("int", "employees"),
        t("email2"),
        t("ownership"),
        t("rating", "temperature"),
        t("industry"),
        t("siccode", "sic_code"),
        t("accounttype", "account_type", "vtiger_account.account_type"),
        k("money", "annual_revenue", column="vtiger_account.annualrevenue"),
        k("bool", "emailoptout", "email_opt_out"),
        const("notify_owner", "0"),
        *entity_fields(),
        t("bill_street", "billing_address_street", "vtiger_accountbillads.bill_street"),
        t("ship_street", "shipping_address_street", "vtiger_accountshipads.ship_street"),
        t("bill_city", "billing_address_city", "vtiger_accountbillads.bill_city"),
        t("ship_city", "shipping_address_city", "vtiger_accountshipads.ship_city"),
        t("bill_state", "billing_address_state", "vtiger_accountbillads.bill_state"),
        t("ship_state", "shipping_address_state", "vtiger_accountshipads.ship_state"),
        t("bill_code", "billing_address_postalcode", "vtiger_accountbillads.bill_code"),
        t("ship_code", "shipping_address_postalcode", "vtiger_accountshipads.ship_code"),
        t("bill_country", "billing_address_country", "vtiger_accountbillads.bill_country"),
        t("ship_country", "shipping_address_country", "vtiger_accountshipads.ship_country"),
        const("bill_pobox"),
        const("ship_pobox"),
        t("description", column=f"{CRM}.description"),
        const("campaignrelstatus"),
        const("isconvertedfromlead", "0"),
    ),
)

MAILING = {
    "street": "street",
    "city": "city",
    "state": "state",
    "zip": "postalcode",
    "country": "country",
}

CONTACTS = Module(
    "Contacts",
    "Contact",
    "vtiger_contactdetails",
    "CON",
    (
        t("salutationtype", "salutation", "vtiger_contactdetails.salutation"),
        t("firstname", "first_name"),
        number("contact_no"),
        t("lastname", "last_name"),
        t("phone", "phone_work"),
        t("mobile", "phone_mobile"),
        k("ref", "account_id", "primary_account_id", "vtiger_contactdetails.accountid"),
        t("homephone", "phone_home", "vtiger_contactsubdetails.homephone"),
        t("leadsource", "lead_source", "vtiger_contactsubdetails.leadsource"),
        t("otherphone", "phone_other", "vtiger_contactsubdetails.otherphone"),
        t("title"),
        t("fax", "phone_fax"),
        t("department"),
        t("birthday", "birthdate", "vtiger_contactsubdetails.birthday"),
        t("email", "email1"),
        k("ref", "contact_id", "reports_to_id", "vtiger_contactdetails.reportsto"),
        t("assistant", column="vtiger_contactsubdetails.assistant"),
        t("secondaryemail", "email2"),
        t("assistantphone", "assistant_phone", "vtiger_contactsubdetails.assistantphone"),
        k("bool", "donotcall", "do_not_call"),
        k("bool", "emailoptout", "email_opt_out"),
        *entity_fields(),
        k("bool", "portal", "portal_active", "vtiger_customerdetails.portal"),
        *address("mailing", "primary", "vtiger_contactaddress", MAILING),
        *address("other", "alt", "vtiger_contactaddress", MAILING),
        t("description", column=f"{CRM}.description"),
    ),
)

LEAD_ADDRESS = {
    "lane": "street",
    "city": "city",
    "state": "state",
    "code": "postalcode",
    "country": "country",
}

LEADS = Module(
    "Leads",
    "Lead",
    "vtiger_leaddetails",
    "LEA",
    (
        t("salutationtype", "salutation", "vtiger_leaddetails.salutation"),
        t("firstname", "first_name"),
        number("lead_no"),
        t("lastname", "last_name"),
        t("company", "account_name"),
        t("phone", "phone_work", "vtiger_leadaddress.phone"),
        t("designation", "title"),
        t("mobile", "phone_mobile", "vtiger_leadaddress.mobile"),
        t("leadsource", "lead_source"),
        t("fax", "phone_fax", "vtiger_leadaddress.fax"),
        t("email", "email1"),
        t("leadstatus", "status"),
        t("secondaryemail", "email2"),
        t("website", column="vtiger_leadsubdetails.website"),
        t("rating", "temperature"),
        k("bool", "emailoptout", "email_opt_out"),
        *entity_fields(),
        *(
            t(name, f"primary_address_{ours}", f"vtiger_leadaddress.{name}")
            for name, ours in LEAD_ADDRESS.items()
        ),
        const("pobox"),
        t("description", column=f"{CRM}.description"),
    ),
)

POTENTIALS = Module(
    "Potentials",
    "Opportunity",
    "vtiger_potential",
    "POT",
    (
        t("potentialname", "name"),
        number("potential_no"),
        k("money", "amount"),
        k("ref", "related_to", "account_id", "vtiger_potential.related_to"),
        t("closingdate", "date_closed"),
        t("opportunity_type", "opportunity_type", "vtiger_potential.potentialtype"),
        t("nextstep", "next_step"),
        t("leadsource", "lead_source"),
        t("sales_stage"),
        k("int", "probability"),
        t("forecast_category"),
        *entity_fields(),
        t("description", column=f"{CRM}.description"),
    ),
)

HELPDESK = Module(
    "HelpDesk",
    "aCase",
    "vtiger_troubletickets",
    "TT",
    (
        number("ticket_no"),
        k("ref", "parent_id", "account_id"),
        k("ref", "contact_id", "cust_contact_id"),
        t("ticketpriorities", "priority", "vtiger_troubletickets.priority"),
        t("ticketstatus", "status", "vtiger_troubletickets.status"),
        t("ticketcategories", "category", "vtiger_troubletickets.category"),
        t("tickettype", "type"),
        t("hours", "effort_actual"),
        *entity_fields(),
        t("ticket_title", "name", "vtiger_troubletickets.title"),
        t("description", column=f"{CRM}.description"),
        t("solution", "resolution"),
    ),
)

PRODUCTS = Module(
    "Products",
    "Product",
    "vtiger_products",
    "PRO",
    (
        t("productname", "name"),
        number("product_no"),
        t("productcategory", "product_category"),
        t("mfr_part_no", "manufacturers_part_no"),
        t("vendor_part_no"),
        k("ref", "vendor_id", "supplier_id"),
        t("website", "url"),
        k("money", "unit_price", "list_price"),
        k("money", "purchase_cost", "cost"),
        t("weight"),
        *entity_fields(),
        t("description", column=f"{CRM}.description"),
    ),
)

PROJECT = Module(
    "Project",
    "Project",
    "vtiger_project",
    "PROJ",
    (
        t("projectname", "name"),
        number("project_no"),
        t("startdate", "date_starting"),
        t("targetenddate", "date_ending"),
        t("projectstatus", "project_phase"),
        t("projecttype", "project_type"),
        k("ref", "linktoaccountscontacts", "account_id"),
        k("money", "targetbudget", "amount"),
        k("int", "progress", "percent_complete"),
        *entity_fields(),
        t("description", column=f"{CRM}.description"),
    ),
)

PROJECT_TASK = Module(
    "ProjectTask",
    "ProjectTask",
    "vtiger_projecttask",
    "PT",
    (
        t("projecttaskname", "name"),
        number("projecttask_no"),
        k("ref", "projectid", "parent_id"),
        t("projecttaskpriority", "priority"),
        k("int", "projecttaskprogress", "percent_complete"),
        t("projecttaskstatus", "status"),
        t("startdate", "date_start"),
        t("enddate", "date_due"),
        k("int", "projecttasknumber", "order_number"),
        *entity_fields(),
        t("description", column=f"{CRM}.description"),
    ),
)

CALENDAR = Module(
    "Calendar",
    "Task",
    "vtiger_activity",
    "",
    (
        t("subject", "name"),
        t("date_start"),
        t("due_date", "date_due"),
        t("taskstatus", "status", "vtiger_activity.status"),
        t("taskpriority", "priority", "vtiger_activity.priority"),
        k("parent", "parent_id", "parent_id", "vtiger_seactivityrel.crmid"),
        k("ref", "contact_id", "contact_id", "vtiger_cntactivityrel.contactid"),
        const("activitytype", "Task"),
        *entity_fields(),
        t("description", column=f"{CRM}.description"),
    ),
)

EVENTS = Module(
    "Events",
    "Meeting",
    "vtiger_activity",
    "",
    (
        t("subject", "name"),
        t("date_start"),
        t("due_date", "date_end"),
        k("int", "duration_minutes", "duration"),
        t("eventstatus", "status"),
        t("location"),
        k("parent", "parent_id", "parent_id", "vtiger_seactivityrel.crmid"),
        const("activitytype", "Meeting"),
        *entity_fields(),
        t("description", column=f"{CRM}.description"),
    ),
)


def tally(
    name: str, model: str, table: str, prefix: str, own: tuple[VField, ...], ads: str = ""
) -> Module:
    """Quotes, SalesOrder, Invoice: their own fields, then the shared ones (addresses in
    `<ads>billads` and `<ads>shipads`, the main table's name unless given)."""
    return Module(
        name,
        model,
        table,
        prefix,
        (
            t("subject", "name"),
            *own,
            k("ref", "potential_id", "opportunity_id", f"{table}.potentialid"),
            k("ref", "account_id", "billing_account_id", f"{table}.accountid"),
            k("ref", "contact_id", "billing_contact_id", f"{table}.contactid"),
            k("money", "hdnSubTotal", "subtotal", f"{table}.subtotal"),
            k("money", "hdnDiscountAmount", "discount", f"{table}.discount_amount"),
            k("money", "hdnS_H_Amount", "shipping", f"{table}.s_h_amount"),
            k("money", "pre_tax_total", "pretax"),
            k("money", "hdnGrandTotal", "amount", f"{table}.total"),
            *entity_fields(),
            *bill_ship(ads or table),
            t("terms_conditions", "terms"),
            t("description", column=f"{CRM}.description"),
        ),
    )


QUOTES = tally(
    "Quotes",
    "Quote",
    "vtiger_quotes",
    "QUO",
    (number("quote_no"), t("quotestage", "quote_stage"), t("validtill", "valid_until")),
)
SALES_ORDER = tally(
    "SalesOrder",
    "SalesOrder",
    "vtiger_salesorder",
    "SO",
    (
        number("salesorder_no"),
        t("sostatus", "so_stage"),
        t("duedate", "due_date"),
        k("ref", "quote_id", "quote_id", "vtiger_salesorder.quoteid"),
    ),
    ads="vtiger_so",
)
INVOICE = tally(
    "Invoice",
    "Invoice",
    "vtiger_invoice",
    "INV",
    (
        number("invoice_no"),
        t("invoicedate", "invoice_date"),
        t("duedate", "due_date"),
        k("ref", "salesorder_id", "sales_order_id", "vtiger_invoice.salesorderid"),
        k("money", "balance", "amount_due"),
    ),
)

MODULES = {
    m.name: m
    for m in (
        ACCOUNTS,
        CONTACTS,
        LEADS,
        POTENTIALS,
        HELPDESK,
        PRODUCTS,
        PROJECT,
        PROJECT_TASK,
        CALENDAR,
        EVENTS,
        QUOTES,
        SALES_ORDER,
        INVOICE,
    )
}

BOOL_TYPES = frozenset({"bool", "Boolean"})
MONEY_TYPES = frozenset({"currency", "decimal", "Numeric"})
INT_TYPES = frozenset({"int", "Number"})


def custom_fields(module: Module, model: Model) -> tuple[VField, ...]:
    """The model's custom fields under their Amity names (in Vtiger's `<table>cf`)."""
    taken = {vf.name for vf in module.fields}
    out = []
    for fd in model.fields.values():
        if fd.custom and fd.stored and fd.name not in taken:
            out.append(VField(fd.name, fd.name, kind_of(fd), f"{module.table}cf.{fd.name}"))
    return tuple(out)


def kind_of(fd: Field) -> str:
    if fd.type in BOOL_TYPES:
        return "bool"
    if fd.type in MONEY_TYPES:
        return "money"
    if fd.type in INT_TYPES:
        return "int"
    return "text"


def field_table(module: Module, model: Model) -> tuple[VField, ...]:
    """The module's fields that its model has (a declared field whose Amity field is gone
    is left out), then the model's custom fields."""
    known = tuple(vf for vf in module.fields if vf.amity is None or vf.amity in model.fields)
    return (*known, *custom_fields(module, model))
