"""The webhook form: its inputs as a webhook body for the webhooks service, and the
filter editor, which builds a filter of the webhook filter language
(amity/core/webhooks/filters.py) from rows of conditions, or takes the filter as text.

A row is `cond-N-field`, `cond-N-filter`, `cond-N-value`, `cond-N-value2`, `cond-N-when`;
the rows' conditions are joined by `glue`. A non-empty `filters` (the filter as JSON text)
is used instead of the rows. A list operand (any_of, all_of, not_any_of, and every
operand of a multi-option field) is written with commas between the options.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

import orjson

from amity.core.webhooks.filters import (
    KINDS,
    LIST_OPERATORS,
    NO_OPERAND,
    OPERATORS,
    WHENS,
)
from amity.core.webhooks.service import PAYLOADS, TYPES
from amity.errors import AmityError
from amity.schema.model import Field, Model

MAX_ROWS = 100
TWO_OPERANDS = frozenset({"between", "between_dates"})
OPERATOR_LABELS = {
    "eq": "is",
    "not_eq": "is not",
    "prefix": "starts with",
    "suffix": "ends with",
    "like": "contains",
    "not_like": "does not contain",
    "empty": "is empty",
    "not_empty": "is not empty",
    "lt": "less than",
    "lte": "at most",
    "gt": "greater than",
    "gte": "at least",
    "between": "between",
    "on_date": "on",
    "not_on_date": "not on",
    "before_date": "before",
    "after_date": "after",
    "between_dates": "between the dates",
    "yesterday": "yesterday",
    "today": "today",
    "tomorrow": "tomorrow",
    "period_prev": "in the previous period",
    "period_current": "in the current period",
    "period_next": "in the next period",
    "any_of": "is one of",
    "not_any_of": "is none of",
    "all_of": "has all of",
    "is_true": "is true",
    "is_false": "is false",
}
"""Each operator's English label (the ui catalog translates it)."""
WHEN_LABELS = {
    "current_value": "value after the change",
    "prev_value": "value before the change",
    "changed_to": "changed to",
    "changed": "changed from",
    "not_changed": "unchanged and",
}
TYPE_LABELS = {
    "create": "created",
    "update": "changed",
    "create_update": "created or changed",
    "delete": "deleted",
}
PAYLOAD_LABELS = {"record": "the record", "event": "the event"}
FILTER_ERRORS = ("Webhook filter", "{value!r} is not an option of field {field}")
URL_ERRORS = ("The webhook URL",)
MODEL_ERRORS = ("Model {name} not found", "The webhook's owner may not read", "model must")


def operator_kinds() -> list[tuple[str, str, str]]:
    """(operator, English label, the kinds of field it fits, space-separated)."""
    out: dict[str, list[str]] = {}
    for kind, ops in OPERATORS.items():
        for op in ops:
            out.setdefault(op, []).append(kind)
    return [(op, OPERATOR_LABELS.get(op, op), " ".join(kinds)) for op, kinds in out.items()]


def condition_kind(fd: Field) -> str | None:
    """The kind of webhook condition a field takes (text, number, date, enum, multienum,
    bool), None for a field a filter cannot test."""
    return KINDS.get(fd.kind.filter_kind)


def filter_fields(model: Model) -> list[tuple[Field, str]]:
    """The fields a webhook filter on the model may test, with their kind, by name."""
    out = []
    for fd in model.fields.values():
        kind = condition_kind(fd)
        if kind is not None:
            out.append((fd, kind))
    return sorted(out, key=lambda pair: pair[0].name)


class FilterText(ValueError):
    """The filter typed as text is not JSON."""


@dataclass
class Row:
    """One condition of the editor, as typed."""

    field: str = ""
    filter: str = ""
    value: str = ""
    value2: str = ""
    when: str = "current_value"

    @property
    def blank(self) -> bool:
        return not self.field


@dataclass
class WebhookForm:
    """What the webhook form shows and sends."""

    type: str = "create_update"
    model: str = "Contact"
    url: str = ""
    payload: str = "record"
    glue: str = "and"
    rows: list[Row] = field(default_factory=list)
    filters: str = ""  # the filter as text; used instead of the rows when not empty

    def with_blank_row(self) -> WebhookForm:
        """The form with one empty row at the end (where the user adds a condition)."""
        if self.rows and self.rows[-1].blank:
            return self
        return WebhookForm(
            self.type,
            self.model,
            self.url,
            self.payload,
            self.glue,
            [*self.rows, Row()],
            self.filters,
        )


