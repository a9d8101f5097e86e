"""The OpenAPI 3.1 document of the API, generated from the routes and the current metadata.

Routes that take a model are written out once per model (`/data/Contact`, ...), with that
model's fields, filters and links, so a client generator or a validator sees real shapes.
Other routes are described by OPERATIONS below; a route missing there still appears, with
a generic answer, and the test suite fails until it is described.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from starlette.routing import BaseRoute, Route

from amity import __version__
from amity.api.openapi_calendar import OPERATIONS as CALENDAR_OPERATIONS
from amity.api.openapi_files import OPERATIONS as FILE_OPERATIONS
from amity.api.openapi_reports import DATA_PAGE
from amity.api.openapi_reports import OPERATIONS as REPORT_OPERATIONS
from amity.api.openapi_tally import OPERATIONS as TALLY_OPERATIONS
from amity.api.openapi_webhooks import OPERATIONS as WEBHOOK_OPERATIONS
from amity.schema.builtin.tally import KINDS_BY_NAME as KINDS
from amity.schema.model import Field, Model
from amity.schema.registry import Registry

JSON = "application/json"
ERROR_STATUSES = {
    "400": "Bad request: a parameter or value is wrong (the message names it)",
    "401": "No credentials, or invalid ones",
    "403": "Not allowed (rights, scope, CSRF, address or plain HTTP)",
    "404": "No such model, record, link or endpoint (or not readable by the caller)",
    "405": "Method not allowed",
    "409": "Conflict with a unique value, a concurrent write or the last active "
    "administrator, or the first request with this Idempotency-Key still runs",
    "410": "Gone: a change-feed cursor older than the retention (resynchronise from /data)",
    "412": "If-Match names another version of the record (its current ETag is in the ETag "
    "header), or the record does not exist",
    "413": "Request body too large",
    "415": "Unsupported content type",
    "416": "The Range asked for is not within the file",
    "422": "The Idempotency-Key was used before for a different request",
    "429": "Rate limit exceeded (see Retry-After)",
    "503": "The database is busy or unreachable: retry later",
}
NULLABLE_STRING: dict[str, Any] = {"type": ["string", "null"]}
# JSON shapes of stored values, by the field type's storage kind
STORAGE_SCHEMAS: dict[str, dict[str, Any]] = {
    "string": {"type": "string"},
    "text": {"type": "string"},
    "integer": {"type": "integer"},
    "bool": {"type": "boolean"},
    "float": {"type": "number"},
    "scaled": {"type": "string"},  # amounts: "224.55" (value_schema adds the places)
    "date": {"type": "string", "pattern": r"^\d{4}-\d{2}-\d{2}$"},
    "datetime": {"type": "string", "pattern": r"^\d{4}-\d{2}-\d{2} \d{2}:\d{2}:\d{2}$"},
    "none": {"type": "string"},
}
TYPE_SCHEMAS: dict[str, dict[str, Any]] = {  # types whose JSON differs from their storage
    "multienum": {"type": "array", "items": {"type": "string"}},
    "MultiSelect": {"type": "array", "items": {"type": "integer"}, "description": "option ids"},
    "Checkbox": {"type": "array", "items": {"type": "integer"}, "description": "option ids"},
    "ColorSwatch": {"type": "string", "pattern": "^#[0-9A-Fa-f]{6}$"},
    "URL": {"type": "string", "format": "uri"},
    "Numeric": {"type": "number"},  # App CRM writes its Numeric values as numbers
}
RESULT = {"type": "object", "properties": {"result": {"type": "boolean"}}, "required": ["result"]}


def value_schema(fd: Field) -> dict[str, Any]:
    """The JSON schema of a field's value as the API shows it (null when empty)."""
    base = dict(
        TYPE_SCHEMAS.get(fd.type) or STORAGE_SCHEMAS.get(fd.kind.storage) or {"type": "string"}
    )
    if fd.options and fd.type == "enum":
        base["enum"] = [*fd.options, None]
    if fd.kind.storage == "scaled" and base["type"] == "string":
        base["pattern"] = rf"^-?\d+\.\d{{{fd.scale}}}$"
    kinds = base.get("type")
    if isinstance(kinds, str):
        base["type"] = [kinds, "null"]
    base["description"] = f"{fd.vname} ({fd.type})" + (
        f": {base['description']}" if "description" in base else ""
    )
    return base


def input_schema(fd: Field) -> dict[str, Any]:
    """What a client may send for a field: its value, or null to clear it."""
    schema = value_schema(fd)
    if fd.kind.storage in ("scaled", "integer", "float"):  # numbers, or numbers in strings
        schema.pop("pattern", None)
        schema["type"] = ["integer" if fd.kind.storage == "integer" else "number", "string", "null"]
    if fd.max_length is not None and fd.kind.storage in ("string", "text"):
        schema["maxLength"] = fd.max_length
    return schema


def editable(fd: Field) -> bool:
    return fd.editable and not fd.system and not fd.derived and fd.type != "ref"


def model_schemas(model: Model) -> dict[str, Any]:
    """`{Model}` (a record as read) and `{Model}Data` (fields a client may write)."""
    record = {
        "type": "object",
        "description": f"A {model.label} record",
        "properties": {name: value_schema(fd) for name, fd in model.fields.items()},
    }
    data = {
        "type": "object",
        "description": f"Fields of a {model.label} to write",
        "properties": {name: input_schema(fd) for name, fd in model.fields.items() if editable(fd)},
    }
    return {model.name: record, model.name + "Data": data}


def ref(name: str) -> dict[str, str]:
    return {"$ref": f"#/components/schemas/{name}"}


def ok(schema: dict[str, Any], description: str = "Success") -> dict[str, Any]:
    return {"description": description, "content": {JSON: {"schema": schema}}}


