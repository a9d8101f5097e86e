"""Who may do what on the dashboard's sales routes: one case per route with path
parameters, every user of tests/api/acl_world.py signed in with a dashboard session cookie
(and no one signed in). What the rules deny answers like a missing record: 404."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest

from amity.core.auth.sessions import csrf_token_for
from amity.core.services import Services
from amity.web.views import sales
from tests.conftest import ApiClient
from tests.web.test_pages import web
from tests.web.world import WebWorld

__all__ = ["web"]

# actor -> the user signed in (None: no session cookie)
USERS = {
    "owner": "alice",
    "mate": "bob",
    "other": "carol",
    "reader": "dave",
    "blocked": "erin",
    "admin": "admin",
    "anonymous": None,
}
Form = Callable[[WebWorld], dict[str, str]]


def invoice_lines(web: WebWorld) -> dict[str, str]:
    """The invoice's one line with a new quantity (what the editor posts)."""
    whole = web.world.services.tally.get(web.world.admin, "Invoice", web.ids["sales_invoice"])
    group = whole["groups"][0]
    line = group["lines"][0]
    return {
        "g0-id": group["id"],
        "g0-name": "Items",
        "g0-l0-id": line["id"],
        "g0-l0-name": "Widget",
        "g0-l0-quantity": "3",
        "g0-l0-unit_price": "10.00",
        "action": "save",
    }


# (method, route path) -> (concrete path, statuses in USERS' order, form)
CASES: dict[tuple[str, str], tuple[str, tuple[int, ...], Form | None]] = {
    ("GET", "/app/{model}/{id}/lines"): (
        "/app/Invoice/{sales_invoice}/lines",
        (200, 200, 404, 200, 404, 200, 303),
        None,
    ),
    ("POST", "/app/{model}/{id}/lines"): (
        "/app/Invoice/{sales_invoice}/lines",
        (303, 303, 404, 404, 404, 303, 303),
        invoice_lines,
    ),
    ("POST", "/app/{model}/{id}/lines/preview"): (
        "/app/Invoice/{sales_invoice}/lines/preview",
        (200, 200, 404, 200, 404, 200, 303),
        invoice_lines,
    ),
    ("POST", "/app/{model}/{id}/payments"): (
        "/app/Invoice/{sales_invoice}/payments",
        (303, 303, 404, 404, 404, 303, 303),
        lambda w: {"amount": "1.00"},
    ),
    ("POST", "/app/{model}/{id}/convert"): (
        "/app/Quote/{sales_quote}/convert",
        (303, 303, 404, 404, 404, 303, 303),
        lambda w: {"to": "Invoice"},
    ),
    ("GET", "/app/{model}/{id}/pdf"): (
        "/app/Invoice/{sales_invoice}/pdf",
        (200, 200, 404, 200, 404, 200, 303),
        None,
    ),
}


@pytest.fixture
def world(web: WebWorld) -> WebWorld:
    """web's world with an invoice and a quote of alice's."""
    for model, key in (("Invoice", "sales_invoice"), ("Quote", "sales_quote")):
        web.ids[key] = web.world.services.tally.save(
            web.world.admin,
            model,
            None,
            {
                "record": {"name": f"Matrix {model}", "assigned_user_id": web.world.users["alice"]},
                "groups": [{"name": "Items", "lines": [{"name": "Widget", "unit_price": "10.00"}]}],
            },
        )
    return web


def test_every_sales_route_with_a_path_parameter_has_a_case() -> None:
    routes = {
        (method, route.path)
        for route in sales.routes
        if "{" in getattr(route, "path", "")
        for method in getattr(route, "methods", None) or ()
        if method != "HEAD"
    }
    assert routes == set(CASES)


def client_for(
    app: Any, services: Services, web: WebWorld, user: str | None
) -> tuple[ApiClient, str]:
    """A client with the user's dashboard session cookie, and the session's CSRF token."""
    if user is None:
        return ApiClient(app, base_url="http://testserver"), ""
    session = services.sessions.start(user, web.passwords[user])
    headers = {"Cookie": f"amity_app={session.secret}"}
    return ApiClient(app, headers, base_url="http://testserver"), csrf_token_for(session.secret)


@pytest.mark.parametrize("key", sorted(CASES))
def test_access(app: Any, services: Services, world: WebWorld, key: tuple[str, str]) -> None:
    path, statuses, form = CASES[key]
    seen = []
    for user in USERS.values():
        client, token = client_for(app, services, world, user)
        data = None
        if key[0] == "POST":
            data = {"csrf_token": token, **(form(world) if form else {})}
        answer = client.request(key[0], path.format(**world.ids), data=data)
        seen.append(answer.status_code)
        client.close()
    assert tuple(seen) == statuses, seen
