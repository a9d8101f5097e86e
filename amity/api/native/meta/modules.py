"""/meta/modules: the modules and their models the caller may see;
/meta/generic_module_layouts/{module}: the default layouts of a module's primary model."""

from __future__ import annotations

from starlette.requests import Request
from starlette.routing import Route

from amity.api.context import require_actor, services
from amity.api.native.meta.labels import Labels
from amity.api.responses import JSONResponse
from amity.core.actor import Actor
from amity.core.layouts import DEFAULT, Layouts
from amity.errors import Forbidden, NotFound


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
    return JSONResponse(
        {
            "list": [
                {
                    "module": module,
                    "label": labels.module(module),
                    "primary_model": models[0],
                    "models": models,
                }
                for module, models in sorted(modules.items())
            ]
        }
    )


def readable(layouts: Layouts, actor: Actor, model_name: str) -> bool:
    """Whether the access policy lets the actor see the model's records at all."""
    try:
        layouts.model(actor, model_name)
    except (NotFound, Forbidden):
        return False
    return True


async def meta_generic_module_layouts(request: Request) -> JSONResponse:
    """Default list, popup and detail layouts of a module's primary model."""
    actor = require_actor(request)
    svc = services(request)
    module = request.path_params["module"]
    models = [
        n for n in svc.records.registry.models if (svc.records.model(n).module or n) == module
    ]
    if not models:
        raise NotFound(
            "Module {module} not found", "GET /meta/modules lists the modules", module=module
        )
    primary = models[0]
    out = {
        view: {"layout": DEFAULT, "view": svc.layouts.layout(actor, primary, view, DEFAULT)}
        for view in ("list", "popup", "detail")
    }
    return JSONResponse(out)


routes = [
    Route("/meta/modules", meta_modules, methods=["GET"]),
    Route("/meta/generic_module_layouts/{module}", meta_generic_module_layouts, methods=["GET"]),
]
