"""Service and project models: aCase, Document, DocumentRevision, Project, ProjectTask."""

from __future__ import annotations

from amity.schema.builder import build_model, currency_fields, f, ref
from amity.schema.builtin.activities import EFFORT_UNITS
from amity.schema.builtin.people import LEAD_SOURCES
from amity.schema.model import Model, Portal

PRIORITIES = ["P1", "P2", "P3"]
# how a project task waits for the task it depends on
DEPENDENCY_TYPES = ["Finish to Start", "Start to Start", "Finish to Finish", "Start to Finish"]


def case_model() -> Model:
    return build_model(
        "aCase",
        "cases",
        "Case",
        [
            f("case_number", "int", "Number", editable=False, indexed=True, auto_number=True),
            f("name", "name", "Subject", required=True, indexed=True, len=255),
            *ref("account", "Account", "Account"),
            *ref("cust_contact", "Contact", "Customer Contact"),
            f(
                "status",
                "enum",
                "Status",
                required=True,
                default="Active - New",
                indexed=True,
                options=[
                    "Active - New",
                    "Active - Assigned",
                    "Active - In Progress",
                    "Active - Pending Input",
                    "Closed - Resolved",
                    "Closed - Rejected",
                    "Closed - Duplicate",
                ],
            ),
            f("priority", "enum", "Priority", required=True, default="P2", options=PRIORITIES),
            f("type", "enum", "Type", options=["Administration", "Product", "User", "Billing"]),
            f("category", "enum", "Category", options=["Question", "Problem", "Feature Request"]),
            f("date_closed", "date", "Date Closed"),
            f("effort_actual", "float", "Actual Effort"),
            f("effort_actual_unit", "enum", "Effort Unit", options=EFFORT_UNITS),
            f("travel_time", "float", "Travel Time"),
            f("travel_time_unit", "enum", "Travel Time Unit", options=EFFORT_UNITS),
            f("arrival_time", "datetime", "Arrival Time"),
            f("cust_req_no", "varchar", "Customer Request No.", len=50),
            f("cust_phone_no", "phone", "Customer Phone"),
            f("vendor_rma_no", "varchar", "Vendor RMA No.", len=50),
            f("vendor_svcreq_no", "varchar", "Vendor Service Request No.", len=50),
            f("date_billed", "date", "Date Billed"),
            f("rating", "varchar", "Rating"),
            f("description", "text", "Description"),
            f("resolution", "text", "Resolution"),
            f("last_activity_date", "datetime", "Last Activity"),
            f("portal_flag", "bool", "Show in Portal", default=True),
        ],
        search=("name", "case_number"),
        list_fields=("case_number", "name", "status", "priority", "account", "account_id"),
        module="Cases",
        portal=Portal(link="cases", flag="portal_flag", create=True),
    )


def document_model() -> Model:
    return build_model(
        "Document",
        "documents",
        "Document",
        [
            f("name", "name", "Document Name", required=True, indexed=True, len=255),
            # 1CRM's name of the field (its PHP client writes it): the same value as name
            f("document_name", "varchar", "Document Name", len=255, mirrors="name"),
            f(
                "category_id",
                "enum",
                "Category",
                options=["Marketing", "Knowledge Base", "Sales", "Contracts", "Other"],
            ),
            f("subcategory_id", "varchar", "Subcategory"),
            f(
                "status_id",
                "enum",
                "Status",
                options=["Active", "Draft", "FAQ", "Expired", "Under Review", "Pending"],
                default="Active",
            ),
            f("active_date", "date", "Publish Date"),
            f("exp_date", "date", "Expiration Date"),
            # revision: the latest revision's number, set by the server
            f("revision", "varchar", "Revision", len=20, editable=False),
            f("revision_filename", "file_ref", "File"),
            f("file_mime_type", "varchar", "MIME Type"),
            *ref("document_revision", "DocumentRevision", "Latest Revision", editable=False),
            f("portal_flag", "bool", "Show in Portal", default=False),
            f("description", "text", "Description"),
        ],
        list_fields=("name", "category_id", "status_id"),
        module="Documents",
        portal=Portal(link="documents", flag="portal_flag"),
    )