def page_of(model_name: str) -> dict[str, Any]:
    return {
        "type": "object",
        "required": ["records", "total_results", "next_cursor"],
        "properties": {
            "records": {"type": "array", "items": ref(model_name)},
            "total_results": {"type": "integer", "minimum": 0},
            "next_cursor": {
                **NULLABLE_STRING,
                "description": "Beyond 1CRM: pass it as `cursor` for the page after this "
                "one (null: this is the last). A cursor's page costs what the first does, "
                "at any depth, and skips or repeats no record while others write.",
            },
        },
    }


def with_errors(responses: dict[str, Any], statuses: Iterable[str]) -> dict[str, Any]:
    out = dict(responses)
    for status in statuses:
        out.setdefault(status, {"$ref": f"#/components/responses/E{status}"})
    return out


COMMON_ERRORS = ("400", "401", "403", "404", "429", "503")
BODY_ERRORS = ("409", "413", "415")


def model_parameters(model: Model) -> dict[str, dict[str, Any]]:
    """`{Model}.fields` and `{Model}.filters`: the list parameters that name its fields."""
    filters = {
        name: {"type": "string", "description": f.describe()["vname"]}
        for name, f in sorted(model.filters.items())
    }
    return {
        f"{model.name}.fields": {
            "name": "fields[]",
            "in": "query",
            "style": "form",
            "explode": True,
            "description": "Fields to return (default: the list view's)",
            "schema": {"type": "array", "items": {"type": "string", "enum": sorted(model.fields)}},
        },
        f"{model.name}.filters": {
            "name": "filters",
            "in": "query",
            "style": "deepObject",
            "explode": True,
            "description": "Named filters, filters[name]=value (see /meta/fields)",
            "example": {},  # what Swagger UI's "Try it out" sends as is: no filter
            "schema": {"type": "object", "properties": filters, "additionalProperties": False},
        },
    }


COMMON_LIST_PARAMETERS: dict[str, dict[str, Any]] = {
    "filter_text": {
        "name": "filter_text",
        "in": "query",
        "schema": {"type": "string"},
        "description": "Text searched in the model's search fields",
    },
    "order": {
        "name": "order",
        "in": "query",
        "schema": {"type": "string"},
        "description": "A field name, optionally followed by ' desc'",
    },
    "offset": {"name": "offset", "in": "query", "schema": {"type": "integer", "minimum": 0}},
    "cursor": {
        "name": "cursor",
        "in": "query",
        "schema": {"type": "string"},
        "description": "Beyond 1CRM: the `next_cursor` of the previous page (same order, "
        "no offset): keyset paging",
    },
    "limit": {
        "name": "limit",
        "in": "query",
        "schema": {"type": "integer", "minimum": 1, "maximum": 200, "default": 20},
    },
    "query_favorite": {
        "name": "query_favorite",
        "in": "query",
        "schema": {"type": "boolean"},
        "description": "Only the caller's favorites",
    },
}


def param_ref(name: str) -> dict[str, str]:
    return {"$ref": f"#/components/parameters/{name}"}


def list_parameters(model_name: str) -> list[dict[str, Any]]:
    """The 1CRM list parameters, with this model's field and filter names."""
    return [
        param_ref(f"{model_name}.fields"),
        param_ref(f"{model_name}.filters"),
        *(param_ref(name) for name in COMMON_LIST_PARAMETERS),
    ]


ID_PARAM = {"name": "id", "in": "path", "required": True, "schema": {"type": "string"}}
ETAG_HEADER = {
    "ETag": {
        "description": "The record's strong entity tag: it changes with every change of the record",
        "schema": {"type": "string"},
    }
}
IF_MATCH = {
    "name": "If-Match",
    "in": "header",
    "schema": {"type": "string"},
    "description": "Change the record only while its ETag is one of these (or any existing "
    "record: *); otherwise 412",
}
IF_NONE_MATCH = {
    "name": "If-None-Match",
    "in": "header",
    "schema": {"type": "string"},
    "description": "304 without a body while the record's ETag is one of these (or *)",
}


def with_etag(response: dict[str, Any]) -> dict[str, Any]:
    """A response that carries the record's ETag header."""
    return {**response, "headers": ETAG_HEADER}


def model_paths(model: Model) -> dict[str, dict[str, Any]]:
    """Every /data and /meta path of one model."""
    m = model.name
    tag = [m]
    data_body = {
        "required": True,
        "content": {
            JSON: {
                "schema": {
                    "type": "object",
                    "required": ["data"],
                    "properties": {"data": ref(m + "Data")},
                }
            }
        },
    }
    paths: dict[str, dict[str, Any]] = {
        f"/data/{m}": {
            "get": {
                "operationId": f"list{m}",
                "summary": f"List {model.label} records",
                "tags": tag,
                "parameters": list_parameters(m),
                "responses": with_errors({"200": ok(page_of(m))}, COMMON_ERRORS),
            },
            "post": {
                "operationId": f"create{m}",
                "summary": f"Create a {model.label}",
                "tags": tag,
                "requestBody": data_body,
                "responses": with_errors(
                    {
                        "200": ok(
                            {
                                "type": "object",
                                "required": ["id"],
                                "properties": {"id": {"type": "string"}},
                            }
                        )
                    },
                    (*COMMON_ERRORS, *BODY_ERRORS),
                ),
            },
        },
        f"/data/{m}/{{id}}": {
            "parameters": [ID_PARAM],
            "get": {
                "operationId": f"get{m}",
                "summary": f"Read a {model.label}",
                "tags": tag,
                "parameters": [param_ref(f"{m}.fields"), IF_NONE_MATCH],
                "responses": with_errors(
                    {
                        "200": with_etag(
                            ok(
                                {
                                    "type": "object",
                                    "required": ["record"],
                                    "properties": {"record": ref(m)},
                                }
                            )
                        ),
                        "304": {
                            "description": "Not modified: If-None-Match names the current ETag",
                            "headers": ETAG_HEADER,
                        },
                    },
                    COMMON_ERRORS,
                ),
            },
            "patch": update_operation(model, "patch", data_body),
            "put": update_operation(model, "put", data_body),
            "delete": {
                "operationId": f"delete{m}",
                "summary": f"Delete a {model.label}",
                "tags": tag,
                "parameters": [IF_MATCH],
                "responses": with_errors(
                    {"200": ok(RESULT)},  # 409: the last active administrator
                    (*COMMON_ERRORS, "409", "412") if m == "User" else (*COMMON_ERRORS, "412"),
                ),
            },
        },
        f"/data/favorites/{m}/{{id}}": {
            "parameters": [ID_PARAM],
            "post": {
                "operationId": f"favorite{m}",
                "tags": tag,
                "summary": "Add to (status 0) or remove from (status 1) favorites",
                "responses": with_errors(
                    {
                        "200": ok(
                            {
                                "type": "object",
                                "required": ["status"],
                                "properties": {"status": {"type": "integer", "enum": [0, 1]}},
                            }
                        )
                    },
                    COMMON_ERRORS,
                ),
            },
        },
        f"/data/erase_personal/{m}/{{id}}": erase_path(m, tag),
        f"/meta/fields/{m}": {
            "get": {
                "operationId": f"fields{m}",
                "summary": f"Fields and filters of {m}",
                "tags": tag,
                "responses": with_errors({"200": ok(ref("FieldsMeta"))}, COMMON_ERRORS),
            }
        },
    }
    for link in model.links.values():
        paths.update(link_paths(model, link.name, link.target))
    return paths


