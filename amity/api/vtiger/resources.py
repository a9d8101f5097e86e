"""Every RestfulApi call, in either URL form: log in; list, read, create, update and
delete a module's records; read a picklist. Records go through the records service (ACL,
audit, events, webhooks); writes through run_write."""

from __future__ import annotations

from typing import Any
from urllib.parse import parse_qsl

import orjson
from starlette.requests import Request
from starlette.routing import Route

from amity.api.context import require_actor, run_write, services
from amity.api.language import language
from amity.api.params import check_utf8, read_body
from amity.api.responses import JSONResponse
from amity.api.vtiger.auth import log_in
from amity.api.vtiger.calls import PREFIX, Call, parse_call
from amity.api.vtiger.modules import MODULES, Module, VField, field_table
from amity.api.vtiger.query import criteria, order_keys, paging
from amity.api.vtiger.rows import RowWriter, amity_data, record_of_number
from amity.core.picklists import option_values
from amity.core.records import ListQuery
from amity.errors import BadRequest, MethodNotAllowed, NotFound, UnsupportedMediaType
from amity.schema.model import Model


def success(result: Any) -> JSONResponse:
    return JSONResponse({"success": True, "result": result})


class Target:
    """The module, model and field table a call names, and the record of its id."""

    def __init__(self, request: Request, call: Call) -> None:
        svc = services(request)
        module = MODULES.get(call.module)
        model = svc.records.registry.models.get(module.model) if module else None
        if module is None or model is None:
            raise NotFound("Unknown module {module}", module=call.module[:100])
        self.module: Module = module
        self.model: Model = model
        self.table = field_table(module, model)
        self.writer = RowWriter(svc, module, model, self.table)
        self.number = call.get("id")
        self.record_id: str | None = None
        if self.number is not None:
            found = record_of_number(svc, self.number, "id")
            if found is None or found[0] != model.name:
                raise NotFound(
                    "No {module} record with id {id}", module=module.name, id=self.number[:30]
                )
            self.record_id = found[1]

    def need_id(self) -> str:
        if self.record_id is None:
            raise BadRequest("This call needs the id of a record")
        return self.record_id

    def vtiger_field(self, name: str) -> VField:
        for vf in self.table:
            if vf.name == name:
                return vf
        raise NotFound(
            "Unknown field {field} in module {module}", field=name[:100], module=self.module.name
        )


async def endpoint(request: Request) -> JSONResponse:
    call = parse_call(request.scope["path"], request.scope.get("query_string", b""))
    if call.is_login:
        if request.method not in ("GET", "POST"):
            raise MethodNotAllowed("Log in with GET")
        return success(await log_in(services(request), call))
    require_actor(request)
    target = Target(request, call)
    if request.method == "GET":
        return read(request, target, call)
    if request.method == "DELETE":
        return await delete(request, target)
    try:
        return await write(request, target, call)
    except BadRequest as exc:
        raise in_vtiger_names(exc, target) from None


def read(request: Request, target: Target, call: Call) -> JSONResponse:
    """A picklist, one record, or a page of the module's records."""
    actor = require_actor(request)
    svc = services(request)
    records = svc.records
    model = target.model
    if call.get("picklist") is not None:
        return success(picklist(request, target, call))
    if target.record_id is not None:
        record = records.get(actor, model.name, target.record_id, target.writer.amity_fields())
        return success(target.writer.rows([record])[0])
    start, length = paging(call.get("start"), call.get("length"))
    query = ListQuery(
        fields=target.writer.amity_fields(),
        conditions=criteria(svc, target.module, model, target.table, call.get("criteria")),
        order=order_keys(target.module, model, target.table, call.get("order")),
        offset=start,
        limit=length,
        count=False,  # a RestfulApi list shows its rows only
    )
    records.policy.check(actor, model, "list")
    page = records.list_records(actor, model.name, query)
    return success(target.writer.rows(page.records))


async def delete(request: Request, target: Target) -> JSONResponse:
    actor = require_actor(request)
    records = services(request).records
    model_name = target.model.name
    record_id = target.need_id()
    return await run_write(
        request,
        lambda: records.delete(actor, model_name, record_id),
        records.write_keys(model_name, record_id),
        respond=lambda _: success(True),
    )


