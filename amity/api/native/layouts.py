"""The 1CRM layout metadata: /meta/locale, /meta/modules, /meta/list_view, /meta/sub_panels,
/meta/detail_view, /meta/generic_module_layouts; /layouts/list_view keeps a user's list
view choices; /admin/layouts lets administrators change layouts. Labels follow the
request's Accept-Language.
"""

from __future__ import annotations

from typing import Any

from babel import Locale, UnknownLocaleError
from babel.numbers import get_currency_name, get_currency_symbol
from starlette.requests import Request
from starlette.routing import Route

from amity.api.context import require_actor, run_write, services
from amity.api.language import language
from amity.api.params import read_json
from amity.api.responses import JSONResponse
from amity.core.actor import Actor
from amity.core.layouts import DEFAULT, Layouts
from amity.errors import Forbidden, NotFound
from amity.schema.model import Model

NAME_FORMAT = "s f l"


class Labels:
    """Labels of one request's language."""

    def __init__(self, request: Request) -> None:
        self.languages = services(request).languages
        self.language = language(request)

    def label(self, english: str) -> str:
        return self.languages.text(self.language, "labels", english)

    def model(self, model: Model) -> str:
        return self.languages.text(self.language, "models", model.label or model.name)

    def module(self, module: str) -> str:
        return self.languages.text(self.language, "modules", module)

    def field(self, model: Model, name: str) -> dict[str, Any]:
        fd = model.fields[name]
        return {"field": name, "label": self.label(fd.vname), "type": fd.type}


async def meta_locale(request: Request) -> JSONResponse:
    """Formats of numbers, dates, names, addresses and the base currency."""
    require_actor(request)
    svc = services(request)
    lang = language(request)
    formats = svc.languages.locale(lang)
    code = svc.settings.currency.upper()
    try:
        cldr = Locale.parse(lang)
    except (UnknownLocaleError, ValueError):
        cldr = Locale.parse("en")
    pattern = cldr.currency_formats["standard"].pattern
    formats["base_currency"] = {
        "name": get_currency_name(code, locale=cldr), "iso4217": code,
        "symbol": get_currency_symbol(code, locale=cldr), "significant_digits": 2,
        "symbol_place_after": pattern.rstrip().endswith("¤"),
        "space_separate": "\u00a0¤" in pattern or " ¤" in pattern or "¤\u00a0" in pattern}
    formats["name_format"] = NAME_FORMAT
    return JSONResponse(formats)


async def meta_modules(request: Request) -> JSONResponse:
    """Modules with their primary model and models (those the caller may see)."""
    actor = require_actor(request)
    svc = services(request)
    labels = Labels(request)
    modules: dict[str, list[str]] = {}
    for name in svc.records.registry.models:
        model = svc.records.model(name)
        if readable(svc.layouts, actor, model.name):
            modules.setdefault(model.module or model.name, []).append(model.name)
    return JSONResponse({"list": [
        {"module": module, "label": labels.module(module), "primary_model": models[0],
         "models": models} for module, models in sorted(modules.items())]})


def readable(layouts: Layouts, actor: Actor, model_name: str) -> bool:
    """Whether the access policy lets the actor see the model's records at all."""
    try:
        layouts.model(actor, model_name)
    except (NotFound, Forbidden):
        return False
    return True


async def meta_list_view(request: Request) -> JSONResponse:
    """The list view of a model: the user's current layout and choices, every layout,
    columns, filters and mass-update fields."""
    actor = require_actor(request)
    svc = services(request)
    name = request.path_params["model"]
    choice = svc.layouts.list_choice(actor, name)
    wanted = request.query_params.get("layout") or choice.get("layout") or DEFAULT
    layouts = svc.layouts.layouts(actor, name, "list")
    current = svc.layouts.layout(actor, name, "list", wanted)
    model = svc.records.model(name)
    labels = Labels(request)
    mass = [labels.field(model, n) for n, fd in model.fields.items()
            if fd.type in ("enum", "bool") and fd.editable and not fd.system]
    return JSONResponse({
        "current_layout": {"name": current["name"],
                           "label": labels.label(current.get("label") or current["name"]),
                           "filter_layout": choice.get("filter_layout", DEFAULT),
                           "filter_values": choice.get("filter_values", {}),
                           "offset": choice.get("offset", 0), "limit": choice.get("limit", 20),
                           "order_by": choice.get("order_by") or current.get("order_by")},
        "layouts": [{"name": n, "label": labels.label(lay.get("label") or n)}
                    for n, lay in layouts.items()],
        "settings": {"model": model.name, "module": model.module, "title": labels.model(model),
                     "default_order": model.default_order},
        "hooks": [],
        "columns": [labels.field(model, n) | {"sortable": model.fields[n].stored}
                    for n in current["columns"]],
        "filters": [{"name": f, "label": labels.label(model.filters[f].describe()["vname"]),
                     "type": model.filters[f].describe()["type"]}
                    for f in current["filters"]],
        "hidden_fields": [],
        "mass_update": {"buttons": [], "fields": mass},
    })


