"""OpenCRM's entities and their field names, each mapped onto an Amity model and its
fields. OpenCRM's published field reference was not at hand: the names below follow its
lower-case, underscore-free style (`companyname`, `firstname`) and are this server's
contract; a model field without an entry here (custom fields too) keeps its Amity name.

Every name a request uses (to write, filter or order) is looked up here or in the model's
fields; nothing from a request reaches SQL but through the records service."""

from __future__ import annotations

from dataclasses import dataclass, field

from amity.schema.model import Model


@dataclass(frozen=True)
class Entity:
    name: str  # company, contact, ... as in get_{name}_list
    model: str  # the Amity model
    id_field: str  # the record's integer id on the wire (companyid)
    fields: dict[str, str]  # wire name -> Amity field
    summary: tuple[str, ...]  # the wire fields of get_{name}_list (besides the id)
    amity_names: dict[str, str] = field(init=False)  # Amity field -> wire name

    def __post_init__(self) -> None:
        object.__setattr__(self, "amity_names", {v: k for k, v in self.fields.items()})

    def wire_name(self, amity_field: str) -> str:
        return self.amity_names.get(amity_field, amity_field)

    def amity_field(self, model: Model, wire: str) -> str | None:
        """The model field a wire name stands for (its own name for unmapped fields);
        None for a name the entity does not have."""
        mapped = self.fields.get(wire)
        if mapped is not None:
            return mapped
        if wire in model.fields and wire not in self.amity_names:
            return wire
        return None


COMMON = {
    "assigned_user_id": "assigned_user_id",
    "createdtime": "date_entered",
    "modifiedtime": "date_modified",
    "created_by": "created_by",
    "description": "description",
}