def document_revision_model() -> Model:
    """One uploaded version of a Document's file (the document's `revisions` link). Shares
    the Documents module: /meta/modules lists both models there, Document first."""
    return build_model(
        "DocumentRevision",
        "document_revisions",
        "Document Revision",
        [
            f("name", "name", "Name", indexed=True, len=255),  # every model is shown by name
            *ref("document", "Document", "Document", required=True),
            f("filename", "file_ref", "File", required=True),
            f("file_mime_type", "varchar", "MIME Type"),
            # numbered by the server (the next number of the document) when left empty
            f("revision", "varchar", "Revision", len=20),
            f("change_log", "text", "Change Log"),
            f("file_size", "int", "File Size", editable=False),  # set from the stored file
        ],
        search=("name", "revision"),
        list_fields=("revision", "name", "document", "document_id", "date_entered"),
        default_order="date_entered",
        module="Documents",
    )


def project_model() -> Model:
    return build_model(
        "Project",
        "projects",
        "Project",
        [
            f("name", "name", "Name", required=True, indexed=True, len=150),
            f("description", "text", "Description"),
            *ref("account", "Account", "Account", required=True),
            f("amount", "currency", "Amount"),
            *currency_fields(),
            f("total_expected_cost", "currency", "Expected Cost"),
            f("total_expected_revenue", "currency", "Expected Revenue"),
            f("total_actual_cost", "currency", "Actual Cost"),
            f("total_actual_revenue", "currency", "Actual Revenue"),
            f("lead_source", "enum", "Lead Source", options=LEAD_SOURCES),
            *ref("invoice", "Invoice", "Invoice"),
            f("project_type", "enum", "Type", options=["Internal", "Customer", "Partner"]),
            f(
                "project_phase",
                "enum",
                "Phase",
                required=True,
                default="Active - Starting Soon",
                options=[
                    "Active - Starting Soon",
                    "Active - In Progress",
                    "Active - On Hold",
                    "Closed - Complete",
                    "Closed - Terminated",
                ],
            ),
            f("date_starting", "date", "Start Date", required=True),
            f("date_ending", "date", "End Date", required=True),
            f("percent_complete", "int", "Percent Complete"),
            f("use_timesheets", "bool", "Use Timesheets", default=False),
        ],
        list_fields=("name", "account", "account_id", "project_phase", "date_ending"),
        module="Project",
    )


def project_task_model() -> Model:
    return build_model(
        "ProjectTask",
        "project_tasks",
        "Project Task",
        [
            f("name", "name", "Name", required=True, indexed=True, len=150),
            *ref("parent", "Project", "Project", required=True),
            f(
                "status",
                "enum",
                "Status",
                required=True,
                default="Not Started",
                options=["Not Started", "In Progress", "Completed", "Pending Input", "Deferred"],
            ),
            f("priority", "enum", "Priority", options=PRIORITIES, default="P2"),
            f("date_start", "date", "Start Date", required=True, indexed=True),
            f("date_due", "date", "Due Date", required=True, indexed=True),
            f("order_number", "int", "Order"),
            f("task_number", "int", "Task Number"),
            f("include_weekends", "bool", "Include Weekends", default=False),
            *currency_fields(),
            f("percent_complete", "int", "Percent Complete"),
            f("milestone_flag", "bool", "Milestone", default=False),
            f("portal_flag", "bool", "Show in Portal", default=False),
            *ref("depends_on", "ProjectTask", "Depends On"),
            f("dependency_type", "enum", "Dependency Type", options=DEPENDENCY_TYPES),
            f("description", "text", "Description"),
        ],
        list_fields=("name", "parent", "parent_id", "status", "date_due"),
        default_order="date_start",
        module="ProjectTask",
    )
