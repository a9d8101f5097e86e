"""The live OpenAPI document (/api.php/openapi.json) and the API reference page (/docs).

The page is Swagger UI, served from the swagger-ui-py package's files (nothing vendored
here), pointed at the live document.
"""

from __future__ import annotations

from importlib import metadata
from pathlib import Path
from typing import Any

import swagger_ui
from starlette.requests import Request
from starlette.responses import HTMLResponse, PlainTextResponse
from starlette.routing import Mount, Route
from starlette.staticfiles import StaticFiles

from amity.api.context import services
from amity.api.openapi import build_document
from amity.api.responses import JSONResponse

SWAGGER_STATIC = Path(swagger_ui.__file__).parent / "static"
DOCS_PAGE = """<!doctype html>
<html lang="en">
<head>
  <meta charset="utf-8">
  <title>Amity API reference</title>
  <link rel="stylesheet" href="/docs/static/swagger-ui.css">
</head>
<body>
  <div id="reference"></div>
  <script src="/docs/static/swagger-ui-bundle.js"></script>
  <script>
    window.ui = SwaggerUIBundle({url: "/api.php/openapi.json", dom_id: "#reference",
                                 deepLinking: true, filter: true});
  </script>
</body>
</html>
"""


def current_document(request: Request) -> dict[str, Any]:
    """Built once per metadata generation: a custom field changes the document at once."""
    app_state = request.app.state
    svc = services(request)
    generation = svc.metadata.generation
    cached = getattr(app_state, "openapi_cache", None)
    if cached is not None and cached[0] == generation:
        document: dict[str, Any] = cached[1]
        return document
    document = build_document(svc.records.registry, request.app.routes, "/api.php")
    app_state.openapi_cache = (generation, document)
    return document


async def openapi_json(request: Request) -> JSONResponse:
    """This API's OpenAPI 3.1 document, generated from the current metadata."""
    return JSONResponse(current_document(request))


async def docs_page(request: Request) -> HTMLResponse:
    return HTMLResponse(DOCS_PAGE)


async def readme(request: Request) -> PlainTextResponse:
    """The README as installed with the package (its metadata's long description)."""
    return PlainTextResponse(str(metadata.metadata("amity").json.get("description", "")))


api_routes = [Route("/openapi.json", openapi_json, methods=["GET"])]
site_routes = [
    Route("/docs", docs_page, methods=["GET"]),
    Route("/docs/README.md", readme, methods=["GET"]),
    Mount("/docs/static", app=StaticFiles(directory=SWAGGER_STATIC), name="docs-static"),
]
