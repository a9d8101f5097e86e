"""The live OpenAPI 3.1 document: valid, complete for every route and model, public."""

from __future__ import annotations

import functools
from typing import Any

import pytest
from openapi_spec_validator import OpenAPIV31SpecValidator
from starlette.routing import Route

from amity.api.openapi import OPERATIONS
from amity.schema.builtin.tally import KINDS_BY_NAME
from amity.schema.registry import Registry, default_registry
from tests.conftest import ApiClient

PREFIX = "/api.php"


@pytest.fixture
def document(anon: ApiClient) -> dict[str, Any]:
    resp = anon.get("/openapi.json")  # no credentials needed
    assert resp.status_code == 200
    body: dict[str, Any] = resp.json()
    return body


def test_the_document_is_valid_openapi_3_1(document: dict[str, Any]) -> None:
    assert document["openapi"].startswith("3.1")
    errors = list(OpenAPIV31SpecValidator(document).iter_errors())
    assert errors == []


@functools.cache
def builtin() -> Registry:
    """The built-in models, built once (each default_registry() builds them anew)."""
    return default_registry()


def concrete_paths(path: str) -> list[str]:
    """A route path with {model} (and {link}) written out for every model (and link)."""
    if "{module}" in path:
        modules = {builtin().model(n).module for n in builtin().models}
        return [path.replace("{module}", module) for module in modules]
    if "{model}" not in path:
        return [path]
    out = []
    for name in builtin().models:
        if path.startswith("/tally/") and name not in KINDS_BY_NAME:
            continue  # only tally objects have /tally routes
        model = builtin().model(name)
        with_model = path.replace("{model}", name)
        if "{link}" in path:
            out += [with_model.replace("{link}", link) for link in model.links]
        else:
            out.append(with_model)
    return out


def test_every_route_is_described(app: Any, document: dict[str, Any]) -> None:
    """A new route fails here until amity/api/openapi.py describes it."""
    routes = [r for r in app.routes if isinstance(r, Route) and r.path.startswith(PREFIX)]
    assert routes
    for route in routes:
        path = route.path.removeprefix(PREFIX) or "/"  # /api.php answers as /api.php/ does
        for method in route.methods - {"HEAD"}:
            if not path.startswith(("/data/", "/meta/fields/")):
                assert (method, path) in OPERATIONS, f"{method} {path}: add it to OPERATIONS"
            for concrete in concrete_paths(path):
                assert method.lower() in document["paths"].get(concrete, {}), (
                    f"{method} {concrete} is missing from the document"
                )


def test_every_model_field_and_filter_is_in_the_document(document: dict[str, Any]) -> None:
    schemas, params = document["components"]["schemas"], document["components"]["parameters"]
    for name in default_registry().models:
        model = default_registry().model(name)
        assert set(schemas[name]["properties"]) == set(model.fields)
        writable = set(schemas[name + "Data"]["properties"])
        assert writable <= set(model.fields) and "id" not in writable
        assert "date_entered" not in writable
        filters = params[f"{name}.filters"]["schema"]["properties"]
        assert set(filters) == set(model.filters)
        assert set(params[f"{name}.fields"]["schema"]["items"]["enum"]) == set(model.fields)


def test_the_error_shape_is_documented(document: dict[str, Any]) -> None:
    error = document["components"]["schemas"]["Error"]
    assert set(error["required"]) == {"error", "message", "hint"}
    get_contact = document["paths"]["/data/Contact/{id}"]["get"]["responses"]
    assert get_contact["404"] == {"$ref": "#/components/responses/E404"}
    # removals an admin can be refused for what depends on them say so (409)
    remove_model = document["paths"]["/admin/models/Account"]["delete"]["responses"]
    remove_link = document["paths"]["/admin/models/Account/links/{name}"]["delete"]
    assert "409" in remove_model and "409" in remove_link["responses"]
    # any write may be a 409 too: its Idempotency-Key's first request still runs
    assert "409" in document["paths"]["/data/Contact/{id}"]["delete"]["responses"]


