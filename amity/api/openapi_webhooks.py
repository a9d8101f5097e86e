"""The OpenAPI operations of /webhooks (amity/api/native/webhooks.py)."""

from __future__ import annotations

from typing import Any

STRING: dict[str, Any] = {"type": "string"}
NULLABLE_STRING: dict[str, Any] = {"type": ["string", "null"]}
NULLABLE_INT: dict[str, Any] = {"type": ["integer", "null"]}
TYPES = ["create", "update", "create_update", "delete"]
FILTER: dict[str, Any] = {
    "type": "object",
    "description": "WebhookFilter: {glue: and|or, conditions: [condition or WebhookFilter]}; "
    "a condition has field, filter (the operator), value, value2 and when "
    "(changed, not_changed, changed_to, current_value, prev_value)",
    "properties": {
        "glue": {"type": "string", "enum": ["and", "or"]},
        "conditions": {"type": "array", "items": {"type": "object"}},
    },
}
WEBHOOK: dict[str, Any] = {
    "type": "object",
    "required": ["id", "type", "url", "model", "filters", "assigned_user_id"],
    "properties": {
        "id": STRING,
        "type": {"type": "string", "enum": TYPES},
        "url": STRING,
        "model": STRING,
        "filters": FILTER,
        "assigned_user_id": STRING,
        "payload": {"type": "string", "enum": ["record", "event"]},
        "disabled": {"type": "boolean"},
        "disabled_reason": NULLABLE_STRING,
        "date_entered": STRING,
        "date_modified": STRING,
    },
}
WITH_SECRET: dict[str, Any] = {
    **WEBHOOK,
    "required": [*WEBHOOK["required"], "secret"],
    "properties": {
        **WEBHOOK["properties"],
        "secret": {"type": "string", "description": "whsec_...: shown this once"},
    },
}
DELIVERY: dict[str, Any] = {
    "type": "object",
    "required": ["id", "webhook_id", "event_id", "attempt", "status_code", "duration_ms"],
    "properties": {
        "id": STRING,
        "webhook_id": STRING,
        "event_id": STRING,
        "attempt": {"type": "integer"},
        "status_code": NULLABLE_INT,
        "duration_ms": {"type": "integer"},
        "response": NULLABLE_STRING,
        "error": NULLABLE_STRING,
        "date_created": STRING,
    },
}
PAGING: list[dict[str, Any]] = [
    {"name": "offset", "in": "query", "schema": {"type": "integer", "minimum": 0}},
    {"name": "limit", "in": "query", "schema": {"type": "integer", "minimum": 1, "maximum": 200}},
]
BODY: dict[str, Any] = {
    "type": "object",
    "properties": {
        "type": {"type": "string", "enum": TYPES},
        "url": {
            "type": "string",
            "description": "https:// (http:// only into AMITY_WEBHOOK_ALLOW_NETWORKS)",
        },
        "model": STRING,
        "filters": FILTER,
        "payload": {"type": "string", "enum": ["record", "event"]},
        "assigned_user_id": STRING,
        "disabled": {"type": "boolean"},
    },
}


def page(item: dict[str, Any]) -> dict[str, Any]:
    return {
        "type": "object",
        "required": ["total_results", "records"],
        "properties": {
            "total_results": {"type": "integer", "minimum": 0},
            "records": {"type": "array", "items": item},
        },
    }


OPERATIONS: dict[tuple[str, str], dict[str, Any]] = {
    ("GET", "/webhooks"): {
        "summary": "Your webhooks (an administrator's: all)",
        "tag": "Webhooks",
        "query": PAGING,
        "ok": page(WEBHOOK),
    },
    ("POST", "/webhooks"): {
        "summary": "Create a webhook; its signing secret is shown once",
        "tag": "Webhooks",
        "body": {**BODY, "required": ["type", "url", "model"]},
        "ok": WITH_SECRET,
    },
    ("GET", "/webhooks/{id}"): {"summary": "One webhook", "tag": "Webhooks", "ok": WEBHOOK},
    ("PATCH", "/webhooks/{id}"): {
        "summary": "Change a webhook (disabled: false switches it on again)",
        "tag": "Webhooks",
        "body": BODY,
        "ok": WEBHOOK,
    },
    ("PUT", "/webhooks/{id}"): {
        "summary": "Change a webhook (as PATCH)",
        "tag": "Webhooks",
        "body": BODY,
        "ok": WEBHOOK,
    },
    ("DELETE", "/webhooks/{id}"): {
        "summary": "Remove a webhook",
        "tag": "Webhooks",
        "ok": {
            "type": "object",
            "required": ["id", "type", "url", "model"],
            "properties": {"id": STRING, "type": STRING, "url": STRING, "model": STRING},
        },
    },
    ("POST", "/webhooks/{id}/rotate_secret"): {
        "summary": "A new signing secret; for 24 hours deliveries carry both signatures",
        "tag": "Webhooks",
        "ok": WITH_SECRET,
    },
    ("POST", "/webhooks/{id}/recover"): {
        "summary": "Switch the webhook on and resend what failed since a time",
        "tag": "Webhooks",
        "body": {
            "type": "object",
            "required": ["since"],
            "properties": {"since": {"type": "string", "description": "Y-m-d H:i:s (UTC)"}},
        },
        "ok": {
            **WEBHOOK,
            "properties": {**WEBHOOK["properties"], "requeued": {"type": "integer"}},
        },
    },
    ("POST", "/webhooks/{id}/test"): {
        "summary": "Send a test event now; the attempt as logged",
        "tag": "Webhooks",
        "ok": DELIVERY,
    },
    ("GET", "/webhooks/{id}/deliveries"): {
        "summary": "Delivery attempts, newest first (kept 30 days)",
        "tag": "Webhooks",
        "query": PAGING,
        "ok": page(DELIVERY),
    },
    ("POST", "/webhooks/{id}/deliveries/{delivery_id}/replay"): {
        "summary": "Send a logged delivery's event again, with the same webhook-id",
        "tag": "Webhooks",
        "ok": {
            "type": "object",
            "required": ["result", "event_id"],
            "properties": {"result": {"type": "boolean"}, "event_id": STRING},
        },
    },
}
