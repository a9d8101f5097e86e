"""/meta/list_view/{model}, /meta/detail_view/{model}/{layout} and
/meta/sub_panels/{model}/{detail_layout}: a model's layouts, labelled in the request's
language."""

from __future__ import annotations

from starlette.requests import Request
from starlette.routing import Route

from amity.api.context import require_actor, services
from amity.api.native.meta.labels import Labels
from amity.api.native.meta.modules import readable
from amity.api.responses import JSONResponse
from amity.core.layouts import DEFAULT


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
    mass = [
        labels.field(model, n)
        for n, fd in model.fields.items()
        if fd.type in ("enum", "bool") and fd.editable and not fd.system
    ]
    return JSONResponse(
        {
            "current_layout": {
                "name": current["name"],
                "label": labels.label(current.get("label") or current["name"]),
                "filter_layout": choice.get("filter_layout", DEFAULT),
                "filter_values": choice.get("filter_values", {}),
                "offset": choice.get("offset", 0),
                "limit": choice.get("limit", 20),
                "order_by": choice.get("order_by") or current.get("order_by"),
            },
            "layouts": [
                {"name": n, "label": labels.label(lay.get("label") or n)}
                for n, lay in layouts.items()
            ],
            "settings": {
                "model": model.name,
                "module": model.module,
                "title": labels.model(model),
                "default_order": model.default_order,
            },
            "hooks": [],
            "columns": [
                labels.field(model, n) | {"sortable": model.fields[n].stored}
                for n in current["columns"]
            ],
            "filters": [
                {
                    "name": f,
                    "label": labels.label(model.filters[f].describe()["vname"]),
                    "type": model.filters[f].describe()["type"],
                }
                for f in current["filters"]
            ],
            "hidden_fields": [],
            "mass_update": {"buttons": [], "fields": mass},
        }
    )


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
    return JSONResponse(
        {
            "title": labels.model(model),
            "current_layout": {
                "name": current["name"],
                "label": labels.label(current.get("label") or current["name"]),
            },
            "layouts": [
                {"name": n, "label": labels.label(lay.get("label") or n)}
                for n, lay in layouts.items()
            ],
            "buttons": [],
            "scripts": [],
            "form_hooks": [],
            "summary": {"fields": [labels.field(model, n) for n in summary]},
            "sections": [
                {
                    "id": s["id"],
                    "label": labels.label(s["label"]),
                    "fields": [labels.field(model, n) for n in s["fields"]],
                }
                for s in current["sections"]
            ],
        }
    )


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
        panels.append(
            {
                "name": link.name,
                "module": target.module,
                "bean_name": target.name,
                "model_type": "bean",
                "managed": True,
                "removeable": True,
                "updateable": True,
                "no_create": False,
                "icon": "",
                "detail_link_url": "",
                "detail_link_action": "",
                "layout": DEFAULT,
                "layout_type": "list",
                "title": labels.model(target) if not link.label else labels.label(link.label),
                "target_key": link.target_column is not None,
                "source_key": link.self_column is not None,
                "custom_buttons": [],
                "columns": [
                    labels.field(target, n) for n in target.list_fields if n in target.fields
                ],
            }
        )
    return JSONResponse({"panels": panels})


routes = [
    Route("/meta/list_view/{model}", meta_list_view, methods=["GET"]),
    Route("/meta/sub_panels/{model}/{detail_layout}", meta_sub_panels, methods=["GET"]),
    Route("/meta/detail_view/{model}/{layout}", meta_detail_view, methods=["GET"]),
]