def test_writes_take_an_idempotency_key(document: dict[str, Any]) -> None:
    key = {"$ref": "#/components/parameters/Idempotency-Key"}
    assert document["components"]["parameters"]["Idempotency-Key"]["in"] == "header"
    for path, method in [
        ("/data/Contact", "post"),
        ("/data/Contact/{id}", "patch"),
        ("/data/Contact/{id}", "delete"),
        ("/admin/teams", "post"),
    ]:
        operation = document["paths"][path][method]
        assert key in operation["parameters"], (path, method)
        assert {"409", "422"} <= set(operation["responses"]), (path, method)
    assert key not in document["paths"]["/data/Contact"]["get"].get("parameters", [])
    assert key not in document["paths"]["/session"]["post"].get("parameters", [])


def test_enum_values_are_the_options(document: dict[str, Any]) -> None:
    status = document["components"]["schemas"]["aCase"]["properties"]["status"]
    assert "Closed - Resolved" in status["enum"]


def test_docs_page_serves_swagger_ui_from_the_package(app: Any) -> None:
    client = ApiClient(app, base_url="http://testserver")  # the page is outside /api.php
    try:
        page = client.get("/docs")
        assert page.status_code == 200 and "/api.php/openapi.json" in page.text
        script = client.get("/docs/static/swagger-ui-bundle.js")
        assert script.status_code == 200 and "SwaggerUIBundle" in script.text
    finally:
        client.close()


def test_a_custom_field_changes_the_document_at_once(api: ApiClient, anon: ApiClient) -> None:
    before = anon.get("/openapi.json").json()["components"]["schemas"]["Account"]
    assert "tier_c" not in before["properties"]
    added = api.post(
        "/admin/fields/Account",
        json={"name": "tier_c", "type": "MultiSelect", "options": ["Gold", "Silver"]},
    )
    assert added.status_code == 200, added.text
    document = anon.get("/openapi.json").json()
    tier = document["components"]["schemas"]["Account"]["properties"]["tier_c"]
    assert tier["type"] == ["array", "null"] and tier["items"] == {"type": "integer"}
    assert "tier_c" in document["components"]["schemas"]["AccountData"]["properties"]
    filters = document["components"]["parameters"]["Account.filters"]["schema"]
    assert "tier_c" in filters["properties"]
    assert api.delete("/admin/fields/Account/tier_c").status_code == 200
    after = anon.get("/openapi.json").json()["components"]["schemas"]["Account"]
    assert "tier_c" not in after["properties"]


def test_the_models_tags_come_first_and_every_tag_is_declared(document: dict[str, Any]) -> None:
    """The reference page shows tags in the declared order: records before administration."""
    names = [tag["name"] for tag in document["tags"]]
    models = sorted(default_registry().models)
    assert names[: len(models)] == models
    assert names.index("Utility") < names.index("Administration")
    used = {
        tag
        for item in document["paths"].values()
        for op in item.values()
        if isinstance(op, dict)
        for tag in op["tags"]
    }
    assert used == set(names)


def test_a_list_tried_out_as_shown_sends_no_filter(document: dict[str, Any]) -> None:
    """Swagger UI sends a parameter's example as is: the filters' is empty, not "string"."""
    filters = document["components"]["parameters"]["Contact.filters"]
    assert filters["example"] == {}


def test_record_etags_and_their_conditions_are_documented(document: dict[str, Any]) -> None:
    for name in default_registry().models:
        item = document["paths"][f"/data/{name}/{{id}}"]
        get = item["get"]
        assert "If-None-Match" in {p.get("name") for p in get["parameters"]}
        assert "ETag" in get["responses"]["200"]["headers"]
        assert "ETag" in get["responses"]["304"]["headers"]
        for method in ("patch", "put", "delete"):
            operation = item[method]
            assert "If-Match" in {p.get("name") for p in operation["parameters"]}, method
            assert operation["responses"]["412"] == {"$ref": "#/components/responses/E412"}
        for method in ("patch", "put"):
            assert "ETag" in item[method]["responses"]["200"]["headers"]
    assert "ETag" in document["components"]["responses"]["E412"]["headers"]
