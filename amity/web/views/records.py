"""Record pages of every model, driven by its metadata and layouts: the list, the detail
page, the create and edit forms, and delete with confirmation."""

from __future__ import annotations

from typing import Any

from starlette.datastructures import FormData
from starlette.requests import Request
from starlette.responses import JSONResponse, RedirectResponse, Response

from amity.api.context import run_write, services
from amity.core.filters import filter_conditions
from amity.core.records import ListQuery
from amity.errors import AmityError, BadRequest, Forbidden, NotFound, Unauthorized
from amity.schema.model import Model
from amity.web.forms import (
    FIELDS_MARKER,
    Input,
    form_inputs,
    posted_data,
    value_for_input,
    with_dependencies,
)
from amity.web.models import menu_models, page_model
from amity.web.pages import Labels, render
from amity.web.refs import record_named
from amity.web.session import check_csrf, current_user
from amity.web.views import detail, lists


async def list_view(request: Request) -> Response:
    """/app/{model}: the list (amity/web/views/lists.py)."""
    return await lists.list_view(request)


async def detail_view(request: Request) -> Response:
    """/app/{model}/{id}: the detail layout's sections, related lists, files and history
    (amity/web/views/detail.py)."""
    return await detail.detail_page(request)


def edit_inputs(request: Request, model: Model) -> list[tuple[str, list[Input]]]:
    """The form's inputs by section of the detail layout."""
    actor = current_user(request)
    svc = services(request)
    layout = svc.layouts.layout(actor, model.name, "detail", None)
    dependencies = svc.picklists.describe(actor, model.name)
    sections = [
        (str(section.get("label", "")), form_inputs(model, section["fields"]))
        for section in layout.get("sections", [])
    ]
    every = with_dependencies([item for _, inputs in sections for item in inputs], dependencies)
    by_name = {item.name: item for item in every}
    return [(label, [by_name[i.name] for i in inputs]) for label, inputs in sections if inputs]


async def new_form(request: Request) -> Response:
    """/app/{model}/new: an empty form (with the model's defaults)."""
    actor = current_user(request)
    svc = services(request)
    model = page_model(svc, actor, request.path_params["model"])
    svc.records.policy.check(actor, model, "create")
    defaults = {n: fd.default for n, fd in model.fields.items() if fd.default is not None}
    return _form_page(request, model, None, defaults, {})


async def edit_form(request: Request) -> Response:
    """/app/{model}/{id}/edit: the record in its form."""
    actor = current_user(request)
    svc = services(request)
    model = page_model(svc, actor, request.path_params["model"])
    record = svc.records.get(actor, model.name, request.path_params["id"])
    svc.records.policy.check(actor, model, "edit", record)
    return _form_page(request, model, record, record, {})


def _form_page(
    request: Request,
    model: Model,
    record: dict[str, Any] | None,
    values: dict[str, Any],
    errors: dict[str, str],
    status: int = 200,
    message: str = "",
) -> Response:
    sections = edit_inputs(request, model)
    shown = {item.name: value_for_input(item, values) for _, inputs in sections for item in inputs}
    names = {item.field.name: values.get(item.field.name) for _, ins in sections for item in ins}
    return render(
        request,
        "records/form.html",
        status=status,
        model=model,
        models=menu_models(services(request), current_user(request)),
        record=record,
        sections=sections,
        values=shown,
        names=names,
        errors=errors,
        message=message,
        fields_marker=FIELDS_MARKER,
        marker=",".join(item.name for _, inputs in sections for item in inputs),
    )


async def create(request: Request) -> Response:
    """POST /app/{model}/new: create the record, then show it."""
    actor = current_user(request)
    svc = services(request)
    model = page_model(svc, actor, request.path_params["model"])
    form = await request.form()
    check_csrf(request, _str(form.get("csrf_token")))
    inputs = [item for _, ins in edit_inputs(request, model) for item in ins]
    try:
        data = _data(request, model, inputs, form)
        record_id = await run_write(
            request,
            lambda: svc.records.create(actor, model.name, data),
            svc.records.write_keys(model.name, None, data),
        )
    except AmityError as exc:
        if not about_the_input(exc):
            raise
        return _rejected(request, model, None, inputs, form, exc)
    return RedirectResponse(f"/app/{model.name}/{record_id}", status_code=303)