def update_operation(model: Model, method: str, body: dict[str, Any]) -> dict[str, Any]:
    return {
        "operationId": f"{method}{model.name}",
        "tags": [model.name],
        "summary": f"Change a {model.label} (create=true: create it when missing)",
        "parameters": [
            {"name": "create", "in": "query", "schema": {"type": "boolean"}},
            IF_MATCH,
        ],
        "requestBody": body,
        "responses": with_errors(
            {"200": with_etag(ok(RESULT, "Changed (or created); ETag: its new version"))},
            (*COMMON_ERRORS, *BODY_ERRORS, "412"),
        ),
    }


def link_paths(model: Model, link: str, target: str) -> dict[str, dict[str, Any]]:
    m, tag = model.name, [model.name]
    op = f"{m}_{link}"
    ids = {"type": "array", "items": {"type": "string"}}
    add_body = {
        "required": True,
        "content": {
            JSON: {
                "schema": {
                    "type": "object",
                    "properties": {
                        "records": ids,
                        "records_with_data": {
                            "type": "object",
                            "additionalProperties": {"type": "object"},
                        },
                    },
                }
            }
        },
    }
    return {
        f"/data/{m}/{{id}}/{link}": {
            "parameters": [ID_PARAM],
            "get": {
                "operationId": f"related_{op}",
                "tags": tag,
                "summary": f"{target} records linked by {link}",
                "parameters": list_parameters(target),
                "responses": with_errors({"200": ok(page_of(target))}, COMMON_ERRORS),
            },
            "post": {
                "operationId": f"add_{op}",
                "tags": tag,
                "summary": f"Link {target} records by {link}",
                "requestBody": add_body,
                "responses": with_errors({"200": ok(RESULT)}, (*COMMON_ERRORS, *BODY_ERRORS)),
            },
        },
        f"/data/{m}/{{id}}/{link}/{{rel_id}}": {
            "parameters": [
                ID_PARAM,
                {"name": "rel_id", "in": "path", "required": True, "schema": {"type": "string"}},
            ],
            "delete": {
                "operationId": f"unlink_{op}",
                "tags": tag,
                "summary": f"Unlink a {target} record",
                "responses": with_errors({"200": ok(RESULT)}, COMMON_ERRORS),
            },
        },
        f"/data/link/{m}/linked-records/{link}": {
            "get": {
                "operationId": f"linked_{op}",
                "tags": tag,
                "summary": f"{target} records linked to any {m} by {link}",
                "parameters": list_parameters(target),
                "responses": with_errors({"200": ok(page_of(target))}, COMMON_ERRORS),
            }
        },
    }


def obj(**properties: Any) -> dict[str, Any]:
    return {"type": "object", "properties": properties}


