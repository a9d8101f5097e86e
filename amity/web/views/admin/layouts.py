"""Layouts and picklist dependencies of a model in the admin console, through the core's
Layouts (put, reset) and PicklistDependencies (put, remove), as /admin/layouts and
/admin/dependencies. The record pages read both, so a change shows at once."""

from __future__ import annotations

import re
from typing import Any

from starlette.datastructures import FormData
from starlette.requests import Request
from starlette.responses import RedirectResponse, Response

from amity.api.context import run_write, services
from amity.core.layouts import DEFAULT
from amity.core.picklists import SOURCE_TYPES, TARGET_TYPES, option_values
from amity.errors import AmityError, NotFound
from amity.schema.model import Field, Model
from amity.web.views.admin.common import admin_actor, field, lines, message, page, posted, status_of

WHAT = "layouts"
DEPENDENCIES = "picklist dependencies"
VIEWS = ("list", "detail")
SLUG = re.compile(r"[^a-z0-9]+")


def _model(request: Request, name: str) -> Model:
    model = services(request).records.registry.models.get(name)
    if model is None:
        raise NotFound("No model {model}", "pick one from the menu", model=name)
    return model


# -- layouts ------------------------------------------------------------------------------
def sections_text(layout: dict[str, Any]) -> str:
    """The detail layout's sections as text: one line per section, `Label: f1, f2`."""
    return "\n".join(
        f"{s.get('label') or s['id']}: {', '.join(s['fields'])}" for s in layout["sections"]
    )