async def meta_detail_view(request: Request) -> JSONResponse:
    """A detail layout of a model with its sections and fields."""
    actor = require_actor(request)
    svc = services(request)
    name, wanted = request.path_params["model"], request.path_params["layout"]
    layouts = svc.layouts.layouts(actor, name, "detail")
    current = svc.layouts.layout(actor, name, "detail", wanted)
    model = svc.records.model(name)
    labels = Labels(request)
    summary = [n for n in ("name", "assigned_user", "date_modified") if n in model.fields]
    return JSONResponse({
        "title": labels.model(model),
        "current_layout": {"name": current["name"],
                           "label": labels.label(current.get("label") or current["name"])},
        "layouts": [{"name": n, "label": labels.label(lay.get("label") or n)}
                    for n, lay in layouts.items()],
        "buttons": [], "scripts": [], "form_hooks": [],
        "summary": {"fields": [labels.field(model, n) for n in summary]},
        "sections": [{"id": s["id"], "label": labels.label(s["label"]),
                      "fields": [labels.field(model, n) for n in s["fields"]]}
                     for s in current["sections"]],
    })


async def meta_sub_panels(request: Request) -> JSONResponse:
    """The related-record panels under a detail layout (one per link)."""
    actor = require_actor(request)
    svc = services(request)
    name, detail_layout = request.path_params["model"], request.path_params["detail_layout"]
    svc.layouts.layout(actor, name, "detail", detail_layout)  # 404 for an unknown layout
    panels_by_layout = svc.layouts.layouts(actor, name, "sub_panels")
    chosen = panels_by_layout.get(detail_layout) or panels_by_layout[DEFAULT]
    model = svc.records.model(name)
    labels = Labels(request)
    panels = []
    for panel in chosen["panels"]:
        link = model.links[panel["name"]]
        target = svc.records.model(link.target)
        if not readable(svc.layouts, actor, target.name):
            continue
        panels.append({
            "name": link.name, "module": target.module, "bean_name": target.name,
            "model_type": "bean", "managed": True, "removeable": True, "updateable": True,
            "no_create": False, "icon": "", "detail_link_url": "", "detail_link_action": "",
            "layout": DEFAULT, "layout_type": "list",
            "title": labels.model(target) if not link.label else labels.label(link.label),
            "target_key": link.target_column is not None,
            "source_key": link.self_column is not None, "custom_buttons": [],
            "columns": [labels.field(target, n) for n in target.list_fields
                        if n in target.fields]})
    return JSONResponse({"panels": panels})


async def meta_generic_module_layouts(request: Request) -> JSONResponse:
    """Default list, popup and detail layouts of a module's primary model."""
    actor = require_actor(request)
    svc = services(request)
    module = request.path_params["module"]
    models = [n for n in svc.records.registry.models
              if (svc.records.model(n).module or n) == module]
    if not models:
        raise NotFound("Module {module} not found", "GET /meta/modules lists the modules",
                       module=module)
    primary = models[0]
    out = {view: {"layout": DEFAULT, "view": svc.layouts.layout(actor, primary, view, DEFAULT)}
           for view in ("list", "popup", "detail")}
    return JSONResponse(out)


async def get_list_choice(request: Request) -> JSONResponse:
    actor = require_actor(request)
    if actor.is_contact:
        raise Forbidden("Portal contacts have no list view choices")
    return JSONResponse(services(request).layouts.list_choice(actor,
                                                               request.path_params["model"]))


async def set_list_choice(request: Request) -> JSONResponse:
    """Keep the user's list view layout, filter layout and values, paging and order."""
    actor = require_actor(request)
    svc = services(request)
    body = await read_json(request)
    name = request.path_params["model"]
    choice = await run_write(request, lambda: svc.layouts.set_list_choice(actor, name, body))
    return JSONResponse(choice)


async def admin_layouts(request: Request) -> JSONResponse:
    actor = require_actor(request)
    p = request.path_params
    layouts = services(request).layouts.admin_layouts(actor, p["model"], p["view"])
    return JSONResponse({"records": list(layouts.values())})


async def admin_put_layout(request: Request) -> JSONResponse:
    actor = require_actor(request)
    svc = services(request)
    body = await read_json(request)
    p = request.path_params
    saved = await run_write(request, lambda: svc.layouts.put(actor, p["model"], p["view"],
                                                             p["name"], body))
    return JSONResponse({"record": saved})


async def admin_reset_layout(request: Request) -> JSONResponse:
    actor = require_actor(request)
    svc = services(request)
    p = request.path_params
    await run_write(request, lambda: svc.layouts.reset(actor, p["model"], p["view"], p["name"]))
    return JSONResponse({"result": True})


routes = [
    Route("/meta/locale", meta_locale, methods=["GET"]),
    Route("/meta/modules", meta_modules, methods=["GET"]),
    Route("/meta/list_view/{model}", meta_list_view, methods=["GET"]),
    Route("/meta/sub_panels/{model}/{detail_layout}", meta_sub_panels, methods=["GET"]),
    Route("/meta/detail_view/{model}/{layout}", meta_detail_view, methods=["GET"]),
    Route("/meta/generic_module_layouts/{module}", meta_generic_module_layouts,
          methods=["GET"]),
    Route("/layouts/list_view/{model}", get_list_choice, methods=["GET"]),
    Route("/layouts/list_view/{model}", set_list_choice, methods=["POST", "PATCH", "PUT"]),
    Route("/admin/layouts/{model}/{view}", admin_layouts, methods=["GET"]),
    Route("/admin/layouts/{model}/{view}/{name}", admin_put_layout, methods=["PUT"]),
    Route("/admin/layouts/{model}/{view}/{name}", admin_reset_layout, methods=["DELETE"]),
]
