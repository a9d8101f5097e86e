"""`GET /`, `GET /api.php` and `GET /api.php/version`: what this server is and where to
start (no credentials needed).

JSON for clients. A browser that asks for HTML gets the same links as a page at /api.php,
and the dashboard at `/`.
"""

from __future__ import annotations

import html
from importlib import metadata
from typing import Any

from starlette.requests import Request
from starlette.responses import HTMLResponse, RedirectResponse, Response
from starlette.routing import Route

from amity import __version__
from amity.api.context import optional_actor
from amity.api.responses import JSONResponse
from amity.errors import Unauthorized

LINKS = {
    "docs": "/docs",
    "openapi": "/api.php/openapi.json",
    "quick_start": "/docs/README.md#quick-start",
}


def about() -> dict[str, Any]:
    return {
        "name": "Amity",
        "version": metadata.version("amity"),
        "description": metadata.metadata("amity")["Summary"],
        "api": "/api.php",
        "links": LINKS,
    }


def as_page(info: dict[str, Any]) -> str:
    items = "".join(
        f'<li><a href="{html.escape(link)}">{html.escape(name)}</a></li>'
        for name, link in info["links"].items()
    )
    return (
        f'<!doctype html><html lang="en"><head><meta charset="utf-8">'
        f"<title>Amity {html.escape(info['version'])}</title></head><body>"
        f"<h1>Amity {html.escape(info['version'])}</h1>"
        f"<p>{html.escape(info['description'])}; the API is at "
        f"<code>{html.escape(info['api'])}</code>.</p><ul>{items}</ul></body></html>"
    )


async def index(request: Request) -> Response:
    """The server's name, version and links to its reference, document and quick start."""
    info = about()
    if request.headers.get("accept", "").startswith("text/html"):  # a browser's first choice
        if request.url.path == "/":
            return RedirectResponse("/app/", status_code=303)
        return HTMLResponse(as_page(info))
    return JSONResponse(info)


async def version(request: Request) -> JSONResponse:
    try:
        authenticated = optional_actor(request) is not None
    except Unauthorized:
        authenticated = False
    return JSONResponse(
        {"version": __version__, "products": ["Amity", "CRM"], "authenticated": authenticated}
    )


routes = [
    Route("/", index, methods=["GET"]),  # /api.php/
    Route("/version", version, methods=["GET"]),
]
site_routes = [Route("/", index, methods=["GET"]), Route("/api.php", index, methods=["GET"])]