def parse_sections(raw: str, before: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Sections from their text; a section keeps its id when its label stays."""
    ids = {str(s.get("label") or s["id"]): str(s["id"]) for s in before}
    out = []
    for line in lines(raw):
        label, _, names = line.partition(":")
        label = label.strip()
        section_id = ids.get(label) or SLUG.sub("_", label.lower()).strip("_") or "section"
        fields = [n.strip() for n in names.split(",") if n.strip()]
        out.append({"id": section_id, "label": label, "fields": fields})
    return out


def ordered(form: FormData, key: str, known: list[str]) -> list[str]:
    """The ticked names of a list of checkboxes, by the position typed beside each (the
    page's order when none)."""
    ticked = [str(v) for v in form.getlist(key)]

    def position(item: tuple[int, str]) -> tuple[float, int]:
        raw = str(form.get(f"position.{item[1]}", "")).strip()
        try:
            return float(raw), item[0]
        except ValueError:
            return float("inf"), item[0]

    return [name for _, name in sorted(enumerate(ticked), key=position)]


def _layouts_page(
    request: Request,
    model_name: str,
    *,
    error: str = "",
    status: int = 200,
    typed: dict[str, Any] | None = None,
    saved: str = "",
) -> Response:
    actor = admin_actor(request, WHAT)
    model = _model(request, model_name)
    svc = services(request)
    list_layout = svc.layouts.layout(actor, model.name, "list", None)
    detail = svc.layouts.layout(actor, model.name, "detail", None)
    columns = list(list_layout["columns"])
    fields = columns + [n for n in model.fields if n not in columns and n != "deleted"]
    chosen_filters = list(list_layout["filters"])
    filters = chosen_filters + [n for n in model.filters if n not in chosen_filters]
    stored = {view: svc.layouts.stored(model.name, view) for view in VIEWS}
    return page(
        request,
        "admin/layouts.html",
        status=status,
        model=model,
        fields=fields,
        columns=columns,
        filters=filters,
        chosen_filters=chosen_filters,
        sections=(typed or {}).get("sections", sections_text(detail)),
        changed={view: DEFAULT in stored[view] for view in VIEWS},
        error=error,
        saved=saved,
    )


async def layouts_page(request: Request) -> Response:
    """GET /app/admin/layouts/{model}: the list layout's columns and filters, the detail
    layout's sections."""
    return _layouts_page(request, request.path_params["model"])


async def save_layout(request: Request) -> Response:
    """POST /app/admin/layouts/{model}/{view}: store the model's Standard layout."""
    actor, form = await posted(request, WHAT)
    model = _model(request, request.path_params["model"])
    view = request.path_params["view"]
    if view not in VIEWS:
        raise NotFound("No layout view {view!r}", "views: {views}", view=view, views="list, detail")
    svc = services(request)
    current = svc.layouts.layout(actor, model.name, view, None)
    definition: dict[str, Any] = {"label": str(current.get("label") or DEFAULT)}
    typed: dict[str, Any] = {}
    if view == "list":
        definition["columns"] = ordered(form, "columns", list(model.fields))
        definition["filters"] = ordered(form, "filters", list(model.filters))
        definition["order_by"] = current.get("order_by") or model.default_order
    else:
        typed["sections"] = field(form, "sections", 100_000)
        definition["sections"] = parse_sections(typed["sections"], current["sections"])
    try:
        await run_write(
            request, lambda: svc.layouts.put(actor, model.name, view, DEFAULT, definition)
        )
    except AmityError as exc:
        return _layouts_page(
            request, model.name, error=message(request, exc), status=status_of(exc), typed=typed
        )
    return _layouts_page(request, model.name, saved=view)


async def reset_layout(request: Request) -> Response:
    """POST /app/admin/layouts/{model}/{view}/reset: back to the built-in layout."""
    actor, _ = await posted(request, WHAT)
    model = _model(request, request.path_params["model"])
    view = request.path_params["view"]
    svc = services(request)
    await run_write(request, lambda: svc.layouts.reset(actor, model.name, view, DEFAULT))
    return RedirectResponse(f"/app/admin/layouts/{model.name}", status_code=303)


# -- picklist dependencies ----------------------------------------------------------------
def option_fields(model: Model, types: tuple[str, ...]) -> list[Field]:
    return [fd for fd in model.fields.values() if fd.type in types and not fd.system]


def option_labels(fd: Field) -> list[tuple[Any, str]]:
    """(value, label) of a field's options: custom options are written by id."""
    if fd.choices:
        return [(c.id, c.label) for c in fd.choices]
    return [(o, o) for o in fd.options]


def parse_map(raw: str, source: Field | None, target: Field | None) -> dict[str, list[Any]]:
    """`source option: target option, ...` lines as the core's map; an option may be
    typed by its value or its label (custom options are stored by id)."""

    def value(fd: Field | None, typed: str) -> Any:
        if fd is None:
            return typed
        for option, label in option_labels(fd):
            if typed in (str(option), label):
                return option
        return typed

    out: dict[str, list[Any]] = {}
    for line in lines(raw):
        key, _, allowed = line.partition(":")
        out[str(value(source, key.strip()))] = [
            value(target, v.strip()) for v in allowed.split(",") if v.strip()
        ]
    return out


def _dependencies_page(
    request: Request,
    model_name: str,
    *,
    values: dict[str, str] | None = None,
    error: str = "",
    status: int = 200,
) -> Response:
    actor = admin_actor(request, DEPENDENCIES)
    model = _model(request, model_name)
    current = services(request).picklists.describe(actor, model.name)
    shown = []
    for target, dep in sorted(current.items()):
        source_fd, target_fd = model.fields.get(dep["source"]), model.fields.get(target)
        names = dict(option_labels(source_fd)) if source_fd else {}
        target_names = dict(option_labels(target_fd)) if target_fd else {}
        rows = [
            (names.get(_key(k, source_fd), k), [target_names.get(v, v) for v in vs])
            for k, vs in dep["map"].items()
        ]
        shown.append({"target": target, "source": dep["source"], "rows": rows})
    return page(
        request,
        "admin/dependencies.html",
        status=status,
        model=model,
        dependencies=shown,
        sources=option_fields(model, SOURCE_TYPES),
        targets=option_fields(model, TARGET_TYPES),
        values=values or {},
        error=error,
    )


def _key(key: str, fd: Field | None) -> Any:
    """A map key (always text) as the option value it names."""
    if fd is not None:
        for option in option_values(fd):
            if str(option) == key:
                return option
    return key


async def dependencies_page(request: Request) -> Response:
    """GET /app/admin/dependencies/{model}: which picklist depends on which."""
    return _dependencies_page(request, request.path_params["model"])


async def save_dependency(request: Request) -> Response:
    """POST /app/admin/dependencies/{model}: `target` depends on `source` by `map`."""
    actor, form = await posted(request, DEPENDENCIES)
    model = _model(request, request.path_params["model"])
    values = {
        "target": field(form, "target", 200),
        "source": field(form, "source", 200),
        "map": field(form, "map", 100_000),
    }
    source, target = model.fields.get(values["source"]), model.fields.get(values["target"])
    body = {"source": values["source"], "map": parse_map(values["map"], source, target)}
    picklists = services(request).picklists
    try:
        await run_write(request, lambda: picklists.put(actor, model.name, values["target"], body))
    except AmityError as exc:
        return _dependencies_page(
            request, model.name, values=values, error=message(request, exc), status=status_of(exc)
        )
    return RedirectResponse(f"/app/admin/dependencies/{model.name}", status_code=303)


async def remove_dependency(request: Request) -> Response:
    """POST /app/admin/dependencies/{model}/{field}/delete."""
    actor, _ = await posted(request, DEPENDENCIES)
    model = _model(request, request.path_params["model"])
    target = request.path_params["field"]
    picklists = services(request).picklists
    await run_write(request, lambda: picklists.remove(actor, model.name, target))
    return RedirectResponse(f"/app/admin/dependencies/{model.name}", status_code=303)
