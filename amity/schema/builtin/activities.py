"""Activities: Task, Call, Meeting, Note, each linked to a parent record of any model."""

from __future__ import annotations

from amity.schema.builder import build_model, f, ref
from amity.schema.model import Field, Model

EFFORT_UNITS = ["minutes", "hours", "days"]
PARENT_TYPES = [
    "Account",
    "Contact",
    "Lead",
    "Opportunity",
    "aCase",
    "Project",
    "Contract",
    "Asset",
]


def parent_fields() -> list[Field]:
    """parent_type + parent_id, and `parent` shown by the parent record's name."""
    return [
        f("parent_type", "enum", "Parent Type", options=PARENT_TYPES),
        Field(name="parent", type="ref", label="Related To", ref_model=None, id_name="parent_id"),
        Field(name="parent_id", type="id", label="Related To ID", indexed=True),
    ]


def task_model() -> Model:
    return build_model(
        "Task",
        "tasks",
        "Task",
        [
            f("name", "name", "Subject", required=True, indexed=True, len=255),
            f(
                "status",
                "enum",
                "Status",
                required=True,
                default="Not Started",
                options=["Not Started", "In Progress", "Completed", "Pending Input", "Deferred"],
            ),
            f(
                "priority",
                "enum",
                "Priority",
                required=True,
                default="P2",
                options=["P1", "P2", "P3"],
            ),
            f("date_start", "datetime", "Start Date"),
            f("date_due", "datetime", "Due Date", indexed=True),
            f("is_private", "bool", "Private", default=False),
            *parent_fields(),
            *ref("contact", "Contact", "Contact"),
            *ref("account", "Account", "Account"),
            f("effort_estim", "float", "Estimated Effort"),
            f("effort_estim_unit", "enum", "Estimated Effort Unit", options=EFFORT_UNITS),
            f("effort_actual", "float", "Actual Effort"),
            f("effort_actual_unit", "enum", "Effort Unit", options=EFFORT_UNITS),
            f("description", "text", "Description"),
        ],
        list_fields=("name", "status", "date_due", "parent_type", "parent", "parent_id"),
        default_order="date_due",
        module="Tasks",
    )


def _meeting_like() -> list[Field | list[Field]]:
    return [
        f("name", "name", "Subject", required=True, indexed=True, len=255),
        f("date_start", "datetime", "Start Date", required=True, indexed=True),
        f("date_end", "datetime", "End Date"),
        f("duration", "int", "Duration (minutes)", default=15),
        *parent_fields(),
        f("description", "text", "Description"),
    ]


def call_model() -> Model:
    return build_model(
        "Call",
        "calls",
        "Call",
        [
            *_meeting_like(),
            f(
                "direction",
                "enum",
                "Direction",
                options=["Inbound", "Outbound"],
                default="Outbound",
            ),
            f(
                "status",
                "enum",
                "Status",
                required=True,
                default="Planned",
                options=["Planned", "Held", "Not Held"],
            ),
            f("phone_number", "phone", "Phone Number"),
        ],
        list_fields=("name", "direction", "status", "date_start", "parent_type", "parent"),
        default_order="date_start",
        module="Calls",
    )


def meeting_model() -> Model:
    return build_model(
        "Meeting",
        "meetings",
        "Meeting",
        [
            *_meeting_like(),
            f("location", "varchar", "Location", len=150),
            f(
                "status",
                "enum",
                "Status",
                required=True,
                default="Planned",
                options=["Planned", "Held", "Not Held"],
            ),
        ],
        list_fields=("name", "location", "status", "date_start", "parent_type", "parent"),
        default_order="date_start",
        module="Meetings",
    )


def note_model() -> Model:
    return build_model(
        "Note",
        "notes",
        "Note",
        [
            f("name", "name", "Subject", required=True, indexed=True, len=255),
            *parent_fields(),
            *ref("contact", "Contact", "Contact"),
            *ref("account", "Account", "Account"),
            f("filename", "file_ref", "Attachment"),
            f("file_mime_type", "varchar", "MIME Type"),
            f("portal_flag", "bool", "Show in Portal", default=False),
            f("description", "text", "Note"),
        ],
        list_fields=("name", "parent_type", "parent", "parent_id", "date_entered"),
        default_order="date_entered",
        module="Notes",
    )