STRING = {"type": "string"}
RECORDS = {
    "type": "object",
    "required": ["records"],
    "properties": {
        "records": {"type": "array", "items": {"type": "object"}},
        "total_results": {"type": "integer"},
    },
}
CHANGE_EVENT: dict[str, Any] = {
    "type": "object",
    "required": [
        "id",
        "kind",
        "model",
        "record_id",
        "changes",
        "actor",
        "source",
        "request_id",
        "date_created",
    ],
    "properties": {
        "id": STRING,
        "kind": STRING,
        "model": STRING,
        "record_id": STRING,
        "changes": {
            "type": "object",
            "description": "by field: {before, after}, or {changed: true} for a secret",
            "additionalProperties": {"type": "object"},
        },
        "actor": obj(
            user_id=NULLABLE_STRING,
            credential=NULLABLE_STRING,
            credential_id=NULLABLE_STRING,
            client_id=NULLABLE_STRING,
        ),
        "source": STRING,
        "request_id": NULLABLE_STRING,
        "date_created": {"type": "string", "pattern": r"^\d{4}-\d{2}-\d{2} \d{2}:\d{2}:\d{2}$"},
    },
}
LIST_CHOICE = {
    "summary": "Keep the user's list view choices",
    "tag": "Metadata",
    "body": obj(
        layout=STRING,
        filter_layout=STRING,
        filter_values={"type": "object"},
        offset={"type": "integer"},
        limit={"type": "integer"},
        order_by=STRING,
    ),
    "ok": {"type": "object"},
}
RECORD = {"type": "object", "properties": {"record": {"type": "object"}}}
NULLABLE_INT = {"type": ["integer", "null"]}
JOB = obj(
    record={
        "type": "object",
        "required": ["id", "task", "state", "attempts", "last_error", "next_run", "lock"],
        "properties": {
            "id": STRING,
            "task": STRING,
            "args": {"type": "object"},
            "state": STRING,
            "attempts": {"type": "integer"},
            "max_attempts": NULLABLE_INT,
            "last_error": NULLABLE_STRING,
            "next_run": NULLABLE_STRING,
            "lock": NULLABLE_STRING,
            "date_created": NULLABLE_STRING,
            "date_modified": NULLABLE_STRING,
        },
    }
)
CHANGE_FIELD = {
    "summary": "Change a custom field's label, options, required, index, unique",
    "tag": "Administration",
    "body": {"type": "object"},
    "ok": obj(record={"type": "object"}),
}
MODEL_PORTAL = {
    "type": ["object", "null"],
    "properties": {"link": STRING, "create": {"type": "boolean"}},
}
CHANGE_MODEL = {
    "summary": "Change a custom model's label, activities or portal",
    "tag": "Administration",
    "body": obj(label=STRING, activities={"type": "boolean"}, portal=MODEL_PORTAL),
    "ok": RECORD,
}
AUDIT_ROW = {
    "type": "object",
    "description": "One change of one field of a record",
    "additionalProperties": False,
    "required": [
        "id",
        "created_by_user",
        "created_by",
        "date_created",
        "parent",
        "parent_id",
        "field_name",
        "data_type",
        "before_value_string",
        "after_value_string",
        "before_value_text",
        "after_value_text",
        "erased",
        "source",
    ],
    "properties": {
        "id": STRING,
        "created_by_user": NULLABLE_STRING,
        "created_by": NULLABLE_STRING,
        "date_created": STORAGE_SCHEMAS["datetime"],
        "parent": STRING,
        "parent_id": STRING,
        "field_name": {
            "type": "string",
            "description": "The field; `id` for a create, `deleted` for a delete, a link's "
            "name for a link or unlink",
        },
        "data_type": {"type": "string", "description": "The field's type; `link` for links"},
        "before_value_string": NULLABLE_STRING,
        "after_value_string": NULLABLE_STRING,
        "before_value_text": NULLABLE_STRING,
        "after_value_text": NULLABLE_STRING,
        "erased": {"type": "boolean"},
        "source": {"type": "string", "description": "api <ip>, cli, job or system"},
    },
}
AUDIT_PAGE = {
    "type": "object",
    "required": ["records", "total_results"],
    "properties": {
        "records": {"type": "array", "items": AUDIT_ROW},
        "total_results": {"type": "integer", "minimum": 0},
    },
}
PAGING = [param_ref("offset"), param_ref("limit")]
# Routes outside /data: (method, path) -> summary, tag, request body, 200 schema, auth
OPERATIONS: dict[tuple[str, str], dict[str, Any]] = {
    ("GET", "/"): {
        "summary": "What this server is: name, version, links to this reference, "
        "this document and the quick start (also at / and /api.php)",
        "tag": "Utility",
        "public": True,
        "operation_id": "about",
        "ok": {
            "type": "object",
            "required": ["name", "version", "links"],
            "properties": {
                "name": STRING,
                "version": STRING,
                "description": STRING,
                "api": STRING,
                "links": {"type": "object", "additionalProperties": STRING},
            },
        },
    },
    ("GET", "/me"): {
        "summary": "The authenticated user",
        "tag": "Utility",
        "ok": obj(id=STRING, name=NULLABLE_STRING, role=STRING, groups={"type": "array"}),
    },
    ("GET", "/version"): {
        "summary": "Server version; says whether credentials are valid",
        "tag": "Utility",
        "public": True,
        "ok": obj(version=STRING, products={"type": "array"}, authenticated={"type": "boolean"}),
    },
    ("GET", "/openapi.json"): {
        "summary": "This document, generated from current metadata",
        "tag": "Utility",
        "public": True,
        "ok": {"type": "object"},
    },
    ("GET", "/audit/{model}"): {
        "summary": "Field-level audit of the model's records the caller may read, newest first",
        "tag": "Audit",
        "query": PAGING,
        "ok": AUDIT_PAGE,
    },
    ("GET", "/audit/{model}/{id}"): {
        "summary": "Field-level audit of one record, newest first (empty when the caller "
        "may not read the record)",
        "tag": "Audit",
        "query": PAGING,
        "ok": AUDIT_PAGE,
    },
    ("GET", "/admin/api_calls"): {
        "summary": "The API call log (administrators)",
        "tag": "Administration",
        "ok": RECORDS,
    },
    ("GET", "/admin/jobs"): {
        "summary": "Background jobs, newest first (administrators)",
        "tag": "Administration",
        "query": [
            {"name": "offset", "in": "query", "schema": {"type": "integer", "minimum": 0}},
            {
                "name": "limit",
                "in": "query",
                "schema": {"type": "integer", "minimum": 1, "maximum": 200},
            },
            {
                "name": "state",
                "in": "query",
                "schema": {
                    "type": "string",
                    "enum": ["todo", "doing", "succeeded", "failed", "cancelled"],
                },
            },
        ],
        "ok": RECORDS,
    },
    ("POST", "/admin/jobs/{id}/retry"): {
        "summary": "Run a failed or cancelled job again now",
        "tag": "Administration",
        "ok": JOB,
    },
    ("POST", "/admin/jobs/{id}/cancel"): {
        "summary": "Cancel a job that waits to run",
        "tag": "Administration",
        "ok": JOB,
    },
    ("GET", "/admin/clients"): {
        "summary": "OAuth API clients",
        "tag": "Administration",
        "ok": RECORDS,
    },
    ("POST", "/admin/clients"): {
        "summary": "Register an API client; the secret is shown once",
        "tag": "Administration",
        "body": obj(name=STRING),
        "ok": obj(client_id=STRING, client_secret=STRING),
    },
    ("GET", "/admin/clients/{client_id}"): {
        "summary": "One API client",
        "tag": "Administration",
        "ok": obj(record={"type": "object"}),
    },
    ("DELETE", "/admin/clients/{client_id}"): {
        "summary": "Remove an API client",
        "tag": "Administration",
        "ok": RESULT,
    },
    ("GET", "/admin/rate_limits"): {
        "summary": "Rate limits of single users and clients",
        "tag": "Administration",
        "ok": RECORDS,
    },
    ("PUT", "/admin/rate_limits/{kind}/{subject_id}"): {
        "summary": "Give a user or client its own rate limit",
        "tag": "Administration",
        "body": obj(rate_limit=STRING),
        "ok": obj(record={"type": "object"}),
    },
    ("DELETE", "/admin/rate_limits/{kind}/{subject_id}"): {
        "summary": "Back to the default rate limit",
        "tag": "Administration",
        "ok": {"type": "object"},
    },
    ("GET", "/meta/locale"): {
        "summary": "Number, date, name, address and currency formats",
        "tag": "Metadata",
        "ok": obj(
            date_format=STRING,
            time_format=STRING,
            number_format={"type": "object"},
            base_currency={"type": "object"},
            name_format=STRING,
        ),
    },
    ("GET", "/meta/modules"): {
        "summary": "Modules and their models",
        "tag": "Metadata",
        "ok": obj(list={"type": "array"}),
    },
    ("GET", "/meta/list_view/{model}"): {
        "summary": "List view: the user's current layout, layouts, columns, filters",
        "tag": "Metadata",
        "ok": obj(
            current_layout={"type": "object"},
            layouts={"type": "array"},
            columns={"type": "array"},
            filters={"type": "array"},
        ),
    },
    ("GET", "/meta/sub_panels/{model}/{detail_layout}"): {
        "summary": "Related-record panels of a detail layout",
        "tag": "Metadata",
        "ok": obj(panels={"type": "array"}),
    },
    ("GET", "/meta/detail_view/{model}/{layout}"): {
        "summary": "A detail layout with its sections",
        "tag": "Metadata",
        "ok": obj(title=STRING, sections={"type": "array"}),
    },
    ("GET", "/meta/generic_module_layouts/{module}"): {
        "summary": "Default list, popup and detail layouts of a module",
        "tag": "Metadata",
        "ok": obj(list={"type": "object"}, popup={"type": "object"}, detail={"type": "object"}),
    },
    ("GET", "/layouts/list_view/{model}"): {
        "summary": "The user's list view choices",
        "tag": "Metadata",
        "ok": {"type": "object"},
    },
    ("POST", "/layouts/list_view/{model}"): LIST_CHOICE,
    ("PATCH", "/layouts/list_view/{model}"): LIST_CHOICE,
    ("PUT", "/layouts/list_view/{model}"): LIST_CHOICE,
    ("GET", "/admin/layouts/{model}/{view}"): {
        "summary": "Layouts of a view (administrators)",
        "tag": "Administration",
        "ok": RECORDS,
    },
    ("PUT", "/admin/layouts/{model}/{view}/{name}"): {
        "summary": "Store a layout (administrators)",
        "tag": "Administration",
        "body": {"type": "object"},
        "ok": obj(record={"type": "object"}),
    },
    ("DELETE", "/admin/layouts/{model}/{view}/{name}"): {
        "summary": "Back to the built-in layout (administrators)",
        "tag": "Administration",
        "ok": RESULT,
    },
    ("GET", "/admin/fields/{model}"): {
        "summary": "Custom fields of a model (administrators)",
        "tag": "Administration",
        "ok": RECORDS,
    },
    ("POST", "/admin/fields/{model}"): {
        "summary": "Add a custom field (administrators)",
        "tag": "Administration",
        "body": obj(
            name=STRING,
            type=STRING,
            label=STRING,
            required={"type": "boolean"},
            indexed={"type": "boolean"},
            unique={"type": "boolean"},
            auto_number={"type": "boolean"},
            options={"type": "array"},
        ),
        "ok": obj(record={"type": "object"}),
    },
    ("GET", "/admin/fields/{model}/{name}"): {
        "summary": "One custom field",
        "tag": "Administration",
        "ok": obj(record={"type": "object"}),
    },
    ("PATCH", "/admin/fields/{model}/{name}"): CHANGE_FIELD,
    ("PUT", "/admin/fields/{model}/{name}"): CHANGE_FIELD,
    ("DELETE", "/admin/fields/{model}/{name}"): {
        "summary": "Remove a custom field",
        "tag": "Administration",
        "ok": RESULT,
    },
    ("GET", "/admin/models"): {
        "summary": "Custom models (administrators)",
        "tag": "Administration",
        "ok": RECORDS,
        "query": [
            {
                "name": "include_removed",
                "in": "query",
                "schema": {"type": "boolean"},
                "description": "list removed models too (marked removed: true)",
            }
        ],
    },
    ("POST", "/admin/models"): {
        "summary": "Define a custom model with fields and links (administrators)",
        "tag": "Administration",
        "body": obj(
            name=STRING,
            label=STRING,
            module=STRING,
            activities={"type": "boolean"},
            portal=MODEL_PORTAL,
            fields={"type": "array"},
            links={"type": "array"},
        ),
        "ok": RECORD,
    },
    ("GET", "/admin/models/{model}"): {
        "summary": "One custom model, with its fields",
        "tag": "Administration",
        "ok": RECORD,
    },
    ("PATCH", "/admin/models/{model}"): CHANGE_MODEL,
    ("PUT", "/admin/models/{model}"): CHANGE_MODEL,
    ("DELETE", "/admin/models/{model}"): {
        "summary": "Remove (hide) a custom model; its rows are kept",
        "tag": "Administration",
        "ok": RESULT,
        "errors": ("409",),
    },
    ("POST", "/admin/models/{model}/restore"): {
        "summary": "Bring a removed custom model back with its rows",
        "tag": "Administration",
        "ok": RECORD,
    },
    ("POST", "/admin/models/{model}/links"): {
        "summary": "Link a custom model to another model",
        "tag": "Administration",
        "body": obj(
            name=STRING,
            kind=STRING,
            target=STRING,
            reverse=STRING,
            label=STRING,
            reverse_label=STRING,
        ),
        "ok": RECORD,
    },
    ("DELETE", "/admin/models/{model}/links/{name}"): {
        "summary": "Remove a link of a custom model; its values are kept",
        "tag": "Administration",
        "ok": RECORD,
        "errors": ("409",),
    },
    ("GET", "/admin/roles"): {
        "summary": "Roles (administrators)",
        "tag": "Access control",
        "ok": RECORDS,
    },
    ("POST", "/admin/roles"): {
        "summary": "Add a role",
        "tag": "Access control",
        "body": obj(name=STRING, description=STRING, rights={"type": "object"}),
        "ok": RECORD,
    },
    ("GET", "/admin/roles/{role}"): {"summary": "One role", "tag": "Access control", "ok": RECORD},
    ("PATCH", "/admin/roles/{role}"): {
        "summary": "Change a role's description or rights",
        "tag": "Access control",
        "body": {"type": "object"},
        "ok": RECORD,
    },
    ("DELETE", "/admin/roles/{role}"): {
        "summary": "Remove a role",
        "tag": "Access control",
        "ok": RESULT,
    },
    ("POST", "/admin/roles/{role}/users"): {
        "summary": "Give users the role",
        "tag": "Access control",
        "body": obj(users={"type": "array"}),
        "ok": RECORD,
    },
    ("DELETE", "/admin/roles/{role}/users/{user}"): {
        "summary": "Take a user's role away",
        "tag": "Access control",
        "ok": RESULT,
    },
    ("GET", "/admin/teams"): {"summary": "Teams", "tag": "Access control", "ok": RECORDS},
    ("POST", "/admin/teams"): {
        "summary": "Add a team",
        "tag": "Access control",
        "body": obj(name=STRING, members={"type": "array"}),
        "ok": RECORD,
    },
    ("GET", "/admin/teams/{team}"): {"summary": "One team", "tag": "Access control", "ok": RECORD},
    ("DELETE", "/admin/teams/{team}"): {
        "summary": "Remove a team",
        "tag": "Access control",
        "ok": RESULT,
    },
    ("POST", "/admin/teams/{team}/members"): {
        "summary": "Add members",
        "tag": "Access control",
        "body": obj(users={"type": "array"}),
        "ok": RECORD,
    },
    ("DELETE", "/admin/teams/{team}/members/{user}"): {
        "summary": "Remove a member",
        "tag": "Access control",
        "ok": RESULT,
    },
    ("POST", "/portal/auth"): {
        "summary": "A portal token for a contact (administrators)",
        "tag": "Portal",
        "body": obj(contact_id=STRING),
        "ok": obj(access_token=STRING, token_type=STRING, expires_in={"type": "integer"}),
    },
    ("DELETE", "/portal/auth"): {
        "summary": "Log a portal token out",
        "tag": "Portal",
        "ok": {"type": "object"},
    },
    ("DELETE", "/portal/tokens/{contact_id}"): {
        "summary": "Revoke a contact's portal tokens",
        "tag": "Portal",
        "ok": {"type": "object"},
    },
    ("GET", "/auth/{owner_type}/authorize"): {
        "summary": "OAuth 2 authorization: the login and consent page",
        "tag": "OAuth 2",
        "public": True,
        "html": True,
    },
    ("POST", "/auth/{owner_type}/authorize"): {
        "summary": "OAuth 2 authorization: the consent form's answer (redirects)",
        "tag": "OAuth 2",
        "public": True,
        "html": True,
    },
    ("POST", "/auth/{owner_type}/access_token"): {
        "summary": "OAuth 2 token endpoint (JSON or form body)",
        "tag": "OAuth 2",
        "public": True,
        "body": obj(
            grant_type=STRING,
            client_id=STRING,
            client_secret=STRING,
            code=STRING,
            redirect_uri=STRING,
            code_verifier=STRING,
            refresh_token=STRING,
            username=STRING,
            password=STRING,
            scope=STRING,
        ),
        "ok": obj(
            token_type=STRING,
            expires_in={"type": "integer"},
            access_token=STRING,
            refresh_token=STRING,
            scope=STRING,
        ),
    },
    ("POST", "/auth/{owner_type}/revoke"): {
        "summary": "OAuth 2 token revocation (RFC 7009)",
        "tag": "OAuth 2",
        "public": True,
        "body": obj(token=STRING),
        "ok": {},
    },
    ("GET", "/public_key"): {
        "summary": "The PEM public key that verifies access tokens",
        "tag": "OAuth 2",
        "public": True,
        "ok": obj(key=STRING),
    },
    ("GET", "/jwks"): {
        "summary": "The access tokens' verification key as a JWK set",
        "tag": "OAuth 2",
        "public": True,
        "ok": obj(keys={"type": "array"}),
    },
    ("GET", "/meta/dependencies/{model}"): {
        "summary": "Picklist dependencies: allowed options of a field by another's value",
        "tag": "Metadata",
        "ok": obj(dependencies={"type": "object"}),
    },
    ("PUT", "/admin/dependencies/{model}/{field}"): {
        "summary": "Make a field's options depend on another field (administrators)",
        "tag": "Administration",
        "body": obj(source=STRING, map={"type": "object"}),
        "ok": RECORD,
    },
    ("DELETE", "/admin/dependencies/{model}/{field}"): {
        "summary": "Remove a picklist dependency",
        "tag": "Administration",
        "ok": RESULT,
    },
    ("GET", "/admin/schema"): {
        "summary": "Export custom models and fields, dependencies and layouts",
        "tag": "Administration",
        "ok": obj(
            format=STRING,
            version={"type": "integer"},
            custom_models={"type": "array"},
            custom_fields={"type": "array"},
            dependencies={"type": "array"},
            layouts={"type": "array"},
        ),
    },
    ("POST", "/admin/schema"): {
        "summary": "Import an exported configuration",
        "tag": "Administration",
        "body": {"type": "object"},
        "ok": obj(changes={"type": "array"}),
    },
    ("GET", "/changes"): {
        "summary": "The change feed: events after a cursor, oldest first",
        "tag": "Utility",
        "ok": {
            "type": "object",
            "required": ["records", "next", "has_more"],
            "properties": {
                "records": {"type": "array", "items": ref("ChangeEvent")},
                "next": {"type": "string", "description": "the cursor to pass as after"},
                "has_more": {"type": "boolean"},
            },
        },
        "errors": ("410",),
        "query": [
            {
                "name": "after",
                "in": "query",
                "schema": STRING,
                "description": "the next of an earlier answer; without it, from the oldest event",
            },
            {
                "name": "limit",
                "in": "query",
                "schema": {"type": "integer", "minimum": 1, "maximum": 1000, "default": 100},
            },
            {
                "name": "models[]",
                "in": "query",
                "schema": {"type": "array", "items": STRING},
                "style": "form",
                "explode": True,
                "description": "only events of these models (repeatable)",
            },
        ],
    },
    ("GET", "/admin/metadata/history"): {
        "summary": "Who changed the metadata, and when",
        "tag": "Administration",
        "ok": RECORDS,
    },
    ("POST", "/session"): {
        "summary": "Sign in for a cookie session (AMITY_SESSION_AUTH)",
        "tag": "Authentication",
        "public": True,
        "body": obj(user_name=STRING, password=STRING),
        "ok": obj(
            csrf_token=STRING,
            csrf_header=STRING,
            expires_in={"type": "integer"},
            user={"type": "object"},
        ),
    },
    ("GET", "/session"): {
        "summary": "The session's user and CSRF token",
        "tag": "Authentication",
        "ok": obj(csrf_token=STRING, expires_in={"type": "integer"}),
    },
    ("DELETE", "/session"): {
        "summary": "Sign out",
        "tag": "Authentication",
        "ok": obj(signed_out={"type": "boolean"}),
    },
}


