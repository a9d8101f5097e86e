"""/meta/fields/{model}: a model's fields and filters, labelled in the request's
language."""

from __future__ import annotations

from typing import Any

from starlette.requests import Request
from starlette.routing import Route

from amity.api.context import require_actor, services
from amity.api.language import language
from amity.api.responses import JSONResponse
from amity.core.validate import required_fields
from amity.schema.model import Field, Model


def describe_field(model: Model, fd: Field, required: set[str]) -> dict[str, Any]:
    """A field definition as /meta/fields lists it."""
    out: dict[str, Any] = {
        "name": fd.name,
        "type": fd.kind.wire_type or fd.type,
        "vname": fd.vname,
        "required": fd.name in required or fd.required,
        "editable": fd.editable and not fd.system and not fd.derived and fd.type != "ref",
        "default": fd.default,
        "len": fd.max_length,
        "audited": fd.audited,  # changes go into /audit (admins switch it, /admin/fields)
        "personal": fd.personal,  # a person's data: erasable, in the personal-data PDF
    }
    if fd.options:
        out["options"] = {o: o for o in fd.options}
    if fd.type == "ref":
        out["id_name"] = fd.id_name
        out["bean_name"] = fd.ref_model
        if fd.ref_model is None:
            out["dynamic_module"] = "parent_type"
    if fd.kind.storage == "scaled":
        out["decimal_places"] = fd.scale
    if fd.derived:
        out["source"] = {"type": "derived", "fields": list(model.name_sources())}
    if fd.indexed:
        out["indexed"] = True
    if fd.unique:
        out["unique"] = True
    if fd.auto_number:
        out["auto_number"] = True
    if fd.custom:  # added by an admin (/admin/fields); custom_type is its App CRM type
        out["custom"] = True
        out["custom_type"] = fd.type
        if fd.choices:
            out["options"] = {str(c.id): c.label for c in fd.choices}
            out["option_list"] = [c.as_json() for c in fd.choices]
    return out


async def meta_fields(request: Request) -> JSONResponse:
    actor = require_actor(request)
    records = services(request).records
    model = records.model(request.path_params["model"])
    records.policy.check(actor, model, "list")
    required = {fd.name for fd in required_fields(model)}
    fields = {fd.name: describe_field(model, fd, required) for fd in model.fields.values()}
    for target, dependency in services(request).picklists.describe(actor, model.name).items():
        if target in fields:
            fields[target]["depends_on"] = dependency
    return JSONResponse(
        translated(
            request,
            {
                "fields": fields,
                "filters": {flt.name: flt.describe() for flt in model.filters.values()},
            },
        )
    )


def translated(request: Request, meta: dict[str, Any]) -> dict[str, Any]:
    """Labels (vname) and option labels in the request's language."""
    lang = language(request)
    if lang == "en":
        return meta
    languages = services(request).languages
    for group in meta.values():
        for definition in group.values():
            definition["vname"] = languages.text(lang, "labels", definition["vname"])
            options = definition.get("options")
            if isinstance(options, dict):
                definition["options"] = {
                    key: languages.text(lang, "options", label) if isinstance(label, str) else label
                    for key, label in options.items()
                }
    return meta


routes = [Route("/meta/fields/{model}", meta_fields, methods=["GET"])]
