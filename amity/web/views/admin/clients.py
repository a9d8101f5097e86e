"""OAuth API clients in the admin console: the list, registering one (its secret shown
once, stored only as a hash) and removing one, through the core's ClientRegistry."""

from __future__ import annotations

from typing import Any

from starlette.requests import Request
from starlette.responses import RedirectResponse, Response

from amity.api.context import run_write, services
from amity.api.offload import run_password_check
from amity.core.auth.clients import (
    DEFAULT_GRANTS,
    DEFAULT_OWNER_TYPES,
    DEFAULT_SCOPES,
    GRANTS,
    OWNER_TYPES,
    SCOPES,
    ClientSpec,
)
from amity.errors import AmityError
from amity.web.views.admin.common import admin_actor, field, lines, message, page, posted, status_of

WHAT = "API clients"
DEFAULTS: dict[str, Any] = {
    "name": "",
    "redirect_uris": "",
    "user": "",
    "confidential": True,
    "grants": list(DEFAULT_GRANTS),
    "scopes": list(DEFAULT_SCOPES),
    "owner_types": list(DEFAULT_OWNER_TYPES),
    "allow_portal": False,
}


def _page(
    request: Request,
    *,
    values: dict[str, Any] | None = None,
    error: str = "",
    status: int = 200,
    created: dict[str, Any] | None = None,
) -> Response:
    actor = admin_actor(request, WHAT)
    return page(
        request,
        "admin/clients.html",
        status=status,
        clients=services(request).clients.list(actor),
        values=values or DEFAULTS,
        grants=GRANTS,
        scopes=SCOPES,
        owner_types=OWNER_TYPES,
        error=error,
        created=created,
    )


async def clients_page(request: Request) -> Response:
    """GET /app/admin/clients: the clients and the form to register one."""
    return _page(request)


async def add_client(request: Request) -> Response:
    """POST /app/admin/clients: register a client; the page shows its secret this once."""
    actor, form = await posted(request, WHAT)
    values: dict[str, Any] = {
        "name": field(form, "name", 200),
        "redirect_uris": field(form, "redirect_uris", 20_000),
        "user": field(form, "user", 200),
        "confidential": "confidential" in form,
        "allow_portal": "allow_portal" in form,
        **{key: [str(v) for v in form.getlist(key)] for key in ("grants", "scopes", "owner_types")},
    }
    grants = values["grants"]
    spec = ClientSpec(
        name=values["name"],
        redirect_uris=lines(values["redirect_uris"]),
        confidential=values["confidential"],
        grants=grants or None,
        scopes=values["scopes"] or None,
        owner_types=values["owner_types"] or None,
        user=values["user"] or None,
        allow_password="password" in grants,
        allow_implicit="implicit" in grants,
        allow_portal=values["allow_portal"],
    )
    registry = services(request).clients
    try:
        # argon2 hashes the secret in a worker thread: neither on the event loop nor in the writer
        row, secret = await run_password_check(registry.prepare, actor, spec)
        client = await run_write(request, lambda: registry.insert(actor, row))
    except AmityError as exc:
        return _page(request, values=values, error=message(request, exc), status=status_of(exc))
    return _page(request, created={**client, "client_secret": secret})


async def remove_client(request: Request) -> Response:
    """POST /app/admin/clients/{client_id}/delete: it can no longer get tokens."""
    actor, _ = await posted(request, WHAT)
    client_id = request.path_params["client_id"]
    registry = services(request).clients
    await run_write(request, lambda: registry.remove(actor, client_id))
    return RedirectResponse("/app/admin/clients", status_code=303)