MODEL_PATHS = ("/data/", "/meta/fields/")


ERASE_BODY = {
    "required": True,
    "content": {
        JSON: {
            "schema": obj(
                data=obj(
                    fields={
                        "description": "The fields to erase: comma-separated, or a list",
                        "oneOf": [STRING, {"type": "array", "items": STRING}],
                    }
                )
            )
        }
    },
}


def erase_path(m: str, tag: list[str]) -> dict[str, Any]:
    """GDPR erasure of a record's fields (POST and PATCH, as 1CRM leaves it open)."""

    def operation(method: str) -> dict[str, Any]:
        return {
            "operationId": f"erasePersonal{m}{'' if method == 'post' else 'Patch'}",
            "tags": tag,
            "summary": "GDPR erasure: empty the named fields here and in the audit, change "
            "feed, webhook logs, stored answers and files",
            "requestBody": ERASE_BODY,
            "responses": with_errors({"200": ok(RESULT)}, (*COMMON_ERRORS, *BODY_ERRORS)),
        }

    return {"parameters": [ID_PARAM], "post": operation("post"), "patch": operation("patch")}


def expand(path: str, models: list[str], modules: list[str]) -> list[str]:
    """A path with {model} or {module} written out for each of them."""
    if "{model}" in path:
        return [path.replace("{model}", name) for name in models]
    if "{module}" in path:
        return [path.replace("{module}", name) for name in modules]
    return [path]