async def write(request: Request, target: Target, call: Call) -> JSONResponse:
    """Create (POST) or update (PUT) a record of the call's module."""
    actor = require_actor(request)
    svc = services(request)
    records = svc.records
    model = target.model
    data = amity_data(svc, model, target.table, await form_body(request))
    if request.method == "POST":
        if target.record_id is not None:
            raise BadRequest("POST creates a record; update one with PUT")

        def create() -> str:
            return records.create(actor, model.name, data)

        return await run_write(
            request,
            create,
            records.write_keys(model.name, None, data),
            respond=lambda made: success(svc.record_numbers.number(model.name, made)),
        )
    record_id = target.need_id()
    return await run_write(
        request,
        lambda: records.update(actor, model.name, record_id, data),
        records.write_keys(model.name, record_id, data),
        respond=lambda _: success(int(target.number or 0)),
    )


def in_vtiger_names(exc: BadRequest, target: Target) -> BadRequest:
    """The error of a write with the fields it names in their Vtiger names."""
    names = {vf.amity: vf.name for vf in target.table if vf.amity}
    params = dict(exc.params)
    field, missing = params.get("field"), params.get("missing")
    if isinstance(field, str):
        params["field"] = names.get(field, field)
    if isinstance(missing, str):
        params["missing"] = ", ".join(names.get(name, name) for name in missing.split(", "))
    if params.get("model") == target.model.name:
        params["model"] = target.module.name
    exc.params = params
    exc.message = exc.message_id.format(**params) if params else exc.message_id
    exc.hint = exc.hint_id.format(**params) if params else exc.hint_id
    return exc


async def form_body(request: Request) -> dict[str, Any]:
    """The fields of a create or update: a form (x-www-form-urlencoded) or a JSON object."""
    body = await read_body(request)
    if not body.strip():
        return {}
    header = request.headers.get("content-type", "")
    content_type = header.split(";")[0].strip().lower()
    try:
        if content_type == "application/x-www-form-urlencoded":
            pairs = parse_qsl(
                body.decode("ascii"), keep_blank_values=True, encoding="utf-8", errors="strict"
            )
            return dict(pairs)
        if content_type == "application/json" or content_type.endswith("+json"):
            check_utf8(header)
            data = orjson.loads(body)
            if isinstance(data, dict):
                return data
            raise BadRequest("The request body must be a JSON object of field name to value")
    except (UnicodeDecodeError, ValueError):
        raise BadRequest("Malformed request body", "send a form or a JSON object") from None
    raise UnsupportedMediaType(
        "Unsupported content type {content_type!r}",
        "send application/x-www-form-urlencoded or JSON",
        content_type=content_type[:100] or "(none)",
    )


def picklist(request: Request, target: Target, call: Call) -> dict[str, Any]:
    """{"values": {value: label}} of an option field, with "dependencies" on picklistdep=1:
    for each value of this field, the values each dependent field allows with it, and
    under "__DEFAULT__" all values of each dependent field."""
    actor = require_actor(request)
    svc = services(request)
    model = target.model
    svc.records.policy.check(actor, model, "list")
    vf = target.vtiger_field(call.get("picklist") or "")
    fd = model.fields.get(vf.amity or "")
    if fd is None or not (fd.options or fd.choices):
        raise BadRequest("Field {field} is not a picklist", field=vf.name)
    lang = language(request)
    labels = svc.languages
    if fd.choices:
        values = {
            str(choice.id): labels.text(lang, "options", choice.label) for choice in fd.choices
        }
    else:
        values = {option: labels.text(lang, "options", option) for option in fd.options}
    result: dict[str, Any] = {"values": values}
    flag = call.get("picklistdep") or "0"
    if flag not in ("0", "1"):
        raise BadRequest("picklistdep must be 0 or 1")
    if flag == "1":
        result["dependencies"] = dependencies(request, target, fd.name)
    return result


def dependencies(request: Request, target: Target, source: str) -> dict[str, Any]:
    svc = services(request)
    model = target.model
    names = {vf.amity: vf.name for vf in target.table if vf.amity}
    out: dict[str, dict[str, list[Any]]] = {}
    defaults: dict[str, list[Any]] = {}
    described = svc.picklists.describe(require_actor(request), model.name)
    for dependent, rule in described.items():
        if rule["source"] != source or dependent not in model.fields:
            continue
        name = names.get(dependent, dependent)
        defaults[name] = option_values(model.fields[dependent])
        for value, allowed in rule["map"].items():
            out.setdefault(str(value), {})[name] = list(allowed)
    if defaults:
        out["__DEFAULT__"] = defaults
    return out


METHODS = ["GET", "POST", "PUT", "DELETE"]

routes = [
    Route(PREFIX, endpoint, methods=METHODS),
    Route(PREFIX + "/{call:path}", endpoint, methods=METHODS),
]
