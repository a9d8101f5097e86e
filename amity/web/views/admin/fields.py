"""Custom fields and custom models in the admin console, through the core's CustomFields
and CustomModels (as /admin/fields and /admin/models). A field added here is in the
model's metadata at once, so the record forms (which read it) show it.

Adding a field or a model runs DDL: like the API, the work runs in a worker thread."""

from __future__ import annotations

from typing import Any

from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import RedirectResponse, Response

from amity.api.context import services
from amity.errors import AmityError
from amity.schema.types import CUSTOM_TYPES, OPTION_TYPES
from amity.web.models import in_menu
from amity.web.views.admin.common import admin_actor, field, lines, message, page, posted, status_of

WHAT = "custom fields"
MODELS = "custom models"


def admin_models(request: Request) -> list[Any]:
    """The models an admin configures (fields, layouts, dependencies), by label."""
    models = [m for m in services(request).records.registry.models.values() if in_menu(m)]
    return sorted(models, key=lambda m: (m.label or m.name).lower())


async def models_index(request: Request) -> Response:
    """GET /app/admin/fields and /app/admin/layouts: pick a model."""
    admin_actor(request, WHAT)
    return page(request, "admin/model_index.html", configurable=admin_models(request))


# -- custom fields ------------------------------------------------------------------------
def _fields_page(
    request: Request,
    model_name: str,
    *,
    values: dict[str, Any] | None = None,
    error: str = "",
    status: int = 200,
) -> Response:
    actor = admin_actor(request, WHAT)
    svc = services(request)
    fields = svc.fields.list(actor, model_name)  # 404 for an unknown model
    model = svc.records.model(model_name)
    return page(
        request,
        "admin/fields.html",
        status=status,
        model=model,
        fields=fields,
        types=list(CUSTOM_TYPES),
        option_types=sorted(OPTION_TYPES),
        values=values or {"type": "Text"},
        error=error,
    )


async def fields_page(request: Request) -> Response:
    """GET /app/admin/fields/{model}: its custom fields and the form to add one."""
    return _fields_page(request, request.path_params["model"])


async def add_field(request: Request) -> Response:
    """POST /app/admin/fields/{model}: add a field of a type, with options for picklists."""
    actor, form = await posted(request, WHAT)
    model_name = request.path_params["model"]
    svc = services(request)
    svc.fields.list(actor, model_name)
    values: dict[str, Any] = {
        "name": field(form, "name", 200),
        "label": field(form, "label", 200),
        "type": field(form, "type", 100),
        "options": field(form, "options", 100_000),
        "required": "required" in form,
        "indexed": "indexed" in form,
    }
    body: dict[str, Any] = {
        "name": values["name"],
        "type": values["type"],
        "required": values["required"],
        "indexed": values["indexed"],
    }
    if values["label"]:
        body["label"] = values["label"]
    options = lines(values["options"])
    if options:
        body["options"] = options
    try:
        await run_in_threadpool(svc.fields.add, actor, model_name, body)
    except AmityError as exc:
        return _fields_page(
            request, model_name, values=values, error=message(request, exc), status=status_of(exc)
        )
    return RedirectResponse(f"/app/admin/fields/{model_name}", status_code=303)


async def remove_field(request: Request) -> Response:
    """POST /app/admin/fields/{model}/{name}/delete: hide the field (its values stay)."""
    actor, _ = await posted(request, WHAT)
    p = request.path_params
    await run_in_threadpool(services(request).fields.remove, actor, p["model"], p["name"])
    return RedirectResponse(f"/app/admin/fields/{p['model']}", status_code=303)


# -- custom models ------------------------------------------------------------------------
def _models_page(
    request: Request, *, values: dict[str, Any] | None = None, error: str = "", status: int = 200
) -> Response:
    actor = admin_actor(request, MODELS)
    return page(
        request,
        "admin/models.html",
        status=status,
        custom=services(request).models.list(actor),
        values=values or {},
        error=error,
    )


async def models_page(request: Request) -> Response:
    """GET /app/admin/models: the custom models and the form to define one."""
    return _models_page(request)


async def add_model(request: Request) -> Response:
    """POST /app/admin/models: a new record type (name, label, activities)."""
    actor, form = await posted(request, MODELS)
    values: dict[str, Any] = {
        "name": field(form, "name", 200),
        "label": field(form, "label", 200),
        "activities": "activities" in form,
    }
    body: dict[str, Any] = {"name": values["name"], "activities": values["activities"]}
    if values["label"]:
        body["label"] = values["label"]
    models = services(request).models
    try:
        await run_in_threadpool(models.create, actor, body)
    except AmityError as exc:
        return _models_page(
            request, values=values, error=message(request, exc), status=status_of(exc)
        )
    return RedirectResponse("/app/admin/models", status_code=303)


async def remove_model(request: Request) -> Response:
    """POST /app/admin/models/{model}/delete: hide the model (its records stay)."""
    actor, _ = await posted(request, MODELS)
    models = services(request).models
    await run_in_threadpool(models.remove, actor, request.path_params["model"])
    return RedirectResponse("/app/admin/models", status_code=303)