ENTITIES: dict[str, Entity] = {
    e.name: e
    for e in (
        Entity(
            "company",
            "Account",
            "companyid",
            {
                **COMMON,
                "companyname": "name",
                "companytype": "account_type",
                "industry": "industry",
                "phone": "phone_office",
                "fax": "phone_fax",
                "otherphone": "phone_alternate",
                "email": "email1",
                "otheremail": "email2",
                "website": "website",
                "employees": "employees",
                "annualrevenue": "annual_revenue",
                "rating": "rating",
                "ownership": "ownership",
                "siccode": "sic_code",
                "tickersymbol": "ticker_symbol",
                "bill_street": "billing_address_street",
                "bill_city": "billing_address_city",
                "bill_state": "billing_address_state",
                "bill_code": "billing_address_postalcode",
                "bill_country": "billing_address_country",
                "ship_street": "shipping_address_street",
                "ship_city": "shipping_address_city",
                "ship_state": "shipping_address_state",
                "ship_code": "shipping_address_postalcode",
                "ship_country": "shipping_address_country",
            },
            ("companyname", "phone", "email", "website", "assigned_user_id"),
        ),
        Entity(
            "contact",
            "Contact",
            "contactid",
            {
                **COMMON,
                "salutation": "salutation",
                "firstname": "first_name",
                "lastname": "last_name",
                "title": "title",
                "department": "department",
                "companyid": "primary_account_id",
                "email": "email1",
                "otheremail": "email2",
                "phone": "phone_work",
                "mobile": "phone_mobile",
                "homephone": "phone_home",
                "otherphone": "phone_other",
                "fax": "phone_fax",
                "birthday": "birthdate",
                "leadsource": "lead_source",
                "reportsto": "reports_to_id",
                "assistant": "assistant",
                "assistantphone": "assistant_phone",
                "donotcall": "do_not_call",
                "emailoptout": "email_opt_out",
                "mailingstreet": "primary_address_street",
                "mailingcity": "primary_address_city",
                "mailingstate": "primary_address_state",
                "mailingzip": "primary_address_postalcode",
                "mailingcountry": "primary_address_country",
                "otherstreet": "alt_address_street",
                "othercity": "alt_address_city",
                "otherstate": "alt_address_state",
                "otherzip": "alt_address_postalcode",
                "othercountry": "alt_address_country",
            },
            ("firstname", "lastname", "email", "phone", "companyid", "assigned_user_id"),
        ),
        Entity(
            "lead",
            "Lead",
            "leadid",
            {
                **COMMON,
                "salutation": "salutation",
                "firstname": "first_name",
                "lastname": "last_name",
                "title": "title",
                "email": "email1",
                "phone": "phone_work",
                "mobile": "phone_mobile",
                "website": "website",
                "leadsource": "lead_source",
            },
            ("firstname", "lastname", "email", "phone", "assigned_user_id"),
        ),
        Entity(
            "opportunity",
            "Opportunity",
            "opportunityid",
            {
                **COMMON,
                "opportunityname": "name",
                "companyid": "account_id",
                "amount": "amount",
                "closingdate": "date_closed",
                "salesstage": "sales_stage",
                "probability": "probability",
                "nextstep": "next_step",
                "opportunitytype": "opportunity_type",
                "leadsource": "lead_source",
            },
            ("opportunityname", "companyid", "amount", "closingdate", "salesstage"),
        ),
        Entity(
            "activity",
            "Task",
            "activityid",
            {
                **COMMON,
                "subject": "name",
                "status": "status",
                "priority": "priority",
                "date_start": "date_start",
                "due_date": "date_due",
                "contactid": "contact_id",
                "companyid": "account_id",
            },
            ("subject", "status", "date_start", "due_date", "assigned_user_id"),
        ),
        Entity(
            "asset",
            "Asset",
            "assetid",
            {
                **COMMON,
                "assetname": "name",
                "assetnumber": "asset_number",
                "serialnumber": "serial_number",
                "productid": "product_id",
                "companyid": "account_id",
                "contactid": "contact_id",
                "assetstatus": "status",
                "dateinservice": "date_in_service",
                "purchasedate": "purchase_date",
            },
            ("assetname", "serialnumber", "assetstatus", "companyid"),
        ),
        Entity(
            "contract",
            "Contract",
            "contractid",
            {
                **COMMON,
                "subject": "name",
                "contractnumber": "contract_number",
                "companyid": "account_id",
                "contactid": "contact_id",
                "contractstatus": "status",
                "contracttype": "contract_type",
                "startdate": "start_date",
                "enddate": "end_date",
                "contractvalue": "contract_value",
            },
            ("subject", "contractnumber", "companyid", "contractstatus", "enddate"),
        ),
        Entity(
            "product",
            "Product",
            "productid",
            {
                **COMMON,
                "productname": "name",
                "productcategory": "product_category",
                "unit_price": "list_price",
                "cost_price": "cost",
                "mfr_part_no": "manufacturers_part_no",
                "vendor_part_no": "vendor_part_no",
                "website": "url",
                "vendorid": "supplier_id",
            },
            ("productname", "productcategory", "unit_price"),
        ),
        Entity(
            "project",
            "Project",
            "projectid",
            {  # the seed's example names the assigned user field Assigned_to
                **{k: v for k, v in COMMON.items() if k != "assigned_user_id"},
                "Assigned_to": "assigned_user_id",
                "projectname": "name",
                "companyid": "account_id",
                "startdate": "date_starting",
                "targetenddate": "date_ending",
                "projecttype": "project_type",
                "projectphase": "project_phase",
                "progress": "percent_complete",
            },
            (
                "projectname",
                "companyid",
                "startdate",
                "targetenddate",
                "Assigned_to",
                "modifiedtime",
            ),
        ),
        Entity(
            "quote",
            "Quote",
            "quoteid",
            {
                **COMMON,
                "subject": "name",
                "quotestage": "quote_stage",
                "validtill": "valid_until",
                "opportunityid": "opportunity_id",
                "companyid": "billing_account_id",
                "contactid": "billing_contact_id",
            },
            ("subject", "quotestage", "companyid", "validtill"),
        ),
        Entity(
            "salesorder",
            "SalesOrder",
            "salesorderid",
            {
                **COMMON,
                "subject": "name",
                "sostatus": "so_stage",
                "duedate": "due_date",
                "quoteid": "quote_id",
                "companyid": "billing_account_id",
                "contactid": "billing_contact_id",
            },
            ("subject", "sostatus", "companyid", "duedate"),
        ),
        Entity(
            "invoice",
            "Invoice",
            "invoiceid",
            {
                **COMMON,
                "subject": "name",
                "invoicedate": "invoice_date",
                "duedate": "due_date",
                "salesorderid": "sales_order_id",
                "companyid": "billing_account_id",
                "contactid": "billing_contact_id",
            },
            ("subject", "invoicedate", "companyid", "duedate"),
        ),
        Entity(
            "purchaseorder",
            "PurchaseOrder",
            "purchaseorderid",
            {
                **COMMON,
                "subject": "name",
                "duedate": "due_date",
                "vendorid": "billing_account_id",
                "contactid": "billing_contact_id",
            },
            ("subject", "vendorid", "duedate"),
        ),
        Entity(
            "ticket",
            "aCase",
            "ticketid",
            {
                **COMMON,
                "ticket_title": "name",
                "ticket_no": "case_number",
                "companyid": "account_id",
                "contactid": "cust_contact_id",
                "ticketstatus": "status",
                "ticketpriorities": "priority",
                "ticketcategories": "category",
                "solution": "resolution",
            },
            ("ticket_title", "ticket_no", "ticketstatus", "ticketpriorities", "companyid"),
        ),
    )
}