OPERATIONS.update(WEBHOOK_OPERATIONS)
OPERATIONS.update(FILE_OPERATIONS)
OPERATIONS.update(TALLY_OPERATIONS)
OPERATIONS.update(CALENDAR_OPERATIONS)
OPERATIONS.update(REPORT_OPERATIONS)


def generic_operation(method: str, path: str, route: Route, concrete: str) -> dict[str, Any]:
    spec = OPERATIONS.get((method, path))
    doc = (route.endpoint.__doc__ or "").strip().split("\n")[0]
    words = concrete.replace("{", "").replace("}", "").replace("/", "_")
    operation: dict[str, Any] = {
        "operationId": (spec or {}).get("operation_id") or f"{method.lower()}{words}",
        "summary": (spec or {}).get("summary") or doc or path,
        "tags": [(spec or {}).get("tag", "Other")],
        "responses": with_errors(
            {"200": ok((spec or {}).get("ok", {}))},
            (*COMMON_ERRORS, *BODY_ERRORS)
            if method in BODY_METHODS
            else (*COMMON_ERRORS, *(spec or {}).get("errors", ())),
        ),
    }
    if spec and spec.get("public"):
        operation["security"] = [{}, *SECURITY]
    if spec and spec.get("html"):  # a page for people: answers are HTML, errors too
        page = {"description": "An HTML page", "content": {"text/html": {"schema": STRING}}}
        operation["responses"] = {
            "200": page,
            "303": {"description": "Redirect"},
            "400": page,
            "401": page,
            "403": page,
            "404": {"$ref": "#/components/responses/E404"},
            "429": {"$ref": "#/components/responses/E429"},
        }
    if spec and "body" in spec:
        operation["requestBody"] = {"content": {JSON: {"schema": spec["body"]}}}
    if spec and spec.get("raw_body"):  # the file itself, of any type
        operation["requestBody"] = {"content": {"*/*": {"schema": BINARY}}}
    if spec and spec.get("pdf"):  # a PDF; errors stay JSON
        operation["responses"] = with_errors(
            {"200": {"description": "The PDF", "content": {"application/pdf": {"schema": BINARY}}}},
            COMMON_ERRORS,
        )
    if spec and spec.get("ics"):  # an iCalendar feed; errors stay JSON
        operation["responses"] = with_errors(
            {"200": {"description": "The feed", "content": {"text/calendar": {"schema": STRING}}}},
            COMMON_ERRORS,
        )
    if spec and spec.get("export"):  # a page of JSON rows, or a whole file; errors stay JSON
        operation["responses"]["200"] = {
            "description": "A page of rows, or the run as a CSV or XLSX file",
            "content": {
                JSON: {"schema": DATA_PAGE},
                "text/csv": {"schema": STRING},
                "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet": {
                    "schema": BINARY
                },
            },
        }
    if spec and spec.get("download"):  # the file's bytes; errors stay JSON
        operation["responses"] = with_errors(
            {
                "200": {"description": "The file", "content": {"*/*": {"schema": BINARY}}},
                "206": {
                    "description": "The Range asked for",
                    "content": {"*/*": {"schema": BINARY}},
                },
                "304": {"description": "Not modified (If-None-Match)"},
            },
            (*COMMON_ERRORS, "416"),
        )
    params = [part[1:-1] for part in concrete.split("/") if part.startswith("{")]
    parameters = [
        {"name": p, "in": "path", "required": True, "schema": {"type": "string"}} for p in params
    ] + (spec or {}).get("query", [])
    if parameters:
        operation["parameters"] = parameters
    return operation


