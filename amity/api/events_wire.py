"""One change event on the wire, as the change feed shows it (and webhooks will send it)."""

from __future__ import annotations

from typing import Any

DATETIME_FORMAT = "%Y-%m-%d %H:%M:%S"  # UTC, as the 1CRM wire writes times


def render_changes(changes: dict[str, Any]) -> dict[str, Any]:
    """{field: [before, after]} as {field: {"before", "after"}}; a secret's change stays
    {"changed": true}, never a value."""
    out: dict[str, Any] = {}
    for name, change in changes.items():
        if isinstance(change, list) and len(change) == 2:
            out[name] = {"before": change[0], "after": change[1]}
        elif isinstance(change, dict):
            out[name] = dict(change)
        else:  # not written by Writer.emit's callers; shown as the value it became
            out[name] = {"before": None, "after": change}
    return out


def render_event(event: dict[str, Any]) -> dict[str, Any]:
    """An outbox row (its changes parsed) in the wire shape."""
    return {
        "id": str(event["id"]),
        "kind": event["kind"],
        "model": event["model"],
        "record_id": event["record_id"],
        "changes": render_changes(event["changes"]),
        "actor": {
            "user_id": event["actor_id"],
            "credential": event["credential"],
            "credential_id": event["credential_id"],
            "client_id": event["client_id"],
        },
        "source": event["source"],
        "request_id": event["request_id"],
        "date_created": event["date_created"].strftime(DATETIME_FORMAT),
    }
