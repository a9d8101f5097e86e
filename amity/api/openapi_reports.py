"""The OpenAPI operations of /reports (amity/api/native/reports.py)."""

from __future__ import annotations

from typing import Any

from amity.core.reports.service import CHART_FIELDS

STRING: dict[str, Any] = {"type": "string"}
NULLABLE_STRING: dict[str, Any] = {"type": ["string", "null"]}
NAMES: dict[str, Any] = {"type": "array", "items": STRING}
AGGREGATES: dict[str, Any] = {
    "type": "array",
    "items": {
        "type": "object",
        "required": ["field", "function"],
        "properties": {
            "field": STRING,
            "function": {"type": "string", "enum": ["count", "sum", "avg", "min", "max"]},
        },
    },
}
SHARED: dict[str, Any] = {
    "type": "object",
    "properties": {"users": NAMES, "teams": NAMES},
    "description": "ids of the users and teams who may read the report and its runs",
}
CHART = {name: NULLABLE_STRING for name in CHART_FIELDS}
SPEC: dict[str, Any] = {
    "sources_spec": {"type": "object"},
    "columns_spec": NAMES,
    "filters_spec": NAMES,
    "filter_values": {"type": "object"},
    "sort_order": NULLABLE_STRING,
    "groups": NAMES,
    "aggregates": AGGREGATES,
}
REPORT: dict[str, Any] = {
    "type": "object",
    "required": ["id", "name", "primary_module", "columns_spec", "max_keep", "shared_with"],
    "properties": {
        "id": STRING,
        "name": STRING,
        "description": NULLABLE_STRING,
        "primary_module": STRING,
        **SPEC,
        "run_method": {"type": "string", "enum": ["interactive", "scheduled"]},
        "next_run": NULLABLE_STRING,
        "run_interval": {"type": ["integer", "null"]},
        "run_interval_unit": NULLABLE_STRING,
        **CHART,
        "from_template": {"type": "boolean"},
        "from_template_id": NULLABLE_STRING,
        "last_run": NULLABLE_STRING,
        "export_ids": NULLABLE_STRING,
        "max_keep": {"type": "integer"},
        "shared_with": SHARED,
        "assigned_user_id": STRING,
        "assigned_user_name": NULLABLE_STRING,
        "date_entered": STRING,
        "date_modified": STRING,
    },
}
RUN: dict[str, Any] = {
    "type": "object",
    "required": ["id", "reportdata_number", "report_id", "status", "archived", "record_count"],
    "properties": {
        "id": STRING,
        "reportdata_number": {"type": "integer"},
        "full_name": STRING,
        "report": STRING,
        "report_id": STRING,
        "cache_filename": NULLABLE_STRING,
        **SPEC,
        "archived": {"type": "boolean", "description": "true once its rows are archived"},
        "name": STRING,
        "description": NULLABLE_STRING,
        **CHART,
        "record_count": {"type": "integer"},
        "record_offsets": NULLABLE_STRING,
        "primary_module": STRING,
        "export_ids": NULLABLE_STRING,
        "status": {"type": "string", "enum": ["queued", "running", "done", "failed"]},
        "error": NULLABLE_STRING,
        "run_by": STRING,
        "job_id": NULLABLE_STRING,
        "date_entered": STRING,
        "date_modified": STRING,
    },
}


def page(item: dict[str, Any]) -> dict[str, Any]:
    return {
        "type": "object",
        "required": ["records", "total_results"],
        "properties": {
            "records": {"type": "array", "items": item},
            "total_results": {"type": "integer"},
        },
    }


PAGING: list[dict[str, Any]] = [
    {"name": "offset", "in": "query", "schema": {"type": "integer", "minimum": 0}},
    {"name": "limit", "in": "query", "schema": {"type": "integer", "minimum": 1, "maximum": 200}},
]
DEFINITION: dict[str, Any] = {
    "type": "object",
    "description": "name and primary_module (a model) are needed to define; columns are "
    "field names (ref fields give the linked record's name), filters the filters "
    "GET /data/{model} takes, order as there, groups up to three fields, aggregates on "
    "number and money fields; run_interval_unit: hours, days, weeks or months",
    "properties": {
        "name": STRING,
        "description": STRING,
        "primary_module": STRING,
        "columns": NAMES,
        "filters": {"type": "object"},
        "order": STRING,
        "groups": NAMES,
        "aggregates": AGGREGATES,
        "max_keep": {"type": "integer", "minimum": 1, "maximum": 1000},
        "shared_with": SHARED,
        "run_interval": {"type": ["integer", "null"], "minimum": 1, "maximum": 1000},
        "run_interval_unit": {"type": "string", "enum": ["hours", "days", "weeks", "months"]},
        "next_run": {"type": "string", "description": "Y-m-d H:i:s, UTC"},
        **CHART,
    },
}
BODY: dict[str, Any] = {"type": "object", "required": ["data"], "properties": {"data": DEFINITION}}
RESULT: dict[str, Any] = {
    "type": "object",
    "required": ["result"],
    "properties": {"result": {"type": "boolean"}},
}

OPERATIONS: dict[tuple[str, str], dict[str, Any]] = {
    ("GET", "/reports/{model}"): {
        "summary": "The model's reports the caller may read (own, shared, or all for admins)",
        "tag": "Reports",
        "ok": page(REPORT),
        "query": PAGING,
    },
    ("POST", "/reports"): {
        "summary": "Define a report: columns, filters, order, groups, aggregates, schedule",
        "tag": "Reports",
        "body": BODY,
        "ok": {"type": "object", "required": ["id"], "properties": {"id": STRING}},
    },
    ("GET", "/reports/{model}/{id}"): {
        "summary": "The archived runs of a report, newest first",
        "tag": "Reports",
        "ok": page(RUN),
        "query": PAGING,
    },
    ("PATCH", "/reports/{model}/{id}"): {
        "summary": "Change a report (its owner or an administrator)",
        "tag": "Reports",
        "body": BODY,
        "ok": RESULT,
    },
    ("DELETE", "/reports/{model}/{id}"): {
        "summary": "Delete a report and its runs (its owner or an administrator)",
        "tag": "Reports",
        "ok": RESULT,
    },
    ("POST", "/reports/{model}/{id}/run"): {
        "summary": "Run a report as a job with the caller's rights; the run (status queued)",
        "tag": "Reports",
        "ok": RUN,
    },
    ("GET", "/reports/data/{model}/{id}"): {
        "summary": "The rows of a run (JSON pages), or all of them as CSV or XLSX (format)",
        "tag": "Reports",
        "export": True,
        "errors": ("409",),
        "query": [
            *PAGING,
            {
                "name": "format",
                "in": "query",
                "schema": {"type": "string", "enum": ["json", "csv", "xlsx"]},
            },
        ],
    },
}
DATA_PAGE: dict[str, Any] = page({"type": "object"})