BODY_METHODS = ("POST", "PUT", "PATCH", "DELETE")
BINARY: dict[str, Any] = {"type": "string", "format": "binary"}
SECURITY: list[dict[str, list[str]]] = [{"bearer": []}, {"basic": []}, {"session": []}]
# the order of the reference page after the models' own tags (their records come first)
TAG_ORDER = (
    "Utility",
    "Metadata",
    "Authentication",
    "OAuth 2",
    "Portal",
    "Audit",
    "Webhooks",
    "Files",
    "Tally objects",
    "Calendar",
    "Reports",
    "Access control",
    "Administration",
    "Other",
)


IDEMPOTENCY_KEY = {
    "name": "Idempotency-Key",
    "in": "header",
    "required": False,
    "description": "A unique value per write, such as a UUID: a retry with the same key and "
    "the same request (method, path, query, body) within 24 hours gets the first answer "
    "again, with the header `Idempotent-Replayed: true`, and changes nothing; the key with "
    "a different request is a 422, while the first request still runs a 409.",
    "schema": {"type": "string", "minLength": 1, "maxLength": 255},
}
WRITE_METHODS = ("post", "put", "patch", "delete")


def idempotent_writes(paths: dict[str, dict[str, Any]]) -> None:
    """Every write that a credential makes takes an Idempotency-Key (api/idempotency.py)."""
    for item in paths.values():
        for method, operation in item.items():
            if method not in WRITE_METHODS or {} in operation.get("security", ()):
                continue  # public endpoints (sign-in, OAuth) act for no credential yet
            operation["parameters"] = [
                *operation.get("parameters", ()),
                param_ref("Idempotency-Key"),
            ]
            operation["responses"] = with_errors(operation["responses"], ("409", "422"))


