"""The OpenAPI operations of /calendar (amity/api/native/calendar.py)."""

from __future__ import annotations

from typing import Any

STAMP: dict[str, Any] = {
    "type": ["string", "null"],
    "description": "Y-m-d H:i:s, GMT (a project task's date: midnight of that day)",
}
EVENT: dict[str, Any] = {
    "type": "object",
    "required": [
        "id",
        "name",
        "type",
        "date_start",
        "date_due",
        "start_date",
        "due_date",
        "location",
    ],
    "properties": {
        "id": {"type": "string"},
        "name": {"type": "string"},
        "type": {"type": "string", "enum": ["Call", "Meeting", "Task", "ProjectTask"]},
        "date_start": STAMP,
        "date_due": STAMP,
        "start_date": {**STAMP, "description": "the same as date_start (the seed's name)"},
        "due_date": {**STAMP, "description": "the same as date_due (the seed's name)"},
        "location": {"type": ["string", "null"]},
    },
}
BOUND = {
    "in": "query",
    "required": True,
    "schema": {"type": "string"},
}

OPERATIONS: dict[tuple[str, str], dict[str, Any]] = {
    ("GET", "/calendar/events"): {
        "summary": "Events (calls, meetings, tasks, project tasks) that overlap a date range, "
        "grouped by type, sorted by date, at most 200 of each type",
        "tag": "Calendar",
        "ok": {
            "type": "object",
            "required": ["records"],
            "properties": {"records": {"type": "array", "items": EVENT}},
        },
        "query": [
            {
                "name": "start_date",
                **BOUND,
                "description": "lower bound, inclusive: Y-m-d H:i:s or Y-m-d (GMT)",
            },
            {
                "name": "end_date",
                **BOUND,
                "description": "upper bound, inclusive: Y-m-d H:i:s, or Y-m-d for the whole "
                "day (GMT)",
            },
            {
                "name": "types[]",
                "in": "query",
                "schema": {
                    "type": "array",
                    "items": {"type": "string", "enum": ["Call", "Meeting", "Task", "ProjectTask"]},
                },
                "description": "only these types, in this order (default: all, in this order)",
            },
        ],
        "errors": ("400",),
    },
    ("GET", "/calendar/ics/{token}"): {
        "summary": "The iCalendar feed of the feed token's user (no other credentials): "
        "30 days back to 180 days ahead, times in UTC",
        "tag": "Calendar",
        "public": True,
        "ics": True,
    },
    ("POST", "/calendar/ics/token"): {
        "summary": "A new calendar feed token for the caller (replacing the old one), "
        "shown once, with the feed URL",
        "tag": "Calendar",
        "ok": {
            "type": "object",
            "required": ["token", "url"],
            "properties": {"token": {"type": "string"}, "url": {"type": "string"}},
        },
    },
    ("DELETE", "/calendar/ics/token"): {
        "summary": "Revoke the caller's calendar feed token: its URL answers 404",
        "tag": "Calendar",
        "ok": {"type": "object", "properties": {"result": {"type": "boolean"}}},
    },
}