def posted_form(form: Mapping[str, Any]) -> WebhookForm:
    """The form as the user sent it (nothing is lost for showing it again)."""

    def text(name: str) -> str:
        value = form.get(name)
        return value.strip() if isinstance(value, str) else ""

    rows = []
    for n in range(MAX_ROWS):
        prefix = f"cond-{n}-"
        if f"{prefix}field" not in form:
            continue
        rows.append(
            Row(
                field=text(f"{prefix}field"),
                filter=text(f"{prefix}filter"),
                value=text(f"{prefix}value"),
                value2=text(f"{prefix}value2"),
                when=text(f"{prefix}when") or "current_value",
            )
        )
    raw = form.get("filters")
    return WebhookForm(
        type=text("type"),
        model=text("model"),
        url=text("url"),
        payload=text("payload") or "record",
        glue=text("glue") or "and",
        rows=rows,
        filters=raw.strip() if isinstance(raw, str) else "",
    )


def form_of(row: Mapping[str, Any]) -> WebhookForm:
    """The form of a stored webhook: a filter of one group of conditions as rows, any
    other (nested groups) as text."""
    stored = orjson.loads(row["filters"]) if isinstance(row["filters"], str) else row["filters"]
    out = WebhookForm(
        type=str(row["type"]),
        model=str(row["model"]),
        url=str(row["url"]),
        payload=str(row["payload"]),
        glue=str(stored.get("glue", "and")),
    )
    entries = stored.get("conditions", [])
    if any("conditions" in entry or "glue" in entry for entry in entries):
        out.filters = orjson.dumps(stored, option=orjson.OPT_INDENT_2).decode()
        return out
    for entry in entries:
        value = entry.get("value")
        out.rows.append(
            Row(
                field=str(entry.get("field", "")),
                filter=str(entry.get("filter", "")),
                value=", ".join(str(v) for v in value)
                if isinstance(value, list)
                else ("" if value is None else str(value)),
                value2="" if entry.get("value2") is None else str(entry["value2"]),
                when=str(entry.get("when", "current_value")),
            )
        )
    return out


def webhook_body(form: WebhookForm, model: Model | None) -> dict[str, Any]:
    """The body for the webhooks service (create or update). The filter is left out when
    the form has none (the service's default applies)."""
    body: dict[str, Any] = {
        "type": form.type,
        "model": form.model,
        "url": form.url,
        "payload": form.payload,
    }
    if form.filters:
        try:
            body["filters"] = orjson.loads(form.filters)
        except orjson.JSONDecodeError as exc:
            raise FilterText(str(exc)) from None
        return body
    rows = [row for row in form.rows if not row.blank]
    if rows:
        body["filters"] = {
            "glue": form.glue,
            "conditions": [condition(row, model) for row in rows],
        }
    return body


def condition(row: Row, model: Model | None) -> dict[str, Any]:
    """A row as a condition of the filter language."""
    out: dict[str, Any] = {"field": row.field, "filter": row.filter or None, "when": row.when}
    if row.filter in NO_OPERAND:
        return out
    fd = model.fields.get(row.field) if model is not None else None
    multi = fd is not None and condition_kind(fd) == "multienum"
    if row.filter in LIST_OPERATORS or multi:
        out["value"] = [part.strip() for part in row.value.split(",") if part.strip()]
    elif row.value:
        out["value"] = row.value
    if row.filter in TWO_OPERANDS and row.value2:
        out["value2"] = row.value2
    return out


def error_place(exc: AmityError, form: WebhookForm) -> str | None:
    """Which input a rejected webhook's message goes beside: type, model, url, payload,
    filters, cond-N (a row); None for a message of the whole form."""
    message = exc.message_id
    params = exc.params
    if message.startswith(FILTER_ERRORS):
        if form.filters:
            return "filters"
        where = str(params.get("where", ""))
        rows = [n for n, row in enumerate(form.rows) if not row.blank]
        for position, n in enumerate(rows):
            if f"conditions[{position}]" in where or form.rows[n].field == params.get("field"):
                return f"cond-{n}"
        return "conditions"
    if message.startswith(URL_ERRORS) or message.startswith("url "):
        return "url"
    if message.startswith(MODEL_ERRORS):
        return "model"
    name = params.get("field")
    if name in ("type", "url", "model", "payload"):
        return str(name)
    return None


def choices() -> dict[str, Any]:
    """The fixed choices of the form: types, payloads, glues, whens, operators."""
    return {
        "types": [(t, TYPE_LABELS[t]) for t in TYPES],
        "payloads": [(p, PAYLOAD_LABELS[p]) for p in PAYLOADS],
        "whens": [(w, WHEN_LABELS[w]) for w in WHENS],
        "operators": operator_kinds(),
    }