def document_tags(models: list[Model], paths: dict[str, dict[str, Any]]) -> list[dict[str, str]]:
    """Every tag the operations use: one per model (its records), then TAG_ORDER."""
    used = {
        tag
        for item in paths.values()
        for op in item.values()
        if isinstance(op, dict)
        for tag in op.get("tags", ())
    }
    tags = [
        {"name": m.name, "description": f"{m.label} records: /data/{m.name} and its links"}
        for m in models
        if m.name in used
    ]
    rest = sorted(
        used - {m.name for m in models},
        key=lambda tag: (TAG_ORDER.index(tag) if tag in TAG_ORDER else len(TAG_ORDER), tag),
    )
    return tags + [{"name": tag} for tag in rest]


def build_document(registry: Registry, routes: Iterable[BaseRoute], prefix: str) -> dict[str, Any]:
    """The whole document for these routes (paths relative to `prefix`) and models."""
    models = [registry.model(name) for name in sorted(registry.models)]
    parameters: dict[str, Any] = dict(COMMON_LIST_PARAMETERS)
    schemas: dict[str, Any] = {
        "Error": {
            "type": "object",
            "required": ["error", "message", "hint"],
            "properties": {"error": STRING, "message": STRING, "hint": STRING},
        },
        "ChangeEvent": CHANGE_EVENT,
        "FieldsMeta": {
            "type": "object",
            "required": ["fields", "filters"],
            "properties": {"fields": {"type": "object"}, "filters": {"type": "object"}},
        },
    }
    paths: dict[str, dict[str, Any]] = {}
    for model in models:
        schemas.update(model_schemas(model))
        paths.update(model_paths(model))
        parameters.update(model_parameters(model))
    modules = sorted({m.module or m.name for m in models})
    for route in routes:
        if not isinstance(route, Route) or not route.path.startswith(prefix + "/"):
            continue
        path = route.path.removeprefix(prefix)
        if path.startswith(MODEL_PATHS) or not route.methods:
            continue  # written out per model above
        names = [m.name for m in models if not path.startswith("/tally/") or m.name in KINDS]
        for concrete in expand(path, names, modules):
            for method in sorted(route.methods - {"HEAD"}):
                paths.setdefault(concrete, {})[method.lower()] = generic_operation(
                    method, path, route, concrete
                )
    idempotent_writes(paths)
    parameters["Idempotency-Key"] = IDEMPOTENCY_KEY
    return {
        "openapi": "3.1.0",
        "info": {
            "title": "Amity CRM API (1CRM dialect)",
            "version": __version__,
            "description": "Generated from the server's current metadata: every model, "
            "field, filter and link, custom ones included.",
        },
        "servers": [{"url": prefix}],
        "security": SECURITY,
        "tags": document_tags(models, paths),
        "paths": dict(sorted(paths.items())),
        "components": {
            "schemas": schemas,
            "parameters": parameters,
            "responses": {
                f"E{status}": {
                    "description": text,
                    "content": {JSON: {"schema": ref("Error")}},
                    **({"headers": ETAG_HEADER} if status == "412" else {}),
                }
                for status, text in ERROR_STATUSES.items()
            },
            "securitySchemes": {
                "bearer": {
                    "type": "http",
                    "scheme": "bearer",
                    "description": "Personal access token or OAuth access token",
                },
                "basic": {"type": "http", "scheme": "basic"},
                "session": {"type": "apiKey", "in": "cookie", "name": "amity_session"},
            },
        },
    }
