"""Person models: User, Contact, Lead."""

from __future__ import annotations

from amity.schema.builder import address_codes, address_fields, build_model, f, ref
from amity.schema.model import Field, Model, Portal

# the choices of a user's preferences, as 1CRM writes them (PHP date letters)
PREFERRED_LANGUAGES = ("en", "de")
DATE_PATTERNS = {  # -> the Babel (CLDR) pattern that prints the format
    "Y-m-d": "yyyy-MM-dd",
    "d.m.Y": "dd.MM.yyyy",
    "d/m/Y": "dd/MM/yyyy",
    "m/d/Y": "MM/dd/yyyy",
    "Y/m/d": "yyyy/MM/dd",
    "d-m-Y": "dd-MM-yyyy",
}
TIME_PATTERNS = {"H:i": "HH:mm", "h:i A": "hh:mm a", "H.i": "HH.mm"}
PREFERENCE_FIELDS = ("language", "date_format", "time_format", "timezone", "currency_id")
"""The fields of the User record that say how to format for the user (a user may change
them on their own record)."""

LEAD_SOURCES = [
    "Cold Call",
    "Existing Customer",
    "Self Generated",
    "Employee",
    "Partner",
    "Public Relations",
    "Direct Mail",
    "Conference",
    "Trade Show",
    "Web Site",
    "Word of mouth",
    "Email",
    "Other",
]


def _contact_channels() -> list[Field]:
    return [
        f("title", "varchar", "Title"),
        f("department", "varchar", "Department"),
        f("phone_work", "phone", "Office Phone"),
        f("phone_mobile", "phone", "Mobile"),
        f("phone_home", "phone", "Home Phone"),
        f("phone_other", "phone", "Other Phone"),
        f("phone_fax", "phone", "Fax"),
        f("email1", "email", "Email", indexed=True),
        f("email2", "email", "Other Email", indexed=True),
        f("website", "url", "Website"),
        f("do_not_call", "bool", "Do Not Call", default=False),
        f("email_opt_out", "bool", "Email Opt Out", default=False),
        f("invalid_email", "bool", "Invalid Email", default=False),
        f("description", "text", "Description"),
        *address_fields("primary", "Primary Address"),
        *address_codes("primary", "Primary Address"),
        *address_fields("alt", "Alternate Address"),
        *address_codes("alt", "Alternate Address"),
        f("skype_id", "varchar", "Skype ID"),
        f("email_opt_in", "bool", "Email Opt In", default=False),
        f("email_opt_in_date", "datetime", "Email Opt In Date"),
        f("consent_to_process", "bool", "Consent to Process", default=False),
        f("personal_info_source", "varchar", "Source of Personal Data", len=255),
    ]


def user_model() -> Model:
    return build_model(
        "User",
        "users",
        "User",
        [
            f(
                "user_name",
                "varchar",
                "User Name",
                required=True,
                indexed=True,
                len=60,
                unique=True,
            ),
            f("status", "enum", "Status", options=["Active", "Inactive"], default="Active"),
            f("is_admin", "bool", "Administrator", default=False, editable=False),
            f("title", "varchar", "Title"),
            f("department", "varchar", "Department"),
            f("email1", "email", "Email", indexed=True),
            f("phone_work", "phone", "Work Phone"),
            f("phone_mobile", "phone", "Mobile"),
            # preferences: how Amity formats for the user (amity/core/preferences.py)
            f("language", "enum", "Language", options=list(PREFERRED_LANGUAGES)),
            f("date_format", "enum", "Date Format", options=list(DATE_PATTERNS)),
            f("time_format", "enum", "Time Format", options=list(TIME_PATTERNS)),
            f("timezone", "Timezone", "Time Zone", default="UTC", len=100),
            *ref("currency", "Currency", "Currency"),
            f("description", "text", "Description"),
        ],
        person=True,
        search=("user_name", "first_name", "last_name"),
        list_fields=("user_name", "salutation", "first_name", "last_name"),
        module="Users",
    )


def contact_model() -> Model:
    return build_model(
        "Contact",
        "contacts",
        "Contact",
        [
            *_contact_channels(),
            *ref("primary_account", "Account", "Primary Account"),
            *ref("reports_to", "Contact", "Reports To"),
            f("lead_source", "enum", "Lead Source", options=LEAD_SOURCES),
            f("birthdate", "date", "Birthdate"),
            f("assistant", "varchar", "Assistant"),
            f("assistant_phone", "phone", "Assistant Phone"),
            f("business_role", "varchar", "Business Role"),
            f("portal_active", "bool", "Portal Active", default=False),
            f("portal_name", "varchar", "Portal Name"),
            f("last_activity_date", "datetime", "Last Activity"),
            f("photo", "image", "Photo"),
        ],
        person=True,
        search=("first_name", "last_name", "email1"),
        module="Contacts",
        portal=Portal(),
    )


def lead_model() -> Model:
    return build_model(
        "Lead",
        "leads",
        "Lead",
        [
            *_contact_channels(),
            f(
                "status",
                "enum",
                "Status",
                required=True,
                default="New",
                options=["New", "Assigned", "In Process", "Converted", "Recycled", "Dead"],
            ),
            f("status_description", "text", "Status Description"),
            f("lead_source", "enum", "Lead Source", options=LEAD_SOURCES),
            f("lead_source_description", "text", "Lead Source Description"),
            f("temperature", "enum", "Temperature", options=["Cold", "Warm", "Hot"]),
            f("refered_by", "varchar", "Referred By"),
            f("account_name", "varchar", "Account Name", indexed=True),
            f("account_description", "text", "Account Description"),
            f("converted", "bool", "Converted", default=False),
            f("date_converted", "datetime", "Date Converted"),
            *ref("account", "Account", "Converted Account"),
            *ref("contact", "Contact", "Converted Contact"),
            *ref("opportunity", "Opportunity", "Converted Opportunity"),
            *ref("reports_to", "Lead", "Reports To"),
            f("last_activity_date", "datetime", "Last Activity"),
            f("photo", "image", "Photo"),
        ],
        person=True,
        search=("first_name", "last_name", "account_name", "email1"),
        module="Leads",
    )