async def update(request: Request) -> Response:
    """POST /app/{model}/{id}/edit: save the changes, then show the record."""
    actor = current_user(request)
    svc = services(request)
    model = page_model(svc, actor, request.path_params["model"])
    record_id = request.path_params["id"]
    record = svc.records.get(actor, model.name, record_id)
    svc.records.policy.check(actor, model, "edit", record)
    form = await request.form()
    check_csrf(request, _str(form.get("csrf_token")))
    inputs = [item for _, ins in edit_inputs(request, model) for item in ins]
    try:
        data = _data(request, model, inputs, form)
        await run_write(
            request,
            lambda: svc.records.update(actor, model.name, record_id, data),
            svc.records.write_keys(model.name, record_id, data),
        )
    except AmityError as exc:
        if not about_the_input(exc):
            raise
        return _rejected(request, model, record, inputs, form, exc)
    return RedirectResponse(f"/app/{model.name}/{record_id}", status_code=303)


def about_the_input(exc: AmityError) -> bool:
    """Whether an error is about what the form holds (shown beside the field), rather than
    about the user or the record (a denied or missing record is a 404 page)."""
    return not isinstance(exc, Forbidden | NotFound | Unauthorized)


def _data(request: Request, model: Model, inputs: list[Input], form: FormData) -> dict[str, Any]:
    multi = {item.name: [str(v) for v in form.getlist(item.name)] for item in inputs}
    data = posted_data(inputs, form, multi)
    for item in inputs:
        if item.kind == "ref" and data.get(item.name) is None:
            typed = _str(form.get(item.field.name)).strip()
            if typed:
                target = item.ref_model({k: _str(v) for k, v in form.items()})
                if target not in services(request).records.registry.models:
                    raise BadRequest(
                        "Pick the type of {field} first",
                        "choose a type, then type a name",
                        field=item.name,
                    )
                data[item.name] = record_named(request, target, typed, item.name)
    return data


def _rejected(
    request: Request,
    model: Model,
    record: dict[str, Any] | None,
    inputs: list[Input],
    form: FormData,
    exc: AmityError,
) -> Response:
    """The form again, as the user typed it, with the API's message beside the field."""
    labels = Labels(request)
    message = labels.message(exc.message_id, exc.params)
    field = exc.params.get("field")
    if field is None and exc.params.get("target") in {item.name for item in inputs}:
        field = exc.params["target"]  # a picklist dependency names its dependent field so
    by_input = {item.field.name: item.name for item in inputs}
    target = by_input.get(str(field), str(field)) if field is not None else None
    values: dict[str, Any] = {}
    for item in inputs:
        if item.kind == "checkbox":
            values[item.name] = item.name in form
        elif item.is_list:
            values[item.name] = [str(v) for v in form.getlist(item.name)]
        else:
            values[item.name] = _str(form.get(item.name))
        if item.kind == "ref":
            values[item.field.name] = _str(form.get(item.field.name))
    errors = {target: message} if target is not None else {}
    status = exc.status if 400 <= exc.status < 500 else 400
    return _form_page(request, model, record, values, errors, status, "" if errors else message)


async def delete_confirm(request: Request) -> Response:
    """GET /app/{model}/{id}/delete: are you sure?"""
    actor = current_user(request)
    svc = services(request)
    model = page_model(svc, actor, request.path_params["model"])
    record = svc.records.get(actor, model.name, request.path_params["id"])
    svc.records.policy.check(actor, model, "delete", record)
    return render(
        request,
        "records/delete.html",
        model=model,
        models=menu_models(svc, actor),
        record=record,
    )


async def delete(request: Request) -> Response:
    """POST /app/{model}/{id}/delete: delete, then back to the list."""
    actor = current_user(request)
    svc = services(request)
    model = page_model(svc, actor, request.path_params["model"])
    record_id = request.path_params["id"]
    form = await request.form()
    check_csrf(request, _str(form.get("csrf_token")))
    await run_write(
        request,
        lambda: svc.records.delete(actor, model.name, record_id),
        svc.records.write_keys(model.name, record_id),
    )
    return RedirectResponse(f"/app/{model.name}", status_code=303)


def _str(value: Any) -> str:
    return value if isinstance(value, str) else ""


async def lookup(request: Request) -> Response:
    """GET /app/lookup/{model}?q=: records whose name starts with q (a ref input's
    suggestions), only what the user may read."""
    actor = current_user(request)
    svc = services(request)
    model = page_model(svc, actor, request.path_params["model"])
    text = request.query_params.get("q", "")[:100]
    rows: list[dict[str, str]] = []
    if text.strip():
        page = svc.records.list_records(
            actor,
            model.name,
            ListQuery(
                conditions=filter_conditions(model, actor, search=text), limit=10, count=False
            ),
        )
        rows = [{"id": str(r["id"]), "name": str(r.get("name") or r["id"])} for r in page.records]
    return JSONResponse(rows)
