"""The OpenAPI operations of /tally and /printer (amity/api/native/tally.py, printer.py)."""

from __future__ import annotations

from typing import Any

GROUP: dict[str, Any] = {
    "type": "object",
    "description": "A line group's fields, with its parts in position order",
    "required": ["id", "lines", "comments", "adjustments"],
    "properties": {
        "id": {"type": "string"},
        "lines": {"type": "array", "items": {"type": "object"}},
        "comments": {"type": "array", "items": {"type": "object"}},
        "adjustments": {
            "type": "array",
            "items": {"type": "object"},
            "description": "taxes, discounts and shipping; line_id null: the whole group",
        },
    },
}
WHOLE: dict[str, Any] = {
    "type": "object",
    "required": ["record", "groups"],
    "properties": {
        "record": {"type": "object", "description": "as GET /data/{model}/{id} gives it"},
        "groups": {"type": "array", "items": GROUP},
    },
}
WRITTEN: dict[str, Any] = {
    "type": "object",
    "required": ["id", "record", "groups"],
    "properties": {"id": {"type": "string"}, **WHOLE["properties"]},
}
BODY: dict[str, Any] = {
    "type": "object",
    "description": "The whole object: record fields, and groups with lines (each may carry "
    "its own adjustments), comments and adjustments. Parts with an id are kept, parts "
    "without are created, parts left out are deleted; every amount is computed.",
    "properties": {
        "record": {"type": "object"},
        "groups": {"type": "array", "items": {"type": "object"}},
    },
}

OPERATIONS: dict[tuple[str, str], dict[str, Any]] = {
    ("GET", "/tally/{model}/{id}"): {
        "summary": "A tally object whole: the record and its groups with lines, comments "
        "and adjustments",
        "tag": "Tally objects",
        "ok": WHOLE,
        "query": [
            {
                "name": "fields[]",
                "in": "query",
                "schema": {"type": "array", "items": {"type": "string"}},
                "description": "the record's fields to include (all by default)",
            }
        ],
    },
    ("POST", "/tally/{model}"): {
        "summary": "Create a whole tally object in one transaction, totals computed",
        "tag": "Tally objects",
        "body": BODY,
        "ok": WRITTEN,
    },
    ("PUT", "/tally/{model}/{id}"): {
        "summary": "Replace a tally object's record and parts in one transaction",
        "tag": "Tally objects",
        "body": BODY,
        "ok": WRITTEN,
    },
    ("POST", "/tally/{model}/{id}/convert"): {
        "summary": "A sales order or invoice made from a quote (an invoice from an order), "
        "lines copied",
        "tag": "Tally objects",
        "body": {"type": "object", "properties": {"to": {"type": "string"}}},
        "ok": {
            "type": "object",
            "required": ["model", "id"],
            "properties": {"model": {"type": "string"}, "id": {"type": "string"}},
        },
    },
    ("GET", "/printer/pdf/{model}/{id}"): {
        "summary": "A record as PDF: tally objects as documents, others as a record sheet; "
        "numbers, dates and labels follow Accept-Language",
        "tag": "Tally objects",
        "pdf": True,
    },
    ("GET", "/printer/pdf/personal/{model}/{id}"): {
        "summary": "A person's data as PDF (GDPR): every personal field of the record and the "
        "records that hold their data, with dates; labels follow Accept-Language",
        "tag": "Tally objects",
        "pdf": True,
    },
}
